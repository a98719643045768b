import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSolisSimulator, type RunningSimulator } from '../../../adapters/solar';
import type { PollReply } from '../../../actors/plant';
import { createPlantWorld, type PlantWorld } from './world';

/** Vendor faults and bad data: every poll ends in a correct PollLog and status, no crash, no duplicate alert. */
let w: PlantWorld;
let solis: RunningSimulator;
let rotated: RunningSimulator | undefined;
let p: string[];
let gw: string[];

beforeAll(async () => {
  // the deadline is short enough for a 30 s rate limit to outlast it, and long enough for a loaded machine
  w = await createPlantWorld({}, { solar: { pollDeadlineMs: 15_000 } });
  solis = await w.startSim('SOLIS', { plants: 6, alarmEvery: 3, offlineEvery: 0 });
  p = await w.register('SOLIS', solis.fleet.plants);
  const goodwe = await w.startSim('GOODWE', { plants: 12, alarmEvery: 0, offlineEvery: 0, latencyMs: 30 });
  gw = await w.register('GOODWE', goodwe.fleet.plants);
});
afterAll(async () => {
  await rotated?.close();
  await w?.stop();
});

const poll = (id: string) => w.call<PollReply>(w.s.plantPoll(id));
const openAlerts = async (id: string) => (await w.db.sql.all(`select id from alerts where plant_id = ? and state <> 'RESOLVED'`, [id])).length;

describe('vendor faults', () => {
  it('a 5xx, an HTML error page or a timeout once is retried and the poll succeeds', async () => {
    for (const fault of ['http5xx', 'html', 'timeout'] as const) {
      solis.inject(fault, { times: 1 });
      const r = await poll(p[0]!);
      expect(r.log, fault).toMatchObject({ status: 'SUCCESS', errorCode: null });
      expect(r.status).toBe('GREEN');
      solis.clearFaults();
    }
  });

  it('a vendor that keeps failing: FAILED with the typed error, status from what is stored, no crash', async () => {
    const cases = [['http5xx', 'VENDOR_ERROR'], ['html', 'INVALID_DATA_FORMAT'], ['missingFields', 'INVALID_DATA_FORMAT'], ['timeout', 'NETWORK_TIMEOUT']] as const;
    for (const [fault, code] of cases) {
      solis.inject(fault);
      const r = await poll(p[0]!);
      solis.clearFaults();
      expect(r.log, fault).toMatchObject({ status: 'FAILED', errorCode: code, vendorCalls: 2 });
      expect(r.log.errorMessage).not.toMatch(/secret|<html/i);
      expect(r.status).toBe('GREEN'); // seen minutes ago: a vendor outage does not turn the plant yellow yet
    }
    expect((await poll(p[0]!)).log.status).toBe('SUCCESS');
  });

  it('alarms failing while the summary works: PARTIAL, snapshot written, no duplicate alert afterwards', async () => {
    const id = p[2]!; // carries alarms
    expect((await poll(id)).log.status).toBe('SUCCESS');
    expect(await openAlerts(id)).toBe(1);
    const alarms = solis.fleet.alarms.bind(solis.fleet);
    solis.fleet.alarms = () => { throw new Error('alarm store down'); };
    try {
      const r = await poll(id);
      expect(r.log).toMatchObject({ status: 'PARTIAL', errorCode: 'VENDOR_ERROR' });
      expect(r.status).toBe('RED'); // the open critical alert still stands
    } finally {
      solis.fleet.alarms = alarms;
    }
    expect((await poll(id)).log.status).toBe('SUCCESS');
    expect(await openAlerts(id)).toBe(1);
  });

  it('wrong credentials (the vendor rotated the secret): FAILED AUTH_FAILED, not retried', async () => {
    rotated = await startSolisSimulator({ plants: 6, alarmEvery: 3, offlineEvery: 0, keySecret: 'rotated-secret', now: w.clock.vendorNow });
    await w.db.sql.run(`update integration_credentials set base_url = ?, row_version = row_version + 1 where id = 'cred-solis'`, [rotated.baseUrl]);
    const r = await poll(p[1]!);
    expect(r.log).toMatchObject({ status: 'FAILED', errorCode: 'AUTH_FAILED', vendorCalls: 1 });
    expect(rotated.counters.authFailures).toBeGreaterThan(0);
    await w.db.sql.run(`update integration_credentials set base_url = ?, row_version = row_version + 1 where id = 'cred-solis'`, [solis.baseUrl]);
    expect((await poll(p[1]!)).log.status).toBe('SUCCESS');
  });

  it('tokens expiring in the middle of a sweep: the adapter logs in again and every poll succeeds', async () => {
    const sim = w.sims.get('GOODWE')!;
    const all = Promise.all(gw.map((id) => w.plants.poll(id, 'SCHEDULE')));
    await new Promise((r) => setTimeout(r, 150));
    sim.expireTokens();
    const replies = await all;
    expect(replies.map((r) => [r.log.status, r.log.errorMessage])).toEqual(gw.map(() => ['SUCCESS', null]));
    expect(sim.counters.byPath['/web/sems/sems-user/api/v1/auth/cross-login']).toBeGreaterThanOrEqual(2);
  });

  it('a rate limit that outlasts the deadline: FAILED TIMEOUT, and the lock is free again', async () => {
    const sim = await w.startSim('DEYE', { plants: 2, alarmEvery: 0, offlineEvery: 0 });
    const [id] = await w.register('DEYE', sim.fleet.plants.slice(0, 1));
    sim.inject('rateLimit', { times: 1 });
    const r = await poll(id!);
    expect(r.log).toMatchObject({ status: 'FAILED', errorCode: 'TIMEOUT' });
    expect(r.log.durationMs).toBeGreaterThanOrEqual(15_000);
    const again = await w.request<PollReply>(w.s.plantGet(id!));
    expect(again).toMatchObject({ data: { pollInProgress: false } });
  }, 60_000);

  it('a plant deleted mid-poll: FAILED NOT_FOUND, a log row, nothing written for it', async () => {
    const sim = await w.startSim('HUAWEI', { plants: 2, alarmEvery: 0, offlineEvery: 0, latencyMs: 300 });
    const [id] = await w.register('HUAWEI', sim.fleet.plants.slice(0, 1));
    const running = poll(id!);
    await new Promise((r) => setTimeout(r, 200));
    await w.db.sql.run(`delete from plants where id = ?`, [id]);
    const r = await running;
    expect(r).toMatchObject({ status: null, log: { status: 'FAILED', errorCode: 'NOT_FOUND' } });
    expect(await w.logs(id!)).toHaveLength(1);
    expect(await w.db.sql.all(`select * from metric_snapshots where plant_id = ?`, [id])).toEqual([]);
    expect(await w.request(w.s.plantPoll(id!))).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('every poll left exactly one log row', async () => {
    const n = await w.db.sql.one<{ logs: string; ids: string }>(`select count(*) as logs, count(distinct id) as ids from poll_logs`);
    expect(Number(n!.logs)).toBe(Number(n!.ids));
    expect(Number(n!.logs)).toBeGreaterThan(20);
  });
});
