import { randomBytes } from 'node:crypto';
import { VENDOR_CODES } from '../errors';
import type { SimFleet } from '../simulator/fleet';
import { page, startSimulatorServer, type RunningSimulator, type SimRequest, type SimResponse, type SimulatorOptions, type VendorSimulation } from '../simulator/server';
import { addDays, startOfDayInZone, zonedParts } from '../time';
import { SEMS_PATHS } from './client';
import { formatSemsTime } from './codec';

/**
 * GoodWe SEMS simulator: CrossLogin at `/api/v2/Common/CrossLogin` checks account/pwd and the client
 * `token` header, returns `{uid, timestamp, token}` and the regional base `<host>/<region>/api/`; data calls
 * are served only under that regional base and only with a live token JSON in the `token` header
 * (100002 otherwise). Above the rate limit: code GY0429 (HTTP 200).
 */
export interface GoodweSimulatorOptions extends SimulatorOptions {
  account?: string;
  password?: string;
  region?: string;
}

export const GOODWE_SIM_CREDENTIALS = { account: 'owner@example.com', password: 'sim-sems-password' } as const;

const ok = (data: unknown, extra: Record<string, unknown> = {}): SimResponse => ({ status: 200, body: { hasError: false, code: 0, msg: 'success', data, ...extra } });
const fail = (code: string | number, msg: string): SimResponse => ({ status: 200, body: { hasError: true, code, msg, data: null } });
const LEVEL = { CRITICAL: 1, MAJOR: 2, MINOR: 3, INFO: 4 } as const;

function sems(fleet: SimFleet, account: string, password: string, region: string, baseUrl: () => string): VendorSimulation {
  const tokens = new Set<string>();
  const prefix = `/${region}/api/`;
  const local = (at: Date, tz: string) => formatSemsTime(zonedParts(at, tz));

  const handle = (req: SimRequest): SimResponse => {
    const b = (req.json ?? {}) as Record<string, unknown>;
    if (req.path === SEMS_PATHS.login) {
      let client: unknown;
      try { client = JSON.parse(String(req.headers.token ?? '')); } catch { client = null; }
      if (!client || typeof client !== 'object' || !('client' in client)) return fail(100001, 'Missing client token header');
      if (b.account !== account || b.pwd !== password) return { ...fail(VENDOR_CODES.GOODWE.authFailed[0]!, 'Email or password error.'), headers: { 'x-sim-auth-failure': '1' } };
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return ok({ uid: 'sim-uid-1', timestamp: Date.now(), token, client: 'web', version: 'v2.1.0', language: 'en' }, { api: `${baseUrl()}${prefix}` });
    }
    if (!req.path.startsWith(prefix)) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>Not Found</body></html>' };
    let session: { token?: unknown } | null = null;
    try { session = JSON.parse(String(req.headers.token ?? '')) as { token?: unknown }; } catch { session = null; }
    if (!session || !tokens.has(String(session.token))) return fail(100002, 'The authorization has expired, please log in again.');
    const now = fleet.now();
    const route = req.path.slice(prefix.length);
    const pageIndex = Number(b.page_index ?? 1), pageSize = Number(b.page_size ?? 20);
    switch (route) {
      case SEMS_PATHS.stations: {
        const rows = fleet.plants.map((p) => ({ powerstation_id: p.id, stationname: p.name, capacity: p.capacityKwp, status: p.offline ? -1 : 1 }));
        return ok({ record: rows.length, list: page(rows, pageIndex, pageSize) });
      }
      case SEMS_PATHS.detail: {
        const p = fleet.get(String(b.powerStationId ?? ''));
        if (!p) return fail(-1, 'Power station does not exist');
        return ok({
          info: { powerstation_id: p.id, stationname: p.name, capacity: p.capacityKwp, time: local(now, p.timezone) },
          kpi: { pac: fleet.currentPowerW(p, now), power: fleet.todayKwh(p, now), total_power: fleet.totalKwh(p, now), currency: 'EUR' },
          inverter: [{ sn: p.deviceSn, name: 'Inverter 1', last_refresh_time: local(fleet.lastSeenAt(p, now), p.timezone), status: p.offline ? -1 : 1 }],
        });
      }
      case SEMS_PATHS.warnings: {
        const p = fleet.get(String(b.pw_id ?? ''));
        if (!p) return fail(-1, 'Power station does not exist');
        const from = startOfDayInZone(String(b.start_time), p.timezone);
        const to = startOfDayInZone(addDays(String(b.end_time), 1), p.timezone);
        const rows = fleet.alarms(p, now)
          .filter((a) => a.raisedAt < to && (a.raisedAt >= from || (a.clearedAt ?? to) >= from))
          .map((a) => ({
            warningid: a.id, pw_id: p.id, sn: a.deviceSn, warningname: a.message, error_code: a.code, warning_level: LEVEL[a.severity],
            happentime: local(a.raisedAt, p.timezone), recoverytime: a.clearedAt ? local(a.clearedAt, p.timezone) : '', status: a.clearedAt ? 1 : 0,
          }));
        return ok({ record: rows.length, list: page(rows, pageIndex, pageSize) });
      }
      case SEMS_PATHS.chart: {
        const p = fleet.get(String(b.id ?? ''));
        if (!p) return fail(-1, 'Power station does not exist');
        if (Number(b.range) !== 2) return fail(-1, 'only the month range is simulated');
        const month = String(b.date ?? '').slice(0, 7);
        const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
        const xy = fleet.series(p, `${month}-01`, last, now).map((d) => ({ x: d.date, y: d.kwh, z: null }));
        return ok({ lines: [{ key: 'PVGeneration', label: 'PV generation', unit: 'kWh', xy }] });
      }
      default:
        return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>Not Found</body></html>' };
    }
  };

  return {
    isAuthPath: (path) => path === SEMS_PATHS.login,
    handle,
    rateLimited: () => fail(VENDOR_CODES.GOODWE.rateLimited, 'Request too frequently, please try again later.'),
    expireTokens: () => tokens.clear(),
    essentialFields: ['power', 'pac', 'list', 'lines'],
  };
}

export function startGoodweSimulator(opts: GoodweSimulatorOptions = {}): Promise<RunningSimulator> {
  const account = opts.account ?? GOODWE_SIM_CREDENTIALS.account;
  const password = opts.password ?? GOODWE_SIM_CREDENTIALS.password;
  return startSimulatorServer(opts, (fleet, baseUrl) => sems(fleet, account, password, opts.region ?? 'eu', baseUrl),
    (i) => `${String(i).padStart(8, '0')}-5e5e-4c0d-9a3f-${String(i).padStart(12, '0')}`);
}
