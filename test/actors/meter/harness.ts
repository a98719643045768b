import type { DriverCommand } from '../../../adapters/meters/types';
import { GridtwinError, type ErrorCode } from '../../../core/errors';
import { step, type MessageFacts } from '../../../actors/meter/decide';
import { load } from '../../../actors/meter/decide/Load';
import type { DecideEnv, Effect } from '../../../actors/meter/effects';
import type { MeterMsg } from '../../../actors/meter/messages';
import type { Loaded } from '../../../actors/meter/state';
import type { InteractionRow, IssueRow, MeterContext, MeterRow } from '../../../persistence';

export const NOW = Date.parse('2026-11-23T12:00:00Z');
export const H = 3600_000;

export function meterRow(p: Partial<MeterRow> = {}): MeterRow {
  return {
    id: 'm1', serial: 'S1', externalReference: 'dev1', protocol: 'CALIN_V2', gridId: 'g1', dcuId: 'd1', mode: 'active', esco: null,
    mediatorAddress: null, tariffPerKwh: 100, isOn: true, isOnUpdatedAt: null, powerLimit: 1000, powerLimitUpdatedAt: null,
    powerLimitShouldBe: 1500, kwhCreditAvailable: 0, kwhCreditAvailableUpdatedAt: null, balanceInLocalCurrency: null,
    balanceInLocalCurrencyUpdatedAt: null, version: null, versionUpdatedAt: null, lastSeenAt: new Date(NOW - 60_000).toISOString(),
    connectionMetrics: null, connectionMetricsUpdatedAt: null, lastCommissioningId: null, lastEncounteredIssueId: null,
    desired: {}, shadowMetadata: {}, rowVersion: 1, updatedAt: new Date(NOW).toISOString(), ...p,
  };
}

export function context(p: Partial<MeterRow> = {}, o: { gridOnline?: boolean; issues?: IssueRow[]; twin?: Record<string, unknown>; lastCommissioningStatus?: string | null } = {}): MeterContext {
  return {
    meter: meterRow(p), organizationId: 'org1', organizationSettings: o.twin ? { twin: o.twin } : {},
    grid: { id: 'g1', isOnline: o.gridOnline ?? true }, dcus: [{ id: 'd1', externalReference: 'GW-1', isOnline: true }],
    openIssues: o.issues ?? [], lastCommissioningStatus: o.lastCommissioningStatus ?? null,
  };
}

export function loaded(ctx: MeterContext = context(), open: InteractionRow[] = []): Loaded {
  return load(ctx.meter.id, { ctx, open, pendingOutbox: [] }, () => true).state;
}

/**
 * The meter actor without an actor system, a database or a bus: each message goes through the same pure
 * `step` the actor runs, effects are recorded, and the driver and the syncers are played by the test.
 */
export class MeterModel {
  state: Loaded;
  now = NOW;
  private ids = 0;
  readonly effects: Effect[] = [];
  /** Driver commands sent and not answered yet, and sync runs started and not finished. */
  readonly wire: Array<{ kind: 'command'; cmd: DriverCommand } | { kind: 'sync'; runId: string; msg: Extract<Effect, { kind: 'startSync' }> }> = [];
  maxOnWire = 0;
  readonly sent: DriverCommand[] = [];
  readonly replies: unknown[] = [];

  constructor(ctx: MeterContext = context(), open: InteractionRow[] = []) {
    this.state = loaded(ctx, open);
  }

  env(): DecideEnv {
    return {
      now: this.now, newId: () => `i${++this.ids}`, sinks: { chat: false, analytics: false },
      limits: { abortWhenNotSeenForMs: 30 * 24 * H, deferWhenNotSeenForMs: H, processingDeadlineMs: 120_000 },
    };
  }

  /** Handles one message as the actor would; returns the effects of that turn. */
  tell(msg: MeterMsg, facts: MessageFacts = {}): Effect[] {
    const d = step(this.state, msg, facts, this.env());
    this.state = d.state;
    this.effects.push(...d.effects);
    for (const e of d.effects) {
      if (e.kind === 'send') {
        this.wire.push({ kind: 'command', cmd: e.cmd });
        this.sent.push(e.cmd);
      }
      if (e.kind === 'startSync') this.wire.push({ kind: 'sync', runId: e.runId, msg: e });
      if (e.kind === 'reply') this.replies.push(e.data);
      if (e.kind === 'refuse') this.replies.push({ error: e.error.code });
    }
    this.maxOnWire = Math.max(this.maxOnWire, this.wire.length);
    return d.effects;
  }

  create(type: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, facts: MessageFacts = {}) {
    const reply = (r: unknown) => this.replies.push(r);
    return this.tell({ type: 'create', req: { type, params, ...extra } as never, reply: reply as never }, facts);
  }

  /** The oldest thing on the wire answers. */
  answer(outcome: { ok: true; result?: Record<string, unknown> } | { ok: false; code: string }): Effect[] {
    const w = this.wire.shift();
    if (!w) throw new Error('nothing on the wire');
    if (w.kind === 'sync') {
      return this.tell({ type: 'syncFinished', runId: w.runId, req: w.msg.req, run: { kind: 'skipped', syncers: [], details: 'meter is passive' } });
    }
    const o = outcome.ok
      ? { ok: true as const, response: { result: outcome.result ?? {} } }
      : { ok: false as const, error: new GridtwinError(outcome.code as ErrorCode, `driver said ${outcome.code}`) };
    return this.tell({ type: 'driverReplied', interactionId: w.cmd.interactionId, outcome: o });
  }

  commits() {
    return this.effects.filter((e): e is Extract<Effect, { kind: 'commit' }> => e.kind === 'commit');
  }
  inserts() {
    return this.effects.filter((e): e is Extract<Effect, { kind: 'insert' }> => e.kind === 'insert');
  }
}

export const kinds = (effects: Effect[]) => effects.map((e) => e.kind);
