import type { DriverCommand } from '../types';
import type { InteractionResult } from '../../../core/domain';
import { GridtwinError } from '../../../core/errors';
import { applyCommand, createSimMeter, type SimMeterState } from '../simulated/meterState';
import { decodeSimToken, encodeSimToken, type SimTokenKind } from '../simulated/tokenCodec';
import type { Clock } from '../../../core/time';

/**
 * The meters behind the simulated Calin API and the remote tasks queued for them. A task is carried out
 * when it is first looked at after its delay (lazily: no timers), once; until then it is running.
 */
export type TaskOutcome =
  | { state: 'running' }
  | { state: 'done'; result: InteractionResult }
  | { state: 'failed'; reason: string }
  | { state: 'tokenRejected'; reason: string };

interface Task { meterNo: string; cmd: Pick<DriverCommand, 'type' | 'params'>; readyAt: number; outcome?: TaskOutcome }

export interface SimMeterFaults {
  /** Tasks never finish and are never carried out (the DCU cannot reach the meter). */
  unreachable?: boolean;
  /** Tasks finish as failed without being carried out. */
  refusing?: boolean;
  /** The next this-many tasks take `slowByMs` longer (carried out after the caller gave up: a lost answer). */
  slowTasks?: number;
  slowByMs?: number;
}

export class CalinSimMeters {
  readonly meters = new Map<string, SimMeterState>();
  readonly faults = new Map<string, SimMeterFaults>();
  /** Commands carried out, per meter and type. */
  readonly applied = new Map<string, number>();
  private readonly tasks = new Map<number, Task>();
  private nextTask = 1000;
  private seq = 0;

  constructor(private readonly o: { seed: number; knownMeters?: readonly string[]; taskDelayMs: () => number; now: Clock }) {}

  /** The meter with this number, created on first use unless the simulator serves a fixed list. */
  meter(meterNo: string): SimMeterState | undefined {
    let m = this.meters.get(meterNo);
    if (!m) {
      if (!/^\w{1,32}$/.test(meterNo) || (this.o.knownMeters && !this.o.knownMeters.includes(meterNo))) return undefined;
      m = createSimMeter(meterNo, this.o.seed, this.o.now());
      this.meters.set(meterNo, m);
    }
    return m;
  }

  /** A token for this meter the simulated meter will accept (the simulators' stand-in for STS). */
  issueToken(meterNo: string, kind: SimTokenKind, value: { kwh?: number; powerLimitW?: number }): string {
    return encodeSimToken(meterNo, { kind, ...value, idSource: `calin-sim:${++this.seq}:${meterNo}:${kind}` });
  }

  /** Whether the meter already took this token (Calin refuses its delivery at once). */
  tokenUsed(meterNo: string, token: string): boolean {
    return this.meters.get(meterNo)?.usedTokenIds.has(token.slice(0, 16)) ?? false;
  }

  tokenFits(meterNo: string, token: string): boolean {
    return decodeSimToken(meterNo, token) !== null;
  }

  createTask(meterNo: string, cmd: Pick<DriverCommand, 'type' | 'params'>): number {
    const id = this.nextTask++;
    const faults = this.faults.get(meterNo);
    let extra = 0;
    if (faults?.slowTasks) {
      faults.slowTasks--;
      extra = faults.slowByMs ?? 0;
    }
    this.tasks.set(id, { meterNo, cmd, readyAt: this.o.now() + this.o.taskDelayMs() + extra });
    return id;
  }

  /** Carries out every task that is due, as the DCUs would without anyone asking (for inspection). */
  settleDue(): void {
    for (const id of this.tasks.keys()) this.look(id);
  }

  hasTask(id: number): boolean { return this.tasks.has(id); }
  taskCommand(id: number): Pick<DriverCommand, 'type' | 'params'> | undefined { return this.tasks.get(id)?.cmd; }

  /** The task's state now; carries it out the first time it is due. */
  look(id: number): TaskOutcome | undefined {
    const t = this.tasks.get(id);
    if (!t) return undefined;
    if (t.outcome) return t.outcome;
    const faults = this.faults.get(t.meterNo) ?? {};
    if (this.o.now() < t.readyAt || faults.unreachable) return { state: 'running' };
    if (faults.refusing) return (t.outcome = { state: 'failed', reason: 'the meter refused the command' });
    const m = this.meter(t.meterNo)!;
    try {
      const result = applyCommand(m, t.cmd, this.o.now());
      const key = `${t.meterNo}:${t.cmd.type}`;
      this.applied.set(key, (this.applied.get(key) ?? 0) + 1);
      t.outcome = { state: 'done', result };
    } catch (e) {
      const reason = e instanceof GridtwinError ? e.message : 'error';
      t.outcome = t.cmd.params.token ? { state: 'tokenRejected', reason } : { state: 'failed', reason };
    }
    return t.outcome;
  }

  appliedCount(meterNo: string, type: string): number { return this.applied.get(`${meterNo}:${type}`) ?? 0; }
}
