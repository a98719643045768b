import { randomBytes } from 'node:crypto';
import { VENDOR_CODES } from '../errors';
import type { SimFleet } from '../simulator/fleet';
import { page, startSimulatorServer, type RunningSimulator, type SimRequest, type SimResponse, type SimulatorOptions, type VendorSimulation } from '../simulator/server';
import { DATE_RE, addDays, datesBetween } from '../../../core/time';
import { DEYE_PATHS } from './client';
import { DEYE_MAX_ALERT_WINDOW_DAYS, DEYE_MAX_HISTORY_DAYS, deyePasswordHash } from './codec';

/**
 * Deye Cloud OpenAPI simulator: `/v1.0/account/token?appId=` checks appId, appSecret, the login and that
 * the password arrives as its SHA-256 (a clear password is refused); data calls need `Authorization:
 * Bearer <token>` — a missing or expired one answers success:false + code 2101019 with HTTP 200, as the cloud
 * does, and every second time with HTTP 500 (the form botnick/deyecloud meets). `station/history` treats `endAt` as exclusive and refuses spans over 31 days; the station list mixes
 * the `{id, name}` and `{stationId, stationName}` row shapes; HTTP 429 + Retry-After above the rate limit.
 */
export interface DeyeSimulatorOptions extends SimulatorOptions {
  appId?: string;
  appSecret?: string;
  login?: string;
  password?: string;
}

export const DEYE_SIM_CREDENTIALS = { appId: '202401010001', appSecret: 'sim-deye-app-secret', login: 'owner@example.com', password: 'sim-deye-password' } as const;

const status = (extra: Record<string, unknown> = {}) => ({ code: VENDOR_CODES.DEYE.success, msg: 'success', success: true, requestId: randomBytes(8).toString('hex'), ...extra });
const ok = (body: Record<string, unknown>): SimResponse => ({ status: 200, body: status(body) });
const fail = (code: string, msg: string): SimResponse => ({ status: 200, body: { code, msg, success: false, requestId: randomBytes(8).toString('hex') } });
/** botnick/deyecloud: 1 warning, 2 fault (assumed: MAJOR is a fault too, INFO has no level). */
const LEVEL = { CRITICAL: 2, MAJOR: 2, MINOR: 1, INFO: 0 } as const;
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

function deye(fleet: SimFleet, creds: Required<Pick<DeyeSimulatorOptions, 'appId' | 'appSecret' | 'login' | 'password'>>): VendorSimulation {
  const tokens = new Set<string>();
  let refusals = 0;

  const handle = (req: SimRequest): SimResponse => {
    const b = (req.json ?? {}) as Record<string, unknown>;
    if (req.path === DEYE_PATHS.token) {
      const login = b.email ?? b.username;
      const good = req.query.get('appId') === creds.appId && b.appSecret === creds.appSecret && login === creds.login && b.password === deyePasswordHash(creds.password);
      if (!good) return { ...fail(VENDOR_CODES.DEYE.authFailed, 'auth invalid'), headers: { 'x-sim-auth-failure': '1' } };
      const token = randomBytes(24).toString('base64url');
      tokens.add(token);
      return ok({ accessToken: token, tokenType: 'bearer', expiresIn: '5183999', scope: 'all', uid: 7001 });
    }
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    if (!m || !tokens.has(m[1]!)) {
      // both forms the sources show: HTTP 200 (oraad, issue 14) and, every second refusal, HTTP 500 (botnick/deyecloud)
      const refusal = fail(VENDOR_CODES.DEYE.tokenInvalid[1]!, 'auth invalid token');
      return ++refusals % 2 === 0 ? { ...refusal, status: 500 } : refusal;
    }
    const now = fleet.now();
    const plant = () => fleet.get(String(b.stationId ?? ''));
    switch (req.path) {
      case DEYE_PATHS.stations: {
        const rows = fleet.plants.map((p) => ({
          ...(p.index % 2 === 0 ? { stationId: Number(p.id), stationName: p.name } : { id: Number(p.id), name: p.name }),
          locationAddress: null, regionTimezone: p.timezone, installedCapacity: p.capacityKwp,
          generationPower: fleet.currentPowerW(p, now), lastUpdateTime: seconds(fleet.lastSeenAt(p, now)),
        }));
        return ok({ total: rows.length, stationList: page(rows, Number(b.page ?? 1), Number(b.size ?? 10)) });
      }
      case DEYE_PATHS.latest: {
        const p = plant();
        if (!p) return fail(VENDOR_CODES.DEYE.notFound, 'station not found');
        return ok({ generationPower: fleet.currentPowerW(p, now), consumptionPower: null, batterySOC: null, lastUpdateTime: seconds(fleet.lastSeenAt(p, now)) });
      }
      case DEYE_PATHS.history: {
        const p = plant();
        if (!p) return fail(VENDOR_CODES.DEYE.notFound, 'station not found');
        const from = String(b.startAt ?? ''), endAt = String(b.endAt ?? '');
        if (Number(b.granularity) !== 2) return fail('2101040', 'only daily granularity is simulated');
        // endAt is exclusive: startAt..endAt-1, at most 31 days
        if (!DATE_RE.test(from) || !DATE_RE.test(endAt) || endAt <= from || datesBetween(from, addDays(endAt, -1)).length > DEYE_MAX_HISTORY_DAYS) {
          return fail('2101041', 'range must be 1..31 days, endAt excluded');
        }
        const items = fleet.series(p, from, addDays(endAt, -1), now).map((d) => ({
          year: Number(d.date.slice(0, 4)), month: Number(d.date.slice(5, 7)), day: Number(d.date.slice(8, 10)), generationValue: d.kwh,
        }));
        return ok({ stationDataItems: items });
      }
      case DEYE_PATHS.alerts: {
        const p = plant();
        if (!p) return fail(VENDOR_CODES.DEYE.notFound, 'station not found');
        const fromS = Number(b.startTimestamp ?? 0), toS = Number(b.endTimestamp ?? seconds(now));
        // the 180-day limit is public (botnick/deyecloud); the refusal's code is assumed
        if (toS - fromS > DEYE_MAX_ALERT_WINDOW_DAYS * 86_400) return fail('2101013', 'the time range should be within 180 days');
        const from = fromS * 1000, to = toS * 1000;
        // assumed: an alert is listed when it was open at some time in the window
        const rows = fleet.alarms(p, now)
          .filter((a) => a.raisedAt.getTime() <= to && (a.raisedAt.getTime() >= from || (a.clearedAt?.getTime() ?? to) >= from))
          .map((a) => ({
            alertId: a.id, alertCode: a.code, alertName: `${a.code} ${a.message}`, deviceSn: a.deviceSn, deviceType: 'INVERTER', level: LEVEL[a.severity], impact: 0,
            // open alerts answer alertEndTime 0, as botnick/deyecloud handles
            alertStartTime: seconds(a.raisedAt), alertEndTime: a.clearedAt ? seconds(a.clearedAt) : 0, status: a.clearedAt ? 1 : 0,
          }));
        return ok({ total: rows.length, stationAlertItems: page(rows, Number(b.page ?? 1), Number(b.size ?? 10)) });
      }
      default:
        return { status: 404, body: { code: '404', msg: 'Not Found', success: false } };
    }
  };

  return {
    isAuthPath: (path) => path === DEYE_PATHS.token,
    handle,
    rateLimited: (ms) => ({ status: 429, headers: { 'retry-after': String(Math.ceil(ms / 1000)) }, body: { code: '429', msg: 'Too Many Requests', success: false } }),
    expireTokens: () => tokens.clear(),
    essentialFields: ['generationPower', 'lastUpdateTime', 'stationList', 'stationDataItems'],
  };
}

export function startDeyeSimulator(opts: DeyeSimulatorOptions = {}): Promise<RunningSimulator> {
  const creds = {
    appId: opts.appId ?? DEYE_SIM_CREDENTIALS.appId, appSecret: opts.appSecret ?? DEYE_SIM_CREDENTIALS.appSecret,
    login: opts.login ?? DEYE_SIM_CREDENTIALS.login, password: opts.password ?? DEYE_SIM_CREDENTIALS.password,
  };
  return startSimulatorServer(opts, (fleet) => deye(fleet, creds), (i) => String(40_000 + i));
}
