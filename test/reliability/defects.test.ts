import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../actors/meter/messages';
import type { ErrorBody } from '../../core/errors';
import { interactionsRepo } from '../../persistence';
import { createWorld, eventually, type World } from '../helpers/world';

let w: World;
let meters: string[];

beforeAll(async () => {
  w = await createWorld({ actors: { askTimeoutMs: 60_000 } });
  meters = await w.seed({ meters: 3 });
});
afterAll(async () => w?.stop());

const errorOf = async (subject: string, body: unknown): Promise<ErrorBody> => {
  const r = await w.request<unknown>(subject, body);
  if (!('error' in r)) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.error;
};
const crashes = async () => (await w.node.metrics.actorCrashes.get()).values.reduce((n, v) => n + v.value, 0);
const count = async (sql: string, params: unknown[] = []) => Number((await w.db.sql.one<{ n: string }>(sql, params))!.n);

describe('issue 11: database errors are typed, refused requests write nothing, actors do not crash', () => {
  it('defect 7: 150 concurrent requests with one idempotency key on two meters — keys are per meter: one interaction each, 0 INTERNAL', async () => {
    const before = await crashes();
    const key = 'race-key-1';
    const replies = await Promise.all(Array.from({ length: 150 }, (_, i) =>
      w.request<CreateResult>(w.s.meterCreateInteraction(meters[i % 2]!), { type: 'READ_CREDIT', idempotencyKey: key })));
    expect(replies.filter((r) => 'error' in r)).toEqual([]);
    const ok = replies.flatMap((r) => ('data' in r ? [r.data] : []));
    // each meter's 75 callers get that meter's one interaction (the first created, the rest replayed or joined)
    for (const [m, meter] of meters.slice(0, 2).entries()) {
      const mine = ok.filter((_, i) => i % 2 === m);
      expect(mine).toHaveLength(75);
      expect(new Set(mine.map((d) => d.id)).size).toBe(1);
      expect(mine.every((d) => d.meterId === meter)).toBe(true);
    }
    expect(await count(`select count(*) as n from meter_interactions where idempotency_key = ?`, [key])).toBe(2);
    expect(await crashes()).toBe(before);
  });

  it('defect 7: 100 concurrent requests with one key on one meter, half of them another request — one row, the others refused, 0 INTERNAL', async () => {
    const before = await crashes();
    const key = 'race-key-2';
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      w.request<CreateResult>(w.s.meterCreateInteraction(meters[0]!), { type: i % 2 ? 'READ_VERSION' : 'READ_POWER_LIMIT', idempotencyKey: key })));
    const codes = replies.map((r) => ('error' in r ? r.error.code : 'OK'));
    expect(codes.filter((c) => c !== 'OK' && c !== 'IDEMPOTENCY_KEY_REUSED')).toEqual([]);
    expect(codes.filter((c) => c === 'OK')).toHaveLength(50);
    expect(codes.filter((c) => c === 'IDEMPOTENCY_KEY_REUSED')).toHaveLength(50);
    expect(await count(`select count(*) as n from meter_interactions where idempotency_key = ?`, [key])).toBe(1);
    expect(await crashes()).toBe(before);
  });

  it('defect 6: organization settings are validated by one schema; bad values are refused naming the field', async () => {
    for (const readTtlMs of ['abc', 1e30, -60_000, 1.5]) {
      const e = await errorOf(w.s.registryUpsert('organization'), { id: 'org1', name: 'Org', settings: { twin: { readTtlMs } } });
      expect(e.code).toBe('VALIDATION_FAILED');
      expect([...new Set((e.details as Array<{ path: string }>).map((d) => d.path))]).toEqual(['settings.twin.readTtlMs']);
    }
    const unknown = await errorOf(w.s.registryUpsert('organization'), { id: 'org1', name: 'Org', settings: { twin: { readTTL: 5 } } });
    expect(unknown.code).toBe('VALIDATION_FAILED');
    const stored = await w.db.sql.one<{ settings: unknown }>(`select settings from organizations where id = 'org1'`);
    expect(stored!.settings).toEqual({});
    await w.call(w.s.registryUpsert('organization'), { id: 'org1', name: 'Org', settings: { twin: { readTtlMs: 60_000 } } });
    expect((await w.db.sql.one<{ settings: unknown }>(`select settings from organizations where id = 'org1'`))!.settings).toEqual({ twin: { readTtlMs: 60_000 } });
    await w.call(w.s.registryUpsert('organization'), { id: 'org1', name: 'Org', settings: {} });
  });

  it('defect 8: a batch over meters that do not exist is refused, listing the missing meters, and writes nothing', async () => {
    const batches = await count(`select count(*) as n from batch_executions`);
    const e = await errorOf(w.s.batchCreate(), { type: 'READ_CREDIT', meterIds: ['ghost-1', meters[0]!, 'ghost-2'] });
    expect(e).toMatchObject({ code: 'NOT_FOUND', details: { missingMeterIds: ['ghost-1', 'ghost-2'], missingCount: 2 } });
    expect(await count(`select count(*) as n from batch_executions`)).toBe(batches);
    expect(w.node.runtime.meters.ids()).not.toContain('ghost-1');
  });

  it('defect 10: an outbox row that completed while a sweep was claiming is never claimed (atomic claim, raced 100 times)', async () => {
    const runtime = w.node.runtime;
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(meters[2]!), { type: 'READ_CREDIT' });
    const claim = { claimer: 'race-test', leaseMs: 60_000 };
    let claimedAfterDone = 0;
    for (let round = 0; round < 100; round++) {
      const [row] = await w.db.sql.all<{ id: string }>(
        `insert into cascade_outbox(interaction_id, meter_id, step) values (?, ?, ?) returning id`, [c.id, meters[2]!, `race-${round}`]);
      const id = Number(row!.id);
      const [, claimed] = await Promise.all([
        interactionsRepo.completeOutboxMany(w.db.sql, [id]),
        interactionsRepo.claimDueOutbox(w.db.sql, { ...claim, limit: 500 }),
      ]);
      const mine = claimed.filter((r) => r.id === id);
      // Claimed means it was still PENDING at the claim: then the completion came after, and the row is DONE now.
      const status = (await w.db.sql.one<{ status: string; claimed_by: string | null }>(`select status, claimed_by from cascade_outbox where id = ?`, [id]))!;
      expect(status.status).toBe('DONE');
      if (mine.length && status.claimed_by !== 'race-test') claimedAfterDone++;
      // a second claim never returns a completed row
      expect((await interactionsRepo.claimDueOutbox(w.db.sql, { ...claim, limit: 500 })).some((r) => r.id === id)).toBe(false);
    }
    expect(claimedAfterDone).toBe(0);
    expect(runtime.effects.inFlight()).toBe(0);
  }, 120_000);

  it('defect 10: sweeping the outbox without pause while 300 orders complete delivers every webhook exactly once', async () => {
    const runtime = w.node.runtime;
    let sweeping = true;
    let sweeps = 0;
    const sweeper = (async () => {
      while (sweeping) {
        await runtime.effects.sweep();
        sweeps++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const limit = pLimit(30);
    let created: CreateResult[] = [];
    try {
      created = await Promise.all(Array.from({ length: 300 }, (_, i) => limit(() =>
        w.call<CreateResult>(w.s.meterCreateInteraction(meters[i % 3]!), { type: 'READ_CREDIT', orderId: `sweep-${i}` }))));
      await eventually(async () => (await count(
        `select count(*) as n from cascade_outbox where status = 'PENDING' and interaction_id in (select id from meter_interactions where order_id like 'sweep-%')`)) === 0
        && (await count(`select count(*) as n from meter_interactions where order_id like 'sweep-%' and status in ('SUCCESSFUL','FAILED')`)) === 300, 60_000, 100);
    } finally {
      sweeping = false;
      await sweeper;
    }
    expect(sweeps).toBeGreaterThan(0);
    const final = await w.db.sql.all<{ id: string; status: string }>(`select id, status from meter_interactions where order_id like 'sweep-%'`);
    const twice = final.filter((i) => w.webhook.deliveryCount(`order:${i.id}:${i.status}`) !== 1);
    expect(twice).toEqual([]);
    expect(created).toHaveLength(300);
  }, 120_000);
});
