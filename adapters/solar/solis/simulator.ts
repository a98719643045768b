import { timingSafeEqual } from 'node:crypto';
import { page, startSimulatorServer, type RunningSimulator, type SimRequest, type SimResponse, type SimulatorOptions, type VendorSimulation } from '../simulator/server';
import type { SimAlarm, SimFleet } from '../simulator/fleet';
import { dateInZone, startOfDayInZone, addDays } from '../../../core/time';
import { SOLIS_PATHS } from './client';
import { contentMd5, solisSignature } from './signature';

/**
 * SolisCloud simulator: verifies Content-MD5, the Date window (±15 min → HTTP 408) and the HMAC-SHA1
 * signature of every call (HTTP 403 otherwise), answers in the `{success, code, msg, data}` envelope with
 * Solis units (kW, kWh, MWh) and paging, and answers HTTP 429 + Retry-After above its rate limit.
 * Quirks of the V2.0 doc: every 4th plant's detail has no `allEnergy`; plants with an even index get their
 * alarm list as `data.records` (no `page`) with rows without `id`; `stationMonth` refuses a call without
 * `timeZone`.
 */
export interface SolisSimulatorOptions extends SimulatorOptions {
  keyId?: string;
  keySecret?: string;
}

export const SOLIS_SIM_CREDENTIALS = { keyId: '1300386381676000000', keySecret: 'sim-solis-secret' } as const;

const ok = (data: unknown): SimResponse => ({ status: 200, body: { success: true, code: '0', msg: 'success', data } });
const fail = (status: number, code: string, msg: string): SimResponse => ({ status, body: { success: false, code, msg, data: null } });
const LEVEL = { CRITICAL: '3', MAJOR: '2', MINOR: '1', INFO: '0' } as const;

function solis(fleet: SimFleet, keyId: string, keySecret: string): VendorSimulation {
  const verify = (req: SimRequest): SimResponse | null => {
    const h = req.headers;
    if (h['content-md5'] !== contentMd5(req.rawBody)) return fail(403, '403', 'Content-MD5 mismatch');
    const date = String(h.date ?? '');
    const at = Date.parse(date);
    if (Number.isNaN(at) || Math.abs(at - Date.now()) > 15 * 60_000) return fail(408, '408', 'request time too far from server time');
    const m = /^API ([^:]+):(.+)$/.exec(String(h.authorization ?? ''));
    if (!m || m[1] !== keyId) return fail(403, '403', 'unknown key id');
    const expected = Buffer.from(solisSignature(keySecret, String(h['content-md5']), String(h['content-type'] ?? ''), date, req.path));
    const given = Buffer.from(m[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return fail(403, '403', 'signature mismatch');
    return null;
  };

  const detail = (id: string): SimResponse => {
    const p = fleet.get(id);
    if (!p) return fail(200, 'B0115', 'station does not exist');
    const now = fleet.now();
    return ok({
      id: p.id, stationName: p.name, capacity: p.capacityKwp, capacityStr: 'kWp',
      power: fleet.currentPowerW(p, now) / 1000, powerStr: 'kW',
      dayEnergy: fleet.todayKwh(p, now), dayEnergyStr: 'kWh',
      ...(omitsAllEnergy(p.index) ? {} : { allEnergy: fleet.totalKwh(p, now) / 1000, allEnergyStr: 'MWh' }),
      dataTimestamp: String(fleet.lastSeenAt(p, now).getTime()),
      timeZone: 0, timeZoneStandardId: p.timezone, state: p.offline ? 2 : 1,
    });
  };

  const alarmRow = (a: SimAlarm, stationId: string, withId: boolean) => ({
    ...(withId ? { id: a.id } : {}), stationId, alarmDeviceSn: a.deviceSn, alarmCode: a.code, alarmLevel: LEVEL[a.severity], alarmMsg: a.message,
    alarmBeginTime: a.raisedAt.getTime(), alarmEndTime: a.clearedAt ? a.clearedAt.getTime() : 0, state: a.clearedAt ? '2' : '0',
  });

  const handle = (req: SimRequest): SimResponse => {
    const bad = verify(req);
    if (bad) return bad;
    const b = (req.json ?? {}) as Record<string, unknown>;
    const pageNo = Number(b.pageNo ?? 1), pageSize = Number(b.pageSize ?? 20);
    if (pageSize > 100) return fail(200, 'B0001', 'pageSize must be <= 100');
    switch (req.path) {
      case SOLIS_PATHS.stationList: {
        const rows = fleet.plants.map((p) => ({ id: p.id, stationName: p.name, capacity: p.capacityKwp, capacityStr: 'kWp', timeZoneStandardId: p.timezone }));
        const records = page(rows, pageNo, pageSize);
        return ok({ page: { current: pageNo, pages: Math.ceil(rows.length / pageSize), size: pageSize, total: rows.length, records } });
      }
      case SOLIS_PATHS.stationDetail:
        return detail(String(b.id ?? ''));
      case SOLIS_PATHS.alarmList: {
        const p = fleet.get(String(b.stationId ?? ''));
        if (!p) return fail(200, 'B0115', 'station does not exist');
        const from = startOfDayInZone(String(b.alarmBeginTime), p.timezone);
        const to = startOfDayInZone(addDays(String(b.alarmEndTime), 1), p.timezone);
        const flat = p.index % 2 === 0;
        const rows = fleet.alarms(p).filter((a) => (a.raisedAt < to) && (a.raisedAt >= from || (a.clearedAt ?? to) >= from)).map((a) => alarmRow(a, p.id, !flat));
        const records = { current: pageNo, pages: Math.ceil(rows.length / pageSize), total: rows.length, records: page(rows, pageNo, pageSize) };
        return ok(flat ? records : { page: records });
      }
      case SOLIS_PATHS.stationMonth: {
        const p = fleet.get(String(b.id ?? ''));
        if (!p) return fail(200, 'B0115', 'station does not exist');
        const month = String(b.month ?? '');
        if (!/^\d{4}-\d{2}$/.test(month)) return fail(200, 'B0001', 'month must be YYYY-MM');
        if (typeof b.timeZone !== 'number' && typeof b.timeZone !== 'string') return fail(200, 'B0001', 'timeZone is required');
        const last = dateInZone(new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)), 'UTC');
        return ok(fleet.series(p, `${month}-01`, last).map((d) => ({
          date: startOfDayInZone(d.date, p.timezone).getTime(), dateStr: d.date, energy: d.kwh, energyStr: 'kWh', money: 0, moneyStr: 'EUR',
        })));
      }
      default:
        return { status: 404, body: { success: false, code: '404', msg: 'Not Found', data: null } };
    }
  };

  return {
    isAuthPath: () => false,
    handle,
    rateLimited: (ms) => ({ status: 429, headers: { 'retry-after': String(Math.ceil(ms / 1000)) }, body: { success: false, code: '429', msg: 'Too Many Requests', data: null } }),
    // signatures do not expire; a stale Date is the nearest thing (see the 408 above)
    expireTokens: () => {},
    essentialFields: ['dayEnergy', 'dataTimestamp', 'records', 'dateStr'],
  };
}

/** Which plants' station detail omits the optional `allEnergy`. */
export const omitsAllEnergy = (index: number) => index % 4 === 0;

export function startSolisSimulator(opts: SolisSimulatorOptions = {}): Promise<RunningSimulator> {
  const keyId = opts.keyId ?? SOLIS_SIM_CREDENTIALS.keyId;
  const keySecret = opts.keySecret ?? SOLIS_SIM_CREDENTIALS.keySecret;
  return startSimulatorServer(opts, (fleet) => solis(fleet, keyId, keySecret), (i) => String(1298491919448000000n + BigInt(i)));
}
