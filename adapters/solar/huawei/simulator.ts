import { randomBytes } from 'node:crypto';
import { VENDOR_CODES } from '../errors';
import { quotaMax } from '../limiter';
import type { SimFleet } from '../simulator/fleet';
import { page, startSimulatorServer, type RunningSimulator, type SimRequest, type SimResponse, type SimulatorOptions, type VendorSimulation } from '../simulator/server';
import { type Clock, dateInZone, lastDateOfMonth, startOfDayInZone, systemClock } from '../../../core/time';
import { HUAWEI_MAX_STATIONS_PER_CALL, HUAWEI_PATHS, HUAWEI_QUOTAS } from './client';

/**
 * FusionSolar northbound simulator (reference V6): `/thirdData/login` checks userName/systemCode and answers
 * the session token in the `xsrf-token` header, valid 30 minutes on the fleet's clock; data calls without a
 * live token get failCode 305; above the rate limit, failCode 407 (HTTP 200, as the real API). KPI and alarm
 * calls take ≤ 100 station codes. Quirks: getAlarmList returns alarms in every state unless `status` filters
 * them (a cleared alarm has status 6); `stationListForbidden` answers `getStationList` with failCode 401 (use
 * the paged `stations`), `stationsForbidden` answers `stations` so (issue 14: accounts that may not use it); `enforceQuotas` counts every interface against its documented per-account quota.
 */
export interface HuaweiSimulatorOptions extends SimulatorOptions {
  userName?: string;
  systemCode?: string;
  /** The account may not use `getStationList` (failCode 401): the client turns to the paged `stations`. */
  stationListForbidden?: boolean;
  /** The account may not use the paged `stations` (failCode 401): it lists plants with `getStationList` only. */
  stationsForbidden?: boolean;
  /** Answer 407 past each interface's documented quota (N = the fleet's plants), counted on `rateClock`. */
  enforceQuotas?: boolean;
}

export const HUAWEI_SIM_CREDENTIALS = { userName: 'sim_api_user', systemCode: 'sim-system-code' } as const;

const SESSION_TTL_MS = 30 * 60_000;
const LEVEL = { CRITICAL: 1, MAJOR: 2, MINOR: 3, INFO: 4 } as const;
const OPERATION_OF_PATH: Record<string, string> = {
  [HUAWEI_PATHS.login]: 'login', [HUAWEI_PATHS.stations]: 'stations', [HUAWEI_PATHS.stationList]: 'station list',
  [HUAWEI_PATHS.realKpi]: 'station real KPI', [HUAWEI_PATHS.kpiDay]: 'station day KPI', [HUAWEI_PATHS.alarms]: 'alarm list',
};

export interface QuotaCounters {
  /** Requests per interface, and the most seen in any of its windows. */
  calls: Record<string, number>;
  maxInWindow: Record<string, number>;
  refused: Record<string, number>;
}

function huawei(fleet: SimFleet, o: Required<Pick<HuaweiSimulatorOptions, 'userName' | 'systemCode' | 'stationListForbidden' | 'stationsForbidden' | 'enforceQuotas'>>, clock: Clock, quota: QuotaCounters): VendorSimulation {
  const sessions = new Map<string, number>();
  const arrivals = new Map<string, number[]>();
  const now = () => fleet.now().getTime();
  const envelope = (data: unknown, extra: { success?: boolean; failCode?: number; message?: string | null } = {}): SimResponse => ({
    status: 200,
    body: { success: extra.success ?? true, failCode: extra.failCode ?? 0, message: extra.message ?? null, data, params: { currentTime: now() } },
  });
  const fail = (failCode: number, message: string) => envelope(null, { success: false, failCode, message });
  const codes = (b: Record<string, unknown>) => String(b.stationCodes ?? '').split(',').filter(Boolean);

  /** The vendor's own count: arrivals per interface in its window; over quota → 407 (the refused call counts too). */
  const overQuota = (path: string): boolean => {
    const op = OPERATION_OF_PATH[path];
    const q = op ? HUAWEI_QUOTAS.find((x) => x.operation === op) : undefined;
    if (!op || !q) return false;
    const t = clock();
    const log = arrivals.get(op) ?? [];
    while (log.length > 0 && log[0]! <= t - q.windowMs) log.shift();
    log.push(t);
    arrivals.set(op, log);
    quota.calls[op] = (quota.calls[op] ?? 0) + 1;
    quota.maxInWindow[op] = Math.max(quota.maxInWindow[op] ?? 0, log.length);
    if (!o.enforceQuotas || log.length <= quotaMax(q, fleet.plants.length)) return false;
    quota.refused[op] = (quota.refused[op] ?? 0) + 1;
    return true;
  };

  const handle = (req: SimRequest): SimResponse => {
    const b = (req.json ?? {}) as Record<string, unknown>;
    if (overQuota(req.path)) return fail(VENDOR_CODES.HUAWEI.rateLimited, 'ACCESS_FREQUENCY_IS_TOO_HIGH');
    if (req.path === HUAWEI_PATHS.login) {
      if (b.userName !== o.userName || b.systemCode !== o.systemCode) {
        return { ...fail(VENDOR_CODES.HUAWEI.authFailed[1]!, 'USERNAME_OR_PASSWORD_ERROR'), headers: { 'x-sim-auth-failure': '1' } };
      }
      const token = `x-${randomBytes(16).toString('hex')}`;
      sessions.set(token, now() + SESSION_TTL_MS);
      return { ...envelope(null), headers: { 'xsrf-token': token, 'set-cookie': `XSRF-TOKEN=${token}; Path=/; HttpOnly` } };
    }
    const expires = sessions.get(String(req.headers['xsrf-token'] ?? ''));
    if (expires === undefined || expires <= now()) return fail(VENDOR_CODES.HUAWEI.relogin, 'USER_MUST_RELOGIN');
    const stations = codes(b);
    if (stations.length > HUAWEI_MAX_STATIONS_PER_CALL) return fail(20015, 'A maximum of 100 plants can be queried at a time.');
    const at = fleet.now();
    switch (req.path) {
      case HUAWEI_PATHS.stations: {
        if (o.stationsForbidden) return fail(VENDOR_CODES.HUAWEI.noPermission, 'You do not have the related data interface permission.');
        const pageNo = Number(b.pageNo ?? 1), pageSize = Math.min(Number(b.pageSize ?? 100), 100);
        const rows = fleet.plants.map((p) => ({ plantCode: p.id, plantName: p.name, capacity: p.capacityKwp, plantAddress: null, gridConnectionDate: null }));
        return envelope({ list: page(rows, pageNo, pageSize), pageCount: Math.max(1, Math.ceil(rows.length / pageSize)), pageNo, pageSize, total: rows.length });
      }
      case HUAWEI_PATHS.stationList:
        if (o.stationListForbidden) return fail(VENDOR_CODES.HUAWEI.noPermission, 'You do not have the related data interface permission.');
        // capacity in MW (reference V6 §6.1.3)
        return envelope(fleet.plants.map((p) => ({ stationCode: p.id, stationName: p.name, stationAddr: null, capacity: p.capacityKwp / 1000, buildState: '2', combineType: '3' })));
      case HUAWEI_PATHS.realKpi:
        return envelope(stations.flatMap((code) => {
          const p = fleet.get(code);
          return p ? [{ stationCode: code, dataItemMap: {
            day_power: fleet.todayKwh(p, at), month_power: null, total_power: fleet.totalKwh(p, at),
            day_income: 0, total_income: 0, real_health_state: p.offline ? 1 : 3,
          } }] : [];
        }));
      case HUAWEI_PATHS.alarms: {
        const begin = Number(b.beginTime ?? 0), end = Number(b.endTime ?? now());
        const states = String(b.status ?? '').split(',').filter(Boolean).map(Number);
        return envelope(stations.flatMap((code) => {
          const p = fleet.get(code);
          return (p ? fleet.alarms(p, at) : [])
            .filter((a) => a.raisedAt.getTime() >= begin && a.raisedAt.getTime() <= end)
            // every state unless filtered: the cleared one is status 6 (cleared by the device)
            .map((a) => ({ a, status: a.clearedAt ? 6 : 1 }))
            .filter(({ status }) => states.length === 0 || states.includes(status))
            .map(({ a, status }) => ({
              stationCode: code, stationName: p!.name, alarmId: Number(a.code), alarmName: a.message, alarmCause: a.message,
              devName: `Inverter-${a.deviceSn}`, esnCode: a.deviceSn, devTypeId: 1, lev: LEVEL[a.severity], status, raiseTime: a.raisedAt.getTime(),
            }));
        }));
      }
      case HUAWEI_PATHS.kpiDay: {
        const collectTime = Number(b.collectTime ?? now());
        return envelope(stations.flatMap((code) => {
          const p = fleet.get(code);
          if (!p) return [];
          const month = dateInZone(new Date(collectTime), p.timezone).slice(0, 7);
          const last = lastDateOfMonth(month);
          return fleet.series(p, `${month}-01`, last, at).map((d) => ({
            stationCode: code, collectTime: startOfDayInZone(d.date, p.timezone).getTime(),
            dataItemMap: { inverter_power: d.kwh, PVYield: d.kwh, installed_capacity: p.capacityKwp },
          }));
        }));
      }
      default:
        return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>404 Not Found</body></html>' };
    }
  };

  return {
    isAuthPath: (path) => path === HUAWEI_PATHS.login,
    handle,
    rateLimited: () => fail(VENDOR_CODES.HUAWEI.rateLimited, 'ACCESS_FREQUENCY_IS_TOO_HIGH'),
    expireTokens: () => sessions.clear(),
    essentialFields: ['day_power', 'list', 'collectTime'],
  };
}

export interface RunningHuaweiSimulator extends RunningSimulator {
  readonly quota: QuotaCounters;
}

export async function startHuaweiSimulator(opts: HuaweiSimulatorOptions = {}): Promise<RunningHuaweiSimulator> {
  const o = {
    userName: opts.userName ?? HUAWEI_SIM_CREDENTIALS.userName, systemCode: opts.systemCode ?? HUAWEI_SIM_CREDENTIALS.systemCode,
    stationListForbidden: opts.stationListForbidden ?? false, stationsForbidden: opts.stationsForbidden ?? false, enforceQuotas: opts.enforceQuotas ?? false,
  };
  const quota: QuotaCounters = { calls: {}, maxInWindow: {}, refused: {} };
  const sim = await startSimulatorServer(opts, (fleet) => huawei(fleet, o, opts.rateClock ?? systemClock, quota), (i) => `NE=${33_000_000 + i}`);
  return Object.assign(sim, { quota });
}
