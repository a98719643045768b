import type { DriverCommand, DriverResponse, MeterDriver, UnsolicitedReport } from '../types';
import { isUnsolicitedType, type InteractionType } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { applyCommand, createSimMeter, type SimMeterState } from './meterState';
import { createPrng } from '../../../core/random';
import { type Clock, systemClock } from '../../../core/time';

export interface SimulatedFleetOptions {
  /** PRNG seed: same seed, same starting readings, latencies and random failures. */
  seed?: number;
  /** Fixed latency, or a range drawn per command. 0 = answer without any timer. */
  latencyMs?: number | { min: number; max: number };
  /** Probability in [0, 1] that a command times out without being applied. */
  failureRate?: number;
  /** Credit drained per hour while a meter is on (evaluated lazily). */
  drainKwhPerHour?: number;
  /** Clock for meter time and drain; injectable for tests. */
  now?: Clock;
}

const DEFAULTS = { seed: 1, latencyMs: 0 as SimulatedFleetOptions['latencyMs'], failureRate: 0, drainKwhPerHour: 0, now: systemClock };

interface MeterSlot {
  state: SimMeterState;
  inFlight: number;
  maxInFlight: number;
  counts: Partial<Record<InteractionType, number>>;
  dropAcks: number;
  /** The next n commands time out without being applied. */
  failNext: number;
  refusing: boolean;
  unreachable: boolean;
  /** Per-meter overrides of the fleet's latency and failure rate (null = the fleet's). */
  latencyMs: number | null;
  failureRate: number | null;
}

/** A simulated meter's fault switches, as the simulator controls report them. */
export interface SimMeterFaults {
  failNext: number;
  dropAcks: number;
  refusing: boolean;
  unreachable: boolean;
  latencyMs: number | null;
  failureRate: number | null;
}

const timeout = (meterId: string, applied: boolean) =>
  new GridtwinError(ErrorCode.TIMEOUT, `meter ${meterId} did not answer`, { details: { meterId, simulatedApplied: applied } });

/**
 * Deterministic simulated meters behind the MeterDriver seam, with fault controls for tests. Meters are
 * created on first use from (seed, serial), keyed by meter id.
 */
export class SimulatedFleetDriver implements MeterDriver {
  readonly name = 'simulated';
  private readonly opts: Required<SimulatedFleetOptions>;
  private readonly meters = new Map<string, MeterSlot>();
  private readonly listeners = new Set<(r: UnsolicitedReport) => void>();
  private readonly random: () => number;
  private closed = false;

  constructor(options: SimulatedFleetOptions = {}) {
    const opts = { ...DEFAULTS, ...options } as Required<SimulatedFleetOptions>;
    const lat = opts.latencyMs;
    if (typeof lat === 'number' ? lat < 0 : lat.min < 0 || lat.max < lat.min) throw new RangeError('latencyMs must be >= 0 (min <= max)');
    if (!(opts.failureRate >= 0 && opts.failureRate <= 1)) throw new RangeError('failureRate must be in [0, 1]');
    this.opts = opts;
    this.random = createPrng(opts.seed);
  }

  async execute(cmd: DriverCommand): Promise<DriverResponse> {
    if (this.closed) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'simulated driver closed');
    if (isUnsolicitedType(cmd.type)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `${cmd.type} is sent by meters, not to them`, { details: { type: cmd.type, unsupported: true } });
    }
    // a command whose deadline is gone is not sent (the caller has already given up on it)
    if (cmd.deadlineAt <= this.opts.now()) throw timeout(cmd.meter.id, false);
    const slot = this.slot(cmd.meter.id, cmd.meter.serial);
    slot.inFlight++;
    if (slot.inFlight > slot.maxInFlight) slot.maxInFlight = slot.inFlight;
    try {
      const latency = slot.latencyMs ?? this.drawLatency();
      if (latency > 0) {
        const budget = cmd.deadlineAt - this.opts.now();
        await this.sleep(Math.max(0, Math.min(latency, budget)));
        if (latency > budget) throw timeout(cmd.meter.id, false);
      }
      return this.answer(cmd, slot);
    } finally {
      slot.inFlight--;
    }
  }

  private answer(cmd: DriverCommand, slot: MeterSlot): DriverResponse {
    const id = cmd.meter.id;
    if (slot.unreachable) throw timeout(id, false);
    if (slot.failNext > 0) {
      slot.failNext--;
      throw timeout(id, false);
    }
    const failureRate = slot.failureRate ?? this.opts.failureRate;
    if (failureRate > 0 && this.random() < failureRate) throw timeout(id, false);
    if (slot.refusing) throw new GridtwinError(ErrorCode.DEVICE_REJECTED, `meter ${id} refused ${cmd.type}`);
    const result = applyCommand(slot.state, cmd, this.opts.now(), this.opts);
    slot.counts[cmd.type] = (slot.counts[cmd.type] ?? 0) + 1;
    if (slot.dropAcks > 0) {
      slot.dropAcks--;
      throw timeout(id, true);
    }
    return { result };
  }

  onUnsolicited(listener: (r: UnsolicitedReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }

  // ---- test and demo controls ----

  /** Next command is applied, but its answer is lost: the caller sees TIMEOUT (a "ghost success"). */
  dropAckOnce(meterId: string, times = 1): void { this.slotById(meterId).dropAcks += times; }
  /** The next `times` commands time out without being applied. */
  failNext(meterId: string, times = 1): void { this.slotById(meterId).failNext += times; }
  /** Every command is answered DEVICE_REJECTED until clearFaults (or `refuse(id, false)`). */
  refuse(meterId: string, on = true): void { this.slotById(meterId).refusing = on; }
  /** Every command times out without being applied until clearFaults (or `unreachable(id, false)`). */
  unreachable(meterId: string, on = true): void { this.slotById(meterId).unreachable = on; }
  /** This meter's latency instead of the fleet's (null: the fleet's again). */
  setLatency(meterId: string, ms: number | null): void {
    if (ms !== null && !(ms >= 0)) throw new RangeError('latencyMs must be >= 0');
    this.slotById(meterId).latencyMs = ms;
  }
  /** This meter's failure rate in [0, 1] instead of the fleet's (null: the fleet's again). */
  setFailureRate(meterId: string, rate: number | null): void {
    if (rate !== null && !(rate >= 0 && rate <= 1)) throw new RangeError('failureRate must be in [0, 1]');
    this.slotById(meterId).failureRate = rate;
  }
  /** The meter's credit becomes `kwh` (as if topped up or drained outside gridtwin). */
  setCredit(meterId: string, kwh: number): void { this.slotById(meterId).state.kwhCredit = kwh; }
  clearFaults(meterId: string): void {
    const s = this.slotById(meterId);
    s.refusing = false;
    s.unreachable = false;
    s.dropAcks = 0;
    s.failNext = 0;
    s.latencyMs = null;
    s.failureRate = null;
  }
  faults(meterId: string): SimMeterFaults {
    const { failNext, dropAcks, refusing, unreachable, latencyMs, failureRate } = this.slotById(meterId);
    return { failNext, dropAcks, refusing, unreachable, latencyMs, failureRate };
  }
  /** The relay changes state by itself (drift between the meter and what the system believes). */
  flipRelay(meterId: string): void {
    const s = this.slotById(meterId).state;
    s.isOn = !s.isOn;
  }
  /** Registers a meter with an explicit serial and optional starting state. */
  addMeter(meterId: string, serial: string, state: Partial<Omit<SimMeterState, 'serial'>> = {}): void {
    const slot = this.slot(meterId, serial);
    Object.assign(slot.state, state, { serial });
  }
  /** A copy of the meter's state, or undefined if it was never used. */
  getMeter(meterId: string): Readonly<SimMeterState> | undefined {
    const s = this.meters.get(meterId)?.state;
    return s && { ...s, voltageV: { ...s.voltageV }, currentA: { ...s.currentA }, usedTokenIds: new Set(s.usedTokenIds) };
  }
  /** Commands applied per type for a meter (faulted commands that were not applied are not counted). */
  executedCount(meterId: string, type?: InteractionType): number {
    const counts = this.meters.get(meterId)?.counts ?? {};
    if (type) return counts[type] ?? 0;
    return Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  }
  /** Highest number of commands seen in flight at once on this meter. */
  maxConcurrent(meterId: string): number { return this.meters.get(meterId)?.maxInFlight ?? 0; }
  /** Highest per-meter concurrency across the fleet. */
  maxConcurrentAnyMeter(): number {
    let max = 0;
    for (const s of this.meters.values()) max = Math.max(max, s.maxInFlight);
    return max;
  }
  /** The meter sends a READ_REPORT of its current state to the unsolicited listeners. */
  emitReport(meterId: string): UnsolicitedReport {
    const slot = this.slotById(meterId);
    const now = this.opts.now();
    const report: UnsolicitedReport = {
      type: 'READ_REPORT',
      meterExternalReference: slot.state.serial,
      result: applyCommand(slot.state, { type: 'READ_REPORT', params: {} }, now, this.opts),
      receivedAt: new Date(now).toISOString(),
    };
    for (const l of this.listeners) l(report);
    return report;
  }

  private slot(meterId: string, serial: string): MeterSlot {
    let s = this.meters.get(meterId);
    if (!s) {
      s = {
        state: createSimMeter(serial, this.opts.seed, this.opts.now()),
        inFlight: 0, maxInFlight: 0, counts: {}, dropAcks: 0, failNext: 0, refusing: false, unreachable: false, latencyMs: null, failureRate: null,
      };
      this.meters.set(meterId, s);
    }
    return s;
  }

  /** Controls may name a meter before its first command; its serial then defaults to its id. */
  private slotById(meterId: string): MeterSlot {
    return this.meters.get(meterId) ?? this.slot(meterId, meterId);
  }

  private drawLatency(): number {
    const l = this.opts.latencyMs;
    if (typeof l === 'number') return l;
    return l.max === l.min ? l.min : l.min + Math.floor(this.random() * (l.max - l.min + 1));
  }

  /** Commands in flight at close still finish: each wait is bounded by its deadline. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
