import { randomBytes } from 'node:crypto';
import { VENDOR_CODES } from '../errors';
import type { SimFleet, SimPlant } from '../simulator/fleet';
import { page, startSimulatorServer, type RunningSimulator, type SimRequest, type SimResponse, type SimulatorOptions, type VendorSimulation } from '../simulator/server';
import { lastDateOfMonth, zonedParts } from '../../../core/time';
import { SEMS_PATHS } from './client';
import { formatSemsTime, semsPlusPassword } from './codec';

/**
 * GoodWe SEMS simulator, as the cloud behaves since 2026: the v2 CrossLogin answers code 100000 (move to
 * SEMS+); the SEMS+ cross-login checks `pwd` = base64(md5 hex) and answers a string `timestamp`, the
 * region and a gateway base `<host>/web/sems`; the legacy v3 CrossLogin (clear password, client `token`
 * header) answers the regional base `<host>/<region>/api/`. Data calls are served under `/<region>/api/` only,
 * with a live token JSON in the `token` header (100002 otherwise): v3 monitor detail, warnings per inverter
 * (`list[].warning[]`), the station list on the unprefixed `PowerStationMonitor/QueryPowerStationMonitor`, and the month chart whose generation line is not the first one and has its own key —
 * only its label says what it is. Above the rate limit: code GY0429 (HTTP 200).
 */
export interface GoodweSimulatorOptions extends SimulatorOptions {
  account?: string;
  password?: string;
  region?: string;
  /** The account has not moved to SEMS+: its cross-login refuses, the legacy v3 one works. */
  legacyOnly?: boolean;
}

export const GOODWE_SIM_CREDENTIALS = { account: 'owner@example.com', password: 'sim-sems-password' } as const;

/** The retired v2 login path, answered with code 100000. */
export const SEMS_V2_LOGIN = '/api/v2/Common/CrossLogin';

const ok = (data: unknown, extra: Record<string, unknown> = {}, code: string | number = 0): SimResponse => ({ status: 200, body: { hasError: false, code, msg: 'success', data, ...extra } });
const fail = (code: string | number, msg: string): SimResponse => ({ status: 200, body: { hasError: true, code, msg, data: null } });
/** Assumed levels, higher = more severe (see SEMS_LEVEL_TO_SEVERITY). */
const LEVEL = { CRITICAL: 3, MAJOR: 2, MINOR: 1, INFO: 0 } as const;
const NOT_FOUND: SimResponse = { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>Not Found</body></html>' };

function sems(fleet: SimFleet, o: Required<Pick<GoodweSimulatorOptions, 'account' | 'password' | 'region' | 'legacyOnly'>>, baseUrl: () => string): VendorSimulation {
  const tokens = new Set<string>();
  const prefix = `/${o.region}/api/`;
  const local = (at: Date, tz: string) => formatSemsTime(zonedParts(at, tz));
  // as in the public test data: even plants carry invert_full.last_time (epoch ms); odd ones only the local text,
  // with a space after each colon (TimSoethout/goodwe-sems-home-assistant tests/test-data/20250623_homekit_getData.json)
  const inverterSeen = (p: SimPlant, at: Date) => (p.index % 2 === 0
    ? { last_refresh_time: local(at, p.timezone), invert_full: { sn: p.deviceSn, last_time: at.getTime() } }
    : { last_refresh_time: local(at, p.timezone).replace(/:/g, ': ') });
  const refused = () => ({ ...fail(VENDOR_CODES.GOODWE.authFailed[0]!, 'Email or password error.'), headers: { 'x-sim-auth-failure': '1' } });
  const issue = () => {
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    return token;
  };

  const login = (req: SimRequest, b: Record<string, unknown>): SimResponse => {
    if (req.path === SEMS_V2_LOGIN) return fail(100000, 'Please use the SEMS+ login.');
    if (req.path === SEMS_PATHS.semsPlusLogin) {
      if (o.legacyOnly) return fail('C0401', 'Account not migrated to SEMS+.');
      if (b.account !== o.account || b.pwd !== semsPlusPassword(o.password)) return refused();
      return ok({ uid: 'sim-uid-1', timestamp: String(Date.now()), token: issue(), region: o.region }, { api: `${baseUrl()}/web/sems` }, '00000');
    }
    let client: unknown;
    try { client = JSON.parse(String(req.headers.token ?? '')); } catch { client = null; }
    if (!client || typeof client !== 'object' || !('client' in client)) return fail(100001, 'Missing client token header');
    if (b.account !== o.account || b.pwd !== o.password) return refused();
    return ok({ uid: 'sim-uid-1', timestamp: Date.now(), token: issue(), client: 'web', version: 'v2.1.0', language: 'en' }, { api: `${baseUrl()}${prefix}` });
  };

  const handle = (req: SimRequest): SimResponse => {
    const b = (req.json ?? {}) as Record<string, unknown>;
    if (isLogin(req.path)) return login(req, b);
    if (!req.path.startsWith(prefix)) return NOT_FOUND;
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
          info: { powerstation_id: p.id, stationname: p.name, capacity: p.capacityKwp, time: local(now, p.timezone), date_format: 'dd/MM/yyyy' },
          kpi: { pac: fleet.currentPowerW(p, now), power: fleet.todayKwh(p, now), total_power: fleet.totalKwh(p, now), currency: 'EUR' },
          inverter: [{ sn: p.deviceSn, name: 'Inverter 1', ...inverterSeen(p, fleet.lastSeenAt(p, now)), status: p.offline ? -1 : 1 }],
        });
      }
      case SEMS_PATHS.warnings: {
        const p = fleet.get(String(b.pw_id ?? ''));
        if (!p) return fail(-1, 'Power station does not exist');
        const warning = fleet.alarms(p, now).map((a) => ({
          warning_code: a.code, happen_time: local(a.raisedAt, p.timezone), recovery_time: a.clearedAt ? local(a.clearedAt, p.timezone) : '',
          warning_name: a.message, warning_level: LEVEL[a.severity],
        }));
        return ok({ list: [{ sn: p.deviceSn, name: 'Inverter 1', warning }] });
      }
      case SEMS_PATHS.chart: {
        const p = fleet.get(String(b.id ?? ''));
        if (!p) return fail(-1, 'Power station does not exist');
        if (Number(b.range) !== 2) return fail(-1, 'only the month range is simulated');
        const month = String(b.date ?? '').slice(0, 7);
        const last = lastDateOfMonth(month);
        const xy = fleet.series(p, `${month}-01`, last, now).map((d) => ({ x: d.date, y: d.kwh, z: null }));
        return ok({ lines: [
          { key: 'PCurve_Power_Buy', label: 'Buy(kWh)', unit: 'kWh', xy: xy.map((d) => ({ ...d, y: 0 })) },
          { key: 'PCurve_Power_PV', label: 'Generation(kWh)', unit: 'kWh', xy },
        ] });
      }
      default:
        return NOT_FOUND;
    }
  };

  return {
    isAuthPath: isLogin,
    handle,
    rateLimited: () => fail(VENDOR_CODES.GOODWE.rateLimited, 'Request too frequently, please try again later.'),
    expireTokens: () => tokens.clear(),
    essentialFields: ['power', 'list', 'lines'],
  };
}

const isLogin = (path: string) => path === SEMS_PATHS.semsPlusLogin || path === SEMS_PATHS.legacyLogin || path === SEMS_V2_LOGIN;

export function startGoodweSimulator(opts: GoodweSimulatorOptions = {}): Promise<RunningSimulator> {
  const o = {
    account: opts.account ?? GOODWE_SIM_CREDENTIALS.account, password: opts.password ?? GOODWE_SIM_CREDENTIALS.password,
    region: opts.region ?? 'eu', legacyOnly: opts.legacyOnly ?? false,
  };
  return startSimulatorServer(opts, (fleet, baseUrl) => sems(fleet, o, baseUrl),
    (i) => `${String(i).padStart(8, '0')}-5e5e-4c0d-9a3f-${String(i).padStart(12, '0')}`);
}
