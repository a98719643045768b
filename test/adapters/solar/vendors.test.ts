import { createHash, createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import {
  CredentialLimiter, HUAWEI_QUOTAS, SIMULATOR_CREDENTIALS, createSolarAdapter, normalizeBrand, startDeyeSimulator, startGoodweSimulator, startHuaweiSimulator, startSolisSimulator, type RunningSimulator, type SolarAdapter,
} from '../../../adapters/solar';
import { datesBetween } from '../../../core/time';
import { solisHeaders } from '../../../adapters/solar/solis/signature';
import { SEMS_PATHS } from '../../../adapters/solar/goodwe/client';
import { SemsLoginData, generationLine, semsPlusPassword } from '../../../adapters/solar/goodwe/codec';
import { SEMS_V2_LOGIN } from '../../../adapters/solar/goodwe/simulator';
import { DEYE_PATHS } from '../../../adapters/solar/deye/client';
import { HUAWEI_PATHS } from '../../../adapters/solar/huawei/client';
import { SOLIS_PATHS } from '../../../adapters/solar/solis/client';
import { omitsAllEnergy } from '../../../adapters/solar/solis/simulator';
import { stubVendor } from './stubVendor';

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});
/** As in production: every request through a limiter, so none waits for a socket inside its own deadline. */
async function setup(start: (o: object) => Promise<RunningSimulator>, brand: string, creds: object, plants = 5) {
  const sim = await start({ plants });
  const pacer = new CredentialLimiter({ maxConcurrentRequests: 2, requestsPerMinute: 100_000 });
  const adapter: SolarAdapter = createSolarAdapter(brand, creds, { baseUrl: sim.baseUrl, timeoutMs: 10_000, pacer });
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

  it('Solis: a station detail without allEnergy still reports power and today\'s energy', async () => {
    const { sim, adapter } = await setup(startSolisSimulator, 'SOLIS', SIMULATOR_CREDENTIALS.SOLIS, 8);
    const p = sim.fleet.plants.find((x) => omitsAllEnergy(x.index) && !x.offline)!;
    const s = await adapter.getPlantSummary({ vendorPlantId: p.id, timezone: p.timezone });
    expect(s.totalEnergyKwh).toBeNull();
    expect(s.currentPowerW).toBe(sim.fleet.currentPowerW(p));
    expect(s.todayEnergyKwh).toBeCloseTo(sim.fleet.todayKwh(p), 3);
  });

  it('Solis: alarmList answered as data.records without page, rows without id', async () => {
    const { sim, adapter } = await setup(startSolisSimulator, 'SOLIS', SIMULATOR_CREDENTIALS.SOLIS, 6);
    // plant 6 (even index) gets the flat shape; plant 3 the paged one
    for (const p of [sim.fleet.plants[5]!, sim.fleet.plants[2]!]) {
      const alarms = await adapter.getAlarmsSince({ vendorPlantId: p.id, timezone: p.timezone }, new Date(Date.now() - 7 * 24 * 3_600_000));
      expect(alarms.map((a) => a.vendorAlarmCode)).toEqual(['2002', '1001']);
    }
  });

  it('Solis: stationMonth sends timeZone (the doc requires it; the simulator refuses a call without it)', async () => {
    const { sim, adapter } = await setup(startSolisSimulator, 'SOLIS', SIMULATOR_CREDENTIALS.SOLIS, 1);
    const bodies: unknown[] = [];
    const stub = await stubVendor((_path, body) => { bodies.push(body); return { success: true, code: '0', msg: 'ok', data: [] }; });
    const probe = createSolarAdapter('SOLIS', SIMULATOR_CREDENTIALS.SOLIS, { baseUrl: stub.url, timeoutMs: 10_000 });
    cleanup.push(() => probe.close(), stub.close);
    await probe.getDailyEnergySeries({ vendorPlantId: '1', timezone: 'America/Sao_Paulo' }, { from: '2026-06-01', to: '2026-06-02' });
    expect(bodies).toEqual([{ id: '1', month: '2026-06', money: 'EUR', timeZone: -3 }]);
    const p = sim.fleet.plants[0]!;
    expect((await adapter.getDailyEnergySeries({ vendorPlantId: p.id, timezone: p.timezone }, { from: '2026-01-01', to: '2026-01-02' })).length).toBe(2);
  });

  it('Solis: an alarm row without alarmCode, or a detail without dayEnergy, is refused naming the field', async () => {
    const stub = await stubVendor((path) => (path === SOLIS_PATHS.alarmList
      ? { success: true, code: '0', msg: 'ok', data: { records: [{ alarmBeginTime: 1, state: '0' }] } }
      : { success: true, code: '0', msg: 'ok', data: { id: '1', power: 1, powerStr: 'kW' } }));
    const adapter = createSolarAdapter('SOLIS', SIMULATOR_CREDENTIALS.SOLIS, { baseUrl: stub.url, timeoutMs: 10_000 });
    cleanup.push(() => adapter.close(), stub.close);
    await expect(adapter.getAlarmsSince({ vendorPlantId: '1', timezone: 'UTC' }, new Date(0))).rejects.toMatchObject({
      code: ErrorCode.INVALID_DATA_FORMAT, details: { vendorMessage: 'records[0].alarmCode' },
    });
    await expect(adapter.getPlantSummary({ vendorPlantId: '1', timezone: 'UTC' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_DATA_FORMAT, details: { vendorMessage: 'dayEnergy' },
    });
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

  it('FusionSolar: a cleared alarm (status 6) is not reported open — the list is asked for open states only', async () => {
    const { sim, adapter } = await setup(startHuaweiSimulator, 'HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, 3);
    const p = sim.fleet.plants[2]!;
    const alarms = await adapter.getAlarmsSince({ vendorPlantId: p.id, timezone: p.timezone }, new Date(Date.now() - 7 * 24 * 3_600_000));
    expect(alarms.map((a) => a.vendorAlarmCode)).toEqual(['1001']);
    // and when a cloud ignores the filter, a row in a cleared state is still dropped
    const stub = await stubVendor((path) => (path === HUAWEI_PATHS.alarms
      ? { success: true, failCode: 0, data: [
        { stationCode: 'S1', alarmId: 7, lev: 1, raiseTime: 1_000, status: 6 },
        { stationCode: 'S1', alarmId: 8, lev: 2, raiseTime: 2_000, status: 2 },
      ] }
      : { success: true, failCode: 0, data: null }));
    const probe = createSolarAdapter('HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, { baseUrl: stub.url, timeoutMs: 10_000 });
    cleanup.push(() => probe.close(), stub.close);
    expect((await probe.getAlarmsSince({ vendorPlantId: 'S1', timezone: 'UTC' }, new Date(0))).map((a) => a.vendorAlarmCode)).toEqual(['8']);
  });

  it('FusionSolar: plants come from getStationList (reference V6 §6.1.3, capacity MW → kWp); `stations` only where it is refused with 401, as tijs get_station_list', async () => {
    const sim = await startHuaweiSimulator({ plants: 3 });
    const adapter = createSolarAdapter('HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, { baseUrl: sim.baseUrl, timeoutMs: 10_000 });
    cleanup.push(() => adapter.close(), () => sim.close());
    const expected = sim.fleet.plants.map((p) => [p.id, p.capacityKwp]);
    expect((await adapter.listPlants()).map((p) => [p.vendorPlantId, p.capacityKwp])).toEqual(expected);
    expect([sim.counters.byPath[HUAWEI_PATHS.stationList], sim.counters.byPath[HUAWEI_PATHS.stations]]).toEqual([1, undefined]);

    const refused = await startHuaweiSimulator({ plants: 3, stationListForbidden: true });
    const fallback = createSolarAdapter('HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, { baseUrl: refused.baseUrl, timeoutMs: 10_000 });
    cleanup.push(() => fallback.close(), () => refused.close());
    expect((await fallback.listPlants()).map((p) => [p.vendorPlantId, p.capacityKwp])).toEqual(expected);
    expect([refused.counters.byPath[HUAWEI_PATHS.stationList], refused.counters.byPath[HUAWEI_PATHS.stations]]).toEqual([1, 1]);
  });

  it('FusionSolar: an account where `stations` is not permitted (failCode 401) lists its plants through getStationList; one where neither is permitted fails typed', async () => {
    const sim = await startHuaweiSimulator({ plants: 3, stationsForbidden: true });
    const adapter = createSolarAdapter('HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, { baseUrl: sim.baseUrl, timeoutMs: 10_000 });
    cleanup.push(() => adapter.close(), () => sim.close());
    expect((await adapter.listPlants()).map((p) => p.vendorPlantId)).toEqual(sim.fleet.plants.map((p) => p.id));
    expect(sim.counters.byPath[HUAWEI_PATHS.stations]).toBeUndefined();

    const neither = await startHuaweiSimulator({ plants: 3, stationsForbidden: true, stationListForbidden: true });
    const none = createSolarAdapter('HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, { baseUrl: neither.baseUrl, timeoutMs: 10_000 });
    cleanup.push(() => none.close(), () => neither.close());
    await expect(none.listPlants()).rejects.toMatchObject({ details: { vendorCode: 401 } });
    expect([neither.counters.byPath[HUAWEI_PATHS.stationList], neither.counters.byPath[HUAWEI_PATHS.stations]]).toEqual([1, 1]);
  });

  it('FusionSolar: a 407 backs the interface off for its documented window (alarms 30 min), other interfaces go on', async () => {
    let t = Date.parse('2026-06-15T10:00:00Z');
    const limiter = new CredentialLimiter({ maxConcurrentRequests: 1, requestsPerMinute: 1_000, quotas: HUAWEI_QUOTAS, now: () => t, sleep: async (ms) => { t += ms; } });
    const sim = await startHuaweiSimulator({ plants: 3 });
    const adapter = createSolarAdapter('HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI, { baseUrl: sim.baseUrl, timeoutMs: 10_000, pacer: limiter });
    cleanup.push(() => adapter.close(), () => sim.close());
    const ref = { vendorPlantId: sim.fleet.plants[0]!.id, timezone: 'UTC' };
    sim.inject('rateLimit', { times: 1 });
    await expect(adapter.getAlarmsSince(ref, new Date(0))).rejects.toMatchObject({ code: ErrorCode.RATE_LIMIT_EXCEEDED, retryAfterMs: 30 * 60_000 });
    const before = t;
    await adapter.getPlantSummary(ref);
    expect(t).toBe(before);
    await adapter.getAlarmsSince(ref, new Date(0));
    expect(t - before).toBeGreaterThanOrEqual(30 * 60_000);
  });
});

describe('GoodWe SEMS', () => {
  it('GoodWe: SEMS+ cross-login with base64(md5 hex) password; data calls on the region\'s legacy host; v3 plant detail', async () => {
    const { sim, adapter, ref } = await setup(startGoodweSimulator, 'GOODWE', SIMULATOR_CREDENTIALS.GOODWE);
    const s = await adapter.getPlantSummary(ref);
    expect(s.todayEnergyKwh).toBeCloseTo(sim.fleet.todayKwh(sim.fleet.plants[0]!), 3);
    expect(Object.keys(sim.counters.byPath).sort()).toEqual(['/eu/api/v3/PowerStation/GetMonitorDetailByPowerstationId', SEMS_PATHS.semsPlusLogin]);
    expect(semsPlusPassword('secret')).toBe(Buffer.from(createHash('md5').update('secret').digest('hex')).toString('base64'));
  });

  it('GoodWe: an account not on SEMS+ falls back to /api/v3/Common/CrossLogin (the v2 login answers 100000)', async () => {
    const sim = await startGoodweSimulator({ plants: 2, legacyOnly: true });
    const adapter = createSolarAdapter('GOODWE', SIMULATOR_CREDENTIALS.GOODWE, { baseUrl: sim.baseUrl, timeoutMs: 10_000 });
    cleanup.push(() => adapter.close(), () => sim.close());
    const p = sim.fleet.plants[0]!;
    await adapter.getPlantSummary({ vendorPlantId: p.id, timezone: p.timezone });
    await adapter.getPlantSummary({ vendorPlantId: p.id, timezone: p.timezone });
    // SEMS+ tried once, then the legacy login is remembered
    expect(sim.counters.byPath[SEMS_PATHS.semsPlusLogin]).toBe(1);
    expect(sim.counters.byPath[SEMS_PATHS.legacyLogin]).toBe(1);
    const v2 = await request(`${sim.baseUrl}${SEMS_V2_LOGIN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await v2.body.json()).toMatchObject({ code: 100000 });
  });

  it('GoodWe: the login timestamp may be a string (SEMS+) or a number (legacy)', () => {
    expect(SemsLoginData.parse({ uid: 'u', timestamp: '1767225600000', token: 't' }).timestamp).toBe('1767225600000');
    expect(SemsLoginData.parse({ uid: 'u', timestamp: 1767225600000, token: 't' }).timestamp).toBe(1767225600000);
  });

  it('GoodWe: warnings come per inverter (list[].warning[] with warning_code, happen_time)', async () => {
    const sim = await startGoodweSimulator({ plants: 3 });
    const adapter = createSolarAdapter('GOODWE', SIMULATOR_CREDENTIALS.GOODWE, { baseUrl: sim.baseUrl, timeoutMs: 10_000 });
    cleanup.push(() => adapter.close(), () => sim.close());
    const p = sim.fleet.plants[2]!;
    const alarms = await adapter.getAlarmsSince({ vendorPlantId: p.id, timezone: p.timezone }, new Date(Date.now() - 7 * 24 * 3_600_000));
    const [open, cleared] = sim.fleet.alarms(p);
    expect(alarms.map((a) => [a.vendorAlarmCode, a.deviceSn, a.severity, a.raisedAt.getTime(), a.clearedAt?.getTime() ?? null])).toEqual([
      [cleared!.code, p.deviceSn, 'MINOR', cleared!.raisedAt.getTime(), cleared!.clearedAt!.getTime()],
      [open!.code, p.deviceSn, 'CRITICAL', open!.raisedAt.getTime(), null],
    ]);
  });

  it('GoodWe: the generation chart line is chosen by its label, not its position or key', () => {
    const lines = [{ key: 'PCurve_Power_Buy', label: 'Buy(kWh)' }, { key: 'PCurve_Power_PV', label: 'Generation(kWh)' }, { key: 'x', label: 'Self use' }];
    expect(generationLine(lines)?.key).toBe('PCurve_Power_PV');
    expect(generationLine([{ key: 'PVGeneration', label: null }])?.key).toBe('PVGeneration');
    expect(generationLine([{ key: 'a', label: 'Buy' }])).toBeUndefined();
  });

  it('token expiry → re-login; GY0429 → RATE_LIMIT_EXCEEDED after 5 minutes', async () => {
    const { sim, adapter, ref } = await setup(startGoodweSimulator, 'GOODWE', SIMULATOR_CREDENTIALS.GOODWE);
    await adapter.getPlantSummary(ref);
    sim.expireTokens();
    await adapter.getPlantSummary(ref);
    expect(sim.counters.byPath[SEMS_PATHS.semsPlusLogin]).toBe(2);
    sim.inject('rateLimit', { times: 1 });
    await expect(adapter.getPlantSummary(ref)).rejects.toMatchObject({ code: ErrorCode.RATE_LIMIT_EXCEEDED, retryAfterMs: 300_000, details: { vendorCode: 'GY0429' } });
  });

  it('GoodWe: a warning without happen_time is refused, naming the field', async () => {
    const stub = await stubVendor((path) => (path.endsWith(SEMS_PATHS.semsPlusLogin)
      ? { code: '00000', data: { uid: 'u', timestamp: '1', token: 't', region: 'eu' }, api: 'ignored/web/sems' }
      : { code: 0, data: { list: [{ sn: 'SN1', warning: [{ warning_code: '7', happen_time: null }] }] } }));
    const adapter = createSolarAdapter('GOODWE', SIMULATOR_CREDENTIALS.GOODWE, { baseUrl: stub.url, timeoutMs: 10_000 });
    cleanup.push(() => adapter.close(), stub.close);
    await expect(adapter.getAlarmsSince({ vendorPlantId: 'x', timezone: 'UTC' }, new Date(0))).rejects.toMatchObject({
      code: ErrorCode.INVALID_DATA_FORMAT, details: { vendorMessage: 'list[0].warning[0].happen_time' },
    });
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


  it('Deye: history endAt is exclusive — today\'s energy is not 0', async () => {
    const { sim, adapter } = await setup(startDeyeSimulator, 'DEYE', SIMULATOR_CREDENTIALS.DEYE, 3);
    const p = sim.fleet.plants.find((x) => !x.offline && sim.fleet.todayKwh(x) > 0) ?? sim.fleet.plants[0]!;
    const s = await adapter.getPlantSummary({ vendorPlantId: p.id, timezone: p.timezone });
    expect(s.todayEnergyKwh).toBeCloseTo(sim.fleet.todayKwh(p), 3);
    const asked: Array<{ startAt: string; endAt: string }> = [];
    const stub = await stubVendor((path, body) => {
      if (path === DEYE_PATHS.history) asked.push(body as { startAt: string; endAt: string });
      return path === DEYE_PATHS.token ? { success: true, code: '1000000', accessToken: 'tok', expiresIn: 3600 } : { success: true, code: '1000000', stationDataItems: [] };
    });
    const probe = createSolarAdapter('DEYE', SIMULATOR_CREDENTIALS.DEYE, { baseUrl: stub.url, timeoutMs: 10_000 });
    cleanup.push(() => probe.close(), stub.close);
    await probe.getDailyEnergySeries({ vendorPlantId: '1', timezone: 'UTC' }, { from: '2026-01-01', to: '2026-03-05' });
    expect(asked.map((b) => [b.startAt, b.endAt])).toEqual([['2026-01-01', '2026-02-01'], ['2026-02-01', '2026-03-04'], ['2026-03-04', '2026-03-06']]);
  });

  it('Deye: a 64-day series loses no day at the chunk edges (31 days per call, endAt excluded)', async () => {
    const { sim, adapter } = await setup(startDeyeSimulator, 'DEYE', SIMULATOR_CREDENTIALS.DEYE, 1);
    const p = sim.fleet.plants[0]!;
    const series = await adapter.getDailyEnergySeries({ vendorPlantId: p.id, timezone: p.timezone }, { from: '2026-01-01', to: '2026-03-05' });
    expect(series.map((d) => d.date)).toEqual(datesBetween('2026-01-01', '2026-03-05'));
  });

  it('Deye: token expiry is HTTP 200 success:false code 2101019 → one new token and a retry; refused twice is AUTH_FAILED', async () => {
    const { sim, adapter, ref } = await setup(startDeyeSimulator, 'DEYE', SIMULATOR_CREDENTIALS.DEYE);
    await adapter.getPlantSummary(ref);
    sim.expireTokens();
    await adapter.getPlantSummary(ref);
    expect(sim.counters.byPath[DEYE_PATHS.token]).toBe(2);
    sim.inject('expiredToken', { times: 2 });
    await expect(adapter.getPlantSummary(ref)).rejects.toMatchObject({ code: ErrorCode.AUTH_FAILED, details: { vendorCode: '2101019' } });
  });

  it('Deye: token expiry answered as HTTP 500 with code 2101019 (botnick/deyecloud) is a token expiry too: a new token, not VENDOR_ERROR', async () => {
    const { sim, adapter, ref } = await setup(startDeyeSimulator, 'DEYE', SIMULATOR_CREDENTIALS.DEYE);
    await adapter.getPlantSummary(ref);
    sim.expireTokens();
    await adapter.getPlantSummary(ref); // the simulator's first refusal: HTTP 200
    sim.expireTokens();
    await adapter.getPlantSummary(ref); // its second: HTTP 500, same body
    expect(sim.counters.byPath[DEYE_PATHS.token]).toBe(3);
  });

  it('Deye: station rows as {id, name} and as {stationId, stationName} are both listed', async () => {
    const { sim, adapter } = await setup(startDeyeSimulator, 'DEYE', SIMULATOR_CREDENTIALS.DEYE, 4);
    const plants = await adapter.listPlants();
    expect(plants.map((p) => [p.vendorPlantId, p.name])).toEqual(sim.fleet.plants.map((p) => [p.id, p.name]));
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
