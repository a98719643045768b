import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { followUpKey } from '../../../actors/meter/cascade/FollowUps';
import type { InteractionRow } from '../../../persistence';
import { context, MeterModel } from './harness';

type Action =
  | { a: 'create'; type: string; params: Record<string, unknown>; key?: string }
  | { a: 'answer'; ok: boolean; code: string; isOn: boolean }
  | { a: 'sync' }
  | { a: 'tick'; advanceMs: number }
  | { a: 'abort'; pick: number }
  | { a: 'grid'; online: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({
    a: fc.constant('create' as const),
    type: fc.constantFrom('READ_CREDIT', 'READ_VERSION', 'TURN_ON', 'TURN_OFF', 'TOP_UP', 'CLEAR_CREDIT', 'SET_POWER_LIMIT'),
    params: fc.constant({}),
    key: fc.option(fc.constantFrom('k1', 'k2', 'k3'), { nil: undefined }),
  }).map((c) => (c.type === 'SET_POWER_LIMIT' ? { ...c, params: { powerLimitW: 700 } } : c.type === 'TOP_UP' ? { ...c, params: { kwh: 1 } } : c)) },
  { weight: 5, arbitrary: fc.record({ a: fc.constant('answer' as const), ok: fc.boolean(), code: fc.constantFrom('TIMEOUT', 'DEVICE_REJECTED', 'METER_ERROR'), isOn: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constant('sync' as const) }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constant('tick' as const), advanceMs: fc.constantFrom(0, 1_000, 200_000) }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constant('abort' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constant('grid' as const), online: fc.boolean() }) },
);

/**
 * Plays a sequence against the pure meter with a tiny database: rows by idempotency key (so a replayed
 * key is found, as `facts.ts` would find it) and the follow-ups the outbox asks for, each created twice
 * (a redelivered outbox step).
 */
function play(actions: Action[], protocol: 'CALIN_V1' | 'EMLITE') {
  const m = new MeterModel(context({ protocol, mediatorAddress: 'mx' }));
  const byKey = new Map<string, InteractionRow>();
  let gridOnline = true;
  const remember = (from: number) => {
    for (const e of m.effects.slice(from)) if (e.kind === 'insert' && e.row.idempotencyKey) byKey.set(e.row.idempotencyKey, { ...(e.row as unknown as InteractionRow), batchExecutionIds: [] });
  };
  const create = (type: string, params: Record<string, unknown>, key?: string, opts?: Record<string, unknown>) => {
    const from = m.effects.length;
    const existing = key ? byKey.get(key) : undefined;
    m.tell({ type: 'create', req: { type, params, idempotencyKey: key } as never, opts }, { create: { existing } });
    remember(from);
  };
  const followUps = (from: number) => {
    for (const e of m.effects.slice(from)) {
      if (e.kind !== 'commit') continue;
      for (const o of e.commit.outbox.filter((x) => x.step === 'followUps')) {
        for (const t of o.payload!.types as string[]) for (let twice = 0; twice < 2; twice++) create(t, {}, followUpKey(e.commit.interactionId, t as never), { followUpOf: e.commit.interactionId });
      }
    }
  };
  for (const act of actions) {
    const from = m.effects.length;
    switch (act.a) {
      case 'create':
        create(act.type, act.params, act.key);
        break;
      case 'answer':
        if (m.wire.length) m.answer(act.ok ? { ok: true, result: { isOn: act.isOn, powerLimitW: 700, kwhCredit: 1 } } : { ok: false, code: act.code });
        break;
      case 'sync':
        if (protocol === 'EMLITE') m.tell({ type: 'sync' });
        break;
      case 'tick':
        // The driver's own deadline guard answers before the tick's deadline check can (deadline + 50 ms < + 1 s).
        if (act.advanceMs > 100_000) while (m.wire.length) m.answer({ ok: false, code: 'TIMEOUT' });
        m.now += act.advanceMs;
        m.tell({ type: 'tick' });
        break;
      case 'abort': {
        const target = m.state.queue[act.pick % Math.max(1, m.state.queue.length)];
        if (target) m.tell({ type: 'abort', interactionId: target.id, reason: 'by request' }, { stored: target });
        break;
      }
      case 'grid':
        gridOnline = act.online;
        m.tell({ type: 'worldChanged' }, { world: { ...m.state.ctx, grid: { id: 'g1', isOnline: gridOnline } } });
        break;
    }
    followUps(from);
    const open = m.state.queue.filter((q) => q.status === 'PROCESSING' || q.status === 'VERIFYING');
    if (open.length > 1 || (open.length === 1 && m.state.inFlight !== open[0]!.id)) throw new Error(`two in flight: ${JSON.stringify(open.map((o) => o.id))}`);
  }
  return m;
}

const idNumber = (id: string) => Number(id.slice(1));
const runs = { numRuns: 300 };

describe('meter rules, property-based (no database, no NATS, no actor system)', () => {
  for (const protocol of ['CALIN_V1', 'EMLITE'] as const) {
    it(`${protocol}: at most one thing on the wire per meter — a command or a sync, never both`, () => {
      fc.assert(fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        expect(play(actions, protocol).maxOnWire).toBeLessThanOrEqual(1);
      }), runs);
    });
  }

  it('arrival order kept: interactions reach the wire in the order they were accepted', () => {
    fc.assert(fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
      const m = play(actions, 'CALIN_V1');
      const firstSends: string[] = [];
      for (const c of m.sent) if (!firstSends.includes(c.interactionId)) firstSends.push(c.interactionId);
      const order = firstSends.map(idNumber);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }), runs);
  });

  it('a cascade runs once: every interaction reaches a final status at most once', () => {
    fc.assert(fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
      const ids = play(actions, 'CALIN_V1').commits().map((c) => c.commit.interactionId);
      expect(new Set(ids).size).toBe(ids.length);
    }), runs);
  });

  it('a follow-up at most once: a redelivered follow-up step creates nothing new', () => {
    fc.assert(fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
      const m = play(actions, 'CALIN_V1');
      const keys = m.inserts().map((i) => i.row.idempotencyKey).filter((k): k is string => Boolean(k));
      expect(new Set(keys).size).toBe(keys.length);
      for (const c of m.commits()) expect(c.commit.outbox.filter((o) => o.step === 'followUps').length).toBeLessThanOrEqual(1);
    }), runs);
  });

  it('the predicted row version is the one each commit produces, one apart', () => {
    fc.assert(fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
      const m = play(actions, 'CALIN_V1');
      const fenced = m.effects.filter((e) => e.kind === 'commit' || e.kind === 'setDesired');
      let rv = 1;
      for (const e of fenced) {
        if (e.kind === 'commit') {
          expect(e.commit.meterRowVersion).toBe(rv);
          expect(e.expectRowVersion).toBe(rv + 1);
        }
        rv++;
      }
      expect(m.state.ctx.meter.rowVersion).toBe(rv);
    }), runs);
  });
});
