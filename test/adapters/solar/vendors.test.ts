import { createHash, createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import {
  SIMULATOR_CREDENTIALS, createSolarAdapter, normalizeBrand, startDeyeSimulator, startGoodweSimulator, startHuaweiSimulator,
  startSolisSimulator, type RunningSimulator, type SolarAdapter,
} from '../../../adapters/solar';
import { solisHeaders } from '../../../adapters/solar/solis/signature';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});
async function setup(start: (o: object) => Promise<RunningSimulator>, brand: string, creds: object, plants = 5) {
  const sim = await start({ plants });
  const adapter: SolarAdapter = createSolarAdapter(brand, creds, { baseUrl: sim.baseUrl, timeoutMs: 2_000 });
  cleanup.push(() => adapter.close(), () => sim.close());
  return { sim, adapter, ref: { vendorPlantId: sim.fleet.plants[0]!.id, timezone: sim.fleet.plants[0]!.timezone } };
}

describe('SolisCloud', () => {
  it('signs as documented: base64 MD5 body, HMAC-SHA1 over verb, md5, type, date, path', () => {
    const body = '{"pageNo":1,"pageSize":100}';
    const date = new Date('2026-05-07T10:00:00Z');
    const h = solisHeaders('KEY', 'SECRET', '/v1/api/userStationList', body, date);
    const md5 = createHash('md5').update(body).digest('base64');
    const sig = createHmac('sha1', 'SECRET').update(`POST\n${md5}\napplication/json\nThu, 07 May 2026 10:00:00 GMT\n/v1/api/userStationList`).digest('base64');
    expect(h).toEqual({ 'Content-Type': 'application/json', 'Content-MD5': md5, Date: 'Thu, 07 May 2026 10:00:00 GMT', Authorization: `API KEY:${sig}` });
  });

  it('the simulator verifies the signature: a body changed after signing is refused', async () => {
    const { sim } = await setup(startSolisSimulator, 'SOLIS', SIMULATOR_CREDENTIALS.SOLIS);
    const path = '/v1/api/userStationList';
    const headers = solisHeaders(SIMULATOR_CREDENTIALS.SOLIS.keyId, SIMULATOR_CREDENTIALS.SOLIS.keySecret, path, '{"pageNo":1}', new Date());
    const tampered = await request(sim.baseUrl + path, { method: 'POST', headers, body: '{"pageNo":2}' });
    expect(tampered.statusCode).toBe(403);
    await tampered.body.text();
    const signedOtherPath = await request(sim.baseUrl + '/v1/api/alarmList', { method: 'POST', headers, body: '{"pageNo":1}' });
    expect(signedOtherPath.statusCode).toBe(403);
    await signedOtherPath.body.text();
  });

  it('a clock off by more than 15 minutes → AUTH_FAILED (the vendor answers 408)', async () => {
    const sim = await startSolisSimulator({ plants: 1 });
    const skewed = createSolarAdapter('SOLIS', SIMULATOR_CREDENTIALS.SOLIS, { baseUrl: sim.baseUrl, now: () => new Date(Date.now() - 20 * 60_000) });
    cleanup.push(() => skewed.close(), () => sim.close());
    await expect(skewed.listPlants()).rejects.toMatchObject({ code: ErrorCode.AUTH_FAILED, details: { httpStatus: 408 } });
  });
});

describe('FusionSolar', () => {
  it('coalesces 250 concurrent summaries into 3 getStationRealKpi calls of ≤ 100 stations', async () => {
    const { sim, adapter } = await setup(startHuaweiSimulator, 'HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, 250);
    const summaries = await Promise.all(sim.fleet.plants.map((p) => adapter.getPlantSummary({ vendorPlantId: p.id, timezone: p.timezone })));
    expect(summaries.map((s) => s.vendorPlantId)).toEqual(sim.fleet.plants.map((p) => p.id));
    expect(sim.counters.byPath['/thirdData/getStationRealKpi']).toBe(3);
    expect(sim.counters.byPath['/thirdData/login']).toBe(1);
  });

  it('failCode 305 → one fresh login and one retry; a second 305 is AUTH_FAILED', async () => {
    const { sim, adapter, ref } = await setup(startHuaweiSimulator, 'HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI);
    await adapter.getPlantSummary(ref);
    sim.expireTokens();
    await adapter.getPlantSummary(ref);
    expect(sim.counters.byPath['/thirdData/login']).toBe(2);
    sim.inject('expiredToken', { times: 2 });
    await expect(adapter.getPlantSummary(ref)).rejects.toMatchObject({ code: ErrorCode.AUTH_FAILED, details: { vendorCode: 305 } });
  });

  it('a session expiring under 50 concurrent calls is renewed by a single login', async () => {
    const { sim, adapter } = await setup(startHuaweiSimulator, 'HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, 50);
    await adapter.listPlants();
    sim.expireTokens();
    const since = new Date(Date.now() - 7 * 24 * 3_600_000);
    const all = await Promise.all(sim.fleet.plants.map((p) => adapter.getAlarmsSince({ vendorPlantId: p.id, timezone: p.timezone }, since)));
    expect(all.filter((a) => a.length > 0)).toHaveLength(16);
    expect(sim.counters.byPath['/thirdData/login']).toBe(2);
  });

  it('failCode 407 → RATE_LIMIT_EXCEEDED keeping the vendor code', async () => {
    const { sim, adapter, ref } = await setup(startHuaweiSimulator, 'HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI);
    sim.inject('rateLimit', { times: 1 });
    const e = await adapter.getAlarmsSince(ref, new Date(0)).catch((x: GridtwinError) => x);
    expect(e).toMatchObject({ code: ErrorCode.RATE_LIMIT_EXCEEDED, details: { vendorCode: 407, vendorMessage: 'ACCESS_FREQUENCY_IS_TOO_HIGH' } });
  });
});

describe('GoodWe SEMS', () => {
  it('uses the regional API base returned by CrossLogin', async () => {
    const { sim, adapter, ref } = await setup(startGoodweSimulator, 'GOODWE', SIMULATOR_CREDENTIALS.GOODWE);
    await adapter.getPlantSummary(ref);
    expect(Object.keys(sim.counters.byPath).sort()).toEqual(['/api/v2/Common/CrossLogin', '/eu/api/v2/PowerStation/GetMonitorDetailByPowerstationId']);
  });

  it('token expiry → re-login; GY0429 → RATE_LIMIT_EXCEEDED after 5 minutes', async () => {
    const { sim, adapter, ref } = await setup(startGoodweSimulator, 'GOODWE', SIMULATOR_CREDENTIALS.GOODWE);
    await adapter.getPlantSummary(ref);
    sim.expireTokens();
    await adapter.getPlantSummary(ref);
    expect(sim.counters.byPath['/api/v2/Common/CrossLogin']).toBe(2);
    sim.inject('rateLimit', { times: 1 });
    await expect(adapter.getPlantSummary(ref)).rejects.toMatchObject({ code: ErrorCode.RATE_LIMIT_EXCEEDED, retryAfterMs: 300_000, details: { vendorCode: 'GY0429' } });
  });
});

describe('Deye Cloud (seed: DELE)', () => {
  it('DELE is an alias of DEYE', async () => {
    expect(normalizeBrand('dele')).toBe('DEYE');
    const { adapter } = await setup(startDeyeSimulator, 'DELE', SIMULATOR_CREDENTIALS.DEYE);
    expect(adapter.brand).toBe('DEYE');
    expect((await adapter.testConnection()).ok).toBe(true);
  });

  it('the simulator refuses a password sent in clear', async () => {
    const { sim } = await setup(startDeyeSimulator, 'DEYE', SIMULATOR_CREDENTIALS.DEYE);
    const c = SIMULATOR_CREDENTIALS.DEYE;
    const res = await request(`${sim.baseUrl}/v1.0/account/token?appId=${c.appId}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appSecret: c.appSecret, email: c.login, password: c.password }),
    });
    expect(await res.body.json()).toMatchObject({ success: false });
  });

  it('HTTP 401 → one new token and a retry', async () => {
    const { sim, adapter, ref } = await setup(startDeyeSimulator, 'DEYE', SIMULATOR_CREDENTIALS.DEYE);
    await adapter.getPlantSummary(ref);
    sim.expireTokens();
    await adapter.getPlantSummary(ref);
    expect(sim.counters.byPath['/v1.0/account/token']).toBe(2);
  });

  it('finds the plant timezone from the station list when the registry gives none', async () => {
    const { sim, adapter } = await setup(startDeyeSimulator, 'DEYE', SIMULATOR_CREDENTIALS.DEYE);
    const p = sim.fleet.plants[1]!;
    expect((await adapter.getPlantSummary({ vendorPlantId: p.id })).timezone).toBe(p.timezone);
  });

  it("reports the energy of the day of the vendor's last update, not of our clock's day", async () => {
    // 02:00 UTC: the plant went silent 30 h ago (20:00 two days before), after its full day's yield.
    const now = () => new Date('2026-06-10T02:00:00Z');
    const sim = await startDeyeSimulator({ plants: 1, timezones: ['UTC'], offlineEvery: 1, now });
    const adapter = createSolarAdapter('DEYE', SIMULATOR_CREDENTIALS.DEYE, { baseUrl: sim.baseUrl, timeoutMs: 2_000, now });
    cleanup.push(() => adapter.close(), () => sim.close());
    const p = sim.fleet.plants[0]!;
    const s = await adapter.getPlantSummary({ vendorPlantId: p.id, timezone: 'UTC' });
    expect(s.lastSeenAt?.toISOString()).toBe('2026-06-08T20:00:00.000Z');
    expect(s.todayEnergyKwh).toBe(sim.fleet.dailyKwh(p, '2026-06-08'));
    expect(s.todayEnergyKwh).toBeGreaterThan(0);
  });
});

describe('factory', () => {
  it('rejects malformed credentials without echoing them', () => {
    try {
      createSolarAdapter('SOLIS', { keyId: 'k', keySecret: '' }, { baseUrl: 'http://127.0.0.1:1' });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    }
    expect(() => normalizeBrand('ENPHASE')).toThrow(GridtwinError);
  });
});
