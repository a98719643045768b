import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../actors/meter/messages';
import type { InteractionView } from '../../core/events';
import { createWorld, eventually, type World } from '../helpers/world';

let w: World;
let meters: string[];

beforeAll(async () => {
  w = await createWorld({ interactions: { batchRecountThrottleMs: 400, reconcileEveryMs: 60_000 } });
  meters = await w.seed({ meters: 6, orgSettings: { twin: { coalescing: false } } });
});
afterAll(async () => w?.stop());

const status = async (id: string) => (await w.call<InteractionView>(w.s.interactionGet(id))).status;
const settled = (id: string) => eventually(async () => {
  const s = await status(id);
  return ['SUCCESSFUL', 'FAILED', 'ABORTED', 'EXPIRED', 'SUPERSEDED'].includes(s) ? s : undefined;
});

describe('batches', () => {
  it('counts progress from linked interactions, throttled, with final counts written', async () => {
    const b = await w.call<{ id: string; totalCount: number; interactions: CreateResult[] }>(w.s.batchCreate(), { type: 'READ_CREDIT', meterIds: meters.slice(0, 4) });
    expect(b.totalCount).toBe(4);
    expect(b.interactions).toHaveLength(4);
    for (const i of b.interactions) await settled(i.id);
    const final = await eventually(async () => {
      const v = await w.call<{ successfulCount: number; pendingCount: number; processingCount: number; status: string }>(w.s.batchGet(b.id));
      return v.successfulCount === 4 ? v : undefined;
    }, 20_000);
    expect(final).toMatchObject({ successfulCount: 4, pendingCount: 0, processingCount: 0, status: 'SUCCESSFUL' });
    // the counts can reach 4 through an earlier recount before the last interaction's own outbox row is marked DONE
    const doneRows = () => w.db.sql.one<{ n: string }>(`select count(*) as n from cascade_outbox where step = 'batchProgress' and status = 'DONE' and interaction_id in (select interaction_id from batch_interactions where batch_execution_id = ?)`, [b.id]);
    await eventually(async () => (Number((await doneRows())!.n) === 4 ? true : undefined), 20_000);
    const all = await w.db.sql.one<{ n: string }>(`select count(*) as n from cascade_outbox where step = 'batchProgress' and interaction_id in (select interaction_id from batch_interactions where batch_execution_id = ?)`, [b.id]);
    expect(Number(all!.n)).toBe(4); // one progress step per interaction, never a second
  });

  it('recomputes at most once per throttle window', async () => {
    const b = await w.call<{ id: string; interactions: CreateResult[] }>(w.s.batchCreate(), { type: 'READ_VERSION', meterIds: meters });
    for (const i of b.interactions) await settled(i.id);
    const t0 = Date.now();
    const stamps = new Set<string>();
    while (Date.now() - t0 < 1500) {
      const r = await w.db.sql.one<{ recounted_at: Date }>(`select recounted_at from batch_executions where id = ?`, [b.id]);
      if (r?.recounted_at) stamps.add(new Date(r.recounted_at).toISOString());
      await new Promise((r2) => setTimeout(r2, 20));
    }
    const times = [...stamps].map((s) => Date.parse(s)).sort();
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(390);
    const v = await w.call<{ successfulCount: number }>(w.s.batchGet(b.id));
    expect(v.successfulCount).toBe(6);
  });
});

describe('commissioning', () => {
  it('runs its steps one at a time to SUCCESSFUL, without READ_CREDIT follow-ups', async () => {
    const c = await w.call<{ id: string; status: string; interactions: Array<{ id: string; status: string; type: string }> }>(w.s.commissioningCreate(), {
      meterId: meters[0], steps: [{ type: 'TOP_UP', params: { kwh: 1 } }, { type: 'SET_POWER_LIMIT', params: { powerLimitW: 1500 } }, { type: 'READ_CREDIT' }],
    });
    // the first step went through the gatekeeper (and may already have run); the others wait their turn
    expect(c.interactions[0]!.status).not.toBe('DEFERRED');
    expect(c.interactions.slice(1).map((i) => i.status)).toEqual(['DEFERRED', 'DEFERRED']);
    expect(['PROCESSING', 'SUCCESSFUL']).toContain(c.status);
    const done = await eventually(async () => {
      const v = await w.call<{ status: string; interactions: Array<{ status: string }> }>(w.s.commissioningGet(c.id));
      return v.status === 'SUCCESSFUL' ? v : undefined;
    }).catch(async (e) => {
      console.log(JSON.stringify(await w.call(w.s.commissioningGet(c.id))), await w.db.sql.all(`select interaction_type, status, failure_reason from meter_interactions where meter_commissioning_id = ?`, [c.id]), await w.db.sql.all(`select step, status, last_error from cascade_outbox where interaction_id in (select id from meter_interactions where meter_commissioning_id = ?)`, [c.id]));
      throw e;
    });
    expect(done.interactions.map((i) => i.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL', 'SUCCESSFUL']);
    const followUps = await w.db.sql.all(`select id from meter_interactions where follow_up_of = ?`, [c.interactions[0]!.id]);
    expect(followUps).toHaveLength(0);
    // processed in order: each step started after the previous finished
    const rows = await w.db.sql.all<{ processing_at: Date; successful_at: Date }>(`select processing_at, successful_at from meter_interactions where meter_commissioning_id = ? order by seq`, [c.id]);
    for (let i = 1; i < rows.length; i++) expect(Date.parse(String(rows[i]!.processing_at))).toBeGreaterThanOrEqual(Date.parse(String(rows[i - 1]!.successful_at)));
  });

  it('fails the commissioning and aborts its waiting siblings when a step fails (abort cascade)', async () => {
    const m = meters[1]!;
    w.fleet.unreachable(m);
    const c = await w.call<{ id: string; interactions: Array<{ id: string }> }>(w.s.commissioningCreate(), {
      meterId: m, steps: [{ type: 'READ_VERSION' }, { type: 'READ_CREDIT' }, { type: 'READ_DATE' }],
    });
    w.node.runtime.meters.tell(m, { type: 'tick' });
    // READ_VERSION times out at the deadline → FAILED; shorten by aborting through the deadline rule
    await w.db.sql.run(`update meter_interactions set deadline_at = now() - interval '1 hour' where id = ?`, [c.interactions[0]!.id]);
    await w.db.sql.run(`update meters set row_version = row_version where id = ?`, [m]);
    const failed = await eventually(async () => {
      w.node.runtime.meters.tell(m, { type: 'tick' });
      const v = await w.call<{ status: string; interactions: Array<{ status: string }> }>(w.s.commissioningGet(c.id));
      return v.status === 'FAILED' && v.interactions.every((i) => i.status !== 'DEFERRED') ? v : undefined;
    }, 15_000, 200);
    expect(failed.interactions.map((i) => i.status)).toEqual(['FAILED', 'ABORTED', 'ABORTED']);
    w.fleet.clearFaults(m);
  });

  it('a commissioning paused (PENDING) for an unseen meter resumes when a plain interaction succeeds', async () => {
    const m = 'paused1';
    await w.call(w.s.registryUpsert('meter'), { id: m, serial: 'P1', protocol: 'CALIN_V2', gridId: 'g1', dcuId: 'd1', lastSeenAt: new Date(Date.now() - 2 * 3600_000).toISOString() });
    const c = await w.call<{ id: string; status: string; interactions: Array<{ status: string }> }>(w.s.commissioningCreate(), {
      meterId: m, steps: [{ type: 'READ_VERSION' }, { type: 'READ_CREDIT' }],
    });
    expect(c.status).toBe('PENDING');
    expect(c.interactions.map((i) => i.status)).toEqual(['DEFERRED', 'DEFERRED']);
    const plain = await w.call<CreateResult>(w.s.meterCreateInteraction(m), { type: 'READ_POWER' });
    expect(await settled(plain.id)).toBe('SUCCESSFUL');
    const done = await eventually(async () => {
      const v = await w.call<{ status: string; interactions: Array<{ status: string }> }>(w.s.commissioningGet(c.id));
      return v.status === 'SUCCESSFUL' ? v : undefined;
    });
    expect(done.interactions.map((i) => i.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
  });
});

describe('follow-ups and suspension', () => {
  it('SET_POWER_LIMIT failure on CALIN_V1 creates one READ_POWER_LIMIT', async () => {
    await w.call(w.s.registryUpsert('meter'), { id: 'v1', serial: 'V1S', protocol: 'CALIN_V1', gridId: 'g1', dcuId: 'd1', lastSeenAt: new Date().toISOString() });
    await w.call(w.s.meterGet('v1'));
    w.fleet.refuse('v1');
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction('v1'), { type: 'SET_POWER_LIMIT', params: { powerLimitW: 800 }, });
    expect(await settled(c.id)).toBe('FAILED');
    w.fleet.clearFaults('v1');
    const f = await eventually(async () => w.db.sql.one<{ interaction_type: string }>(`select interaction_type from meter_interactions where follow_up_of = ?`, [c.id]));
    expect(f.interaction_type).toBe('READ_POWER_LIMIT');
  });

  it('SUSPENDED while the grid is down, resumed when it comes back', async () => {
    const m = meters[3]!;
    const before = w.fleet.executedCount(m, 'READ_CREDIT');
    await w.call(w.s.gridOnlineSet(), { id: 'g1', online: false });
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(m), { type: 'READ_CREDIT' });
    expect(c.status).toBe('SUSPENDED');
    expect(w.fleet.executedCount(m, 'READ_CREDIT')).toBe(before);
    await w.call(w.s.gridOnlineSet(), { id: 'g1', online: true });
    expect(await settled(c.id)).toBe('SUCCESSFUL');
  });
});

describe('one writer per meter', () => {
  it('1,000 concurrent interactions over 100 meters never overlap on one meter and run in arrival order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(`c${i}`);
    await Promise.all(ids.map((id) => w.call(w.s.registryUpsert('meter'), { id, serial: `C${id}`, protocol: 'CALIN_V2', gridId: 'g1', dcuId: 'd1', lastSeenAt: new Date().toISOString() })));
    const types = ['READ_CREDIT', 'READ_VERSION', 'READ_POWER', 'READ_DATE', 'READ_TIME', 'READ_POWER_LIMIT', 'READ_CREDIT', 'READ_VERSION', 'READ_POWER', 'READ_DATE'];
    const created = await Promise.all(ids.flatMap((id) => types.map((type) => w.call<CreateResult>(w.s.meterCreateInteraction(id), { type }))));
    expect(created).toHaveLength(1000);
    await eventually(async () => {
      const r = await w.db.sql.one<{ n: string }>(`select count(*) as n from meter_interactions where meter_id like 'c%' and status = 'SUCCESSFUL'`);
      return Number(r!.n) === 1000;
    }, 60_000, 100).catch(async (e) => {
      console.log(await w.db.sql.all(`select status, count(*) from meter_interactions where meter_id like 'c%' group by status`));
      throw e;
    });
    expect(w.fleet.maxConcurrentAnyMeter()).toBe(1);
    for (const id of ids) expect(w.fleet.executedCount(id)).toBe(10);
    const disorder = await w.db.sql.one<{ n: string }>(`
      select count(*) as n from (
        select processing_at, lag(successful_at) over (partition by meter_id order by seq) as prev_done
          from meter_interactions where meter_id like 'c%') t
       where prev_done is not null and processing_at < prev_done`);
    expect(Number(disorder!.n)).toBe(0);
  }, 120_000);
});
