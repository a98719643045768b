import { randomBytes } from 'node:crypto';
import { VENDOR_CODES } from '../errors';
import type { SimFleet } from '../simulator/fleet';
import { page, startSimulatorServer, type RunningSimulator, type SimRequest, type SimResponse, type SimulatorOptions, type VendorSimulation } from '../simulator/server';
import { dateInZone, startOfDayInZone } from '../time';
import { HUAWEI_MAX_STATIONS_PER_CALL, HUAWEI_PATHS } from './client';

/**
 * FusionSolar northbound simulator: `/thirdData/login` checks userName/systemCode and answers the session
 * token in the `xsrf-token` header; data calls without a live token get failCode 305; above the rate limit,
 * failCode 407 ACCESS_FREQUENCY_IS_TOO_HIGH (HTTP 200, as the real API). KPI calls take ≤ 100 station codes.
 */
export interface HuaweiSimulatorOptions extends SimulatorOptions {
  userName?: string;
  systemCode?: string;
}

export const HUAWEI_SIM_CREDENTIALS = { userName: 'sim_api_user', systemCode: 'sim-system-code' } as const;

const envelope = (data: unknown, extra: { success?: boolean; failCode?: number; message?: string | null } = {}): SimResponse => ({
  status: 200,
  body: { success: extra.success ?? true, failCode: extra.failCode ?? 0, message: extra.message ?? null, data, params: { currentTime: Date.now() } },
});
const fail = (failCode: number, message: string) => envelope(null, { success: false, failCode, message });
const LEVEL = { CRITICAL: 1, MAJOR: 2, MINOR: 3, INFO: 4 } as const;

function huawei(fleet: SimFleet, userName: string, systemCode: string): VendorSimulation {
  const sessions = new Set<string>();

  const codes = (b: Record<string, unknown>) => String(b.stationCodes ?? '').split(',').filter(Boolean);

  const handle = (req: SimRequest): SimResponse => {
    const b = (req.json ?? {}) as Record<string, unknown>;
    if (req.path === HUAWEI_PATHS.login) {
      if (b.userName !== userName || b.systemCode !== systemCode) {
        return { ...fail(VENDOR_CODES.HUAWEI.authFailed[1]!, 'USERNAME_OR_PASSWORD_ERROR'), headers: { 'x-sim-auth-failure': '1' } };
      }
      const token = `x-${randomBytes(16).toString('hex')}`;
      sessions.add(token);
      return { ...envelope(null), headers: { 'xsrf-token': token, 'set-cookie': `XSRF-TOKEN=${token}; Path=/; HttpOnly` } };
    }
    if (!sessions.has(String(req.headers['xsrf-token'] ?? ''))) return fail(VENDOR_CODES.HUAWEI.relogin, 'USER_MUST_RELOGIN');
    const stations = codes(b);
    if (stations.length > HUAWEI_MAX_STATIONS_PER_CALL) return fail(20004, 'STATION_CODES_EXCEED_LIMIT');
    const now = fleet.now();
    switch (req.path) {
      case HUAWEI_PATHS.stations: {
        const pageNo = Number(b.pageNo ?? 1), pageSize = Math.min(Number(b.pageSize ?? 100), 100);
        const rows = fleet.plants.map((p) => ({ plantCode: p.id, plantName: p.name, capacity: p.capacityKwp, plantAddress: null, gridConnectionDate: null }));
        return envelope({ list: page(rows, pageNo, pageSize), pageCount: Math.max(1, Math.ceil(rows.length / pageSize)), pageNo, pageSize, total: rows.length });
      }
      case HUAWEI_PATHS.realKpi:
        return envelope(stations.flatMap((code) => {
          const p = fleet.get(code);
          return p ? [{ stationCode: code, dataItemMap: {
            day_power: fleet.todayKwh(p, now), month_power: null, total_power: fleet.totalKwh(p, now),
            day_income: 0, total_income: 0, real_health_state: p.offline ? 1 : 3,
          } }] : [];
        }));
      case HUAWEI_PATHS.alarms: {
        const begin = Number(b.beginTime ?? 0), end = Number(b.endTime ?? Date.now());
        return envelope(stations.flatMap((code) => {
          const p = fleet.get(code);
          return (p ? fleet.alarms(p, now) : [])
            .filter((a) => a.clearedAt === null && a.raisedAt.getTime() >= begin && a.raisedAt.getTime() <= end)
            .map((a) => ({
              stationCode: code, stationName: p!.name, alarmId: Number(a.code), alarmName: a.message, alarmCause: a.message,
              devName: `Inverter-${a.deviceSn}`, esnCode: a.deviceSn, devTypeId: 1, lev: LEVEL[a.severity], status: 1, raiseTime: a.raisedAt.getTime(),
            }));
        }));
      }
      case HUAWEI_PATHS.kpiDay: {
        const collectTime = Number(b.collectTime ?? Date.now());
        return envelope(stations.flatMap((code) => {
          const p = fleet.get(code);
          if (!p) return [];
          const month = dateInZone(new Date(collectTime), p.timezone).slice(0, 7);
          const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
          return fleet.series(p, `${month}-01`, last, now).map((d) => ({
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

export function startHuaweiSimulator(opts: HuaweiSimulatorOptions = {}): Promise<RunningSimulator> {
  const user = opts.userName ?? HUAWEI_SIM_CREDENTIALS.userName;
  const code = opts.systemCode ?? HUAWEI_SIM_CREDENTIALS.systemCode;
  return startSimulatorServer(opts, (fleet) => huawei(fleet, user, code), (i) => `NE=${33_000_000 + i}`);
}
