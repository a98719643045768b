import { z } from 'zod';
import { ErrorCode, isGridtwinError } from '../../../core/errors';
import { VendorAdapter, changedSince, timezoneOf } from '../base';
import { VENDOR_CODES, authFailed, invalidData, rateLimited, vendorError } from '../errors';
import { readDay, readInstant, readNumber, type Refuse } from '../http';
import { monthsBetween } from '../../../core/time';
import {
  type AdapterCapabilities, type AdapterOptions, type DailyEnergy, type DateRange, type GoodweCredentials,
  type PlantInfo, type PlantRef, type PlantSummary, type SolarAdapter, type VendorAlarm,
} from '../types';
import {
  SEMS_LEVEL_TO_SEVERITY, SemsChart, SemsLoginData, SemsMonitorDetail, SemsStationPage, SemsWarnings, generationLine, parseSemsTime,
  semsEnvelope, semsPlusPassword,
} from './codec';

/**
 * GoodWe SEMS. Since 2026 the v2 CrossLogin answers code 100000; like TimSoethout/goodwe-sems-home-assistant
 * (custom_components/sems/sems_api.py) we log in through the SEMS+ cross-login (password = base64 of its MD5
 * hex digest) and fall back to the legacy `/api/v3/Common/CrossLogin`, remembering which one worked. The
 * login's `data` goes back as JSON in the `token` header. A SEMS+ login answers a gateway base
 * (`https://<region>-gateway.semsportal.com/web/sems`); the monitoring routes live on the region's legacy host
 * `https://<region>.semsportal.com/api/` (sems_api.py `_normalize_powerstation_api_base`). Codes
 * 100001/100002: token expired (log in again, retry once); GY0429: rate limit, wait 5 minutes.
 */
export const SEMS_PATHS = {
  semsPlusLogin: '/web/sems/sems-user/api/v1/auth/cross-login',
  legacyLogin: '/api/v3/Common/CrossLogin',
  /** No `v2/` prefix: JuanCunhaa/GoodWe-Challenge backend/src/routes/goodwe.js (commit 695b740c). */
  stations: 'PowerStationMonitor/QueryPowerStationMonitor',
  detail: 'v3/PowerStation/GetMonitorDetailByPowerstationId',
  warnings: 'warning/PowerstationWarningsQuery',
  chart: 'v2/Charts/GetChartByPlant',
} as const;

/** The hosts when no baseUrl is configured; a configured baseUrl (proxy, simulator) stands in for all of them. */
export const SEMS_HOSTS = {
  semsPlus: 'https://semsplus.goodwe.com',
  legacy: 'https://www.semsportal.com',
  region: (region: string) => `https://${region}.semsportal.com/api/`,
  /** sems_api.py `_NewLoginFallbackApi` / `_LegacyApiFallback`. */
  fallbackRegion: 'eu',
} as const;

/** The client `token` header of the legacy login, as sems_api.py `_DefaultHeaders` sends it. */
export const LEGACY_CLIENT_HEADER = JSON.stringify({ version: '3.1.1', client: 'ios', language: 'en' });
const CAPABILITIES: AdapterCapabilities = {
  maxConcurrentRequests: 2,
  requestsPerMinute: 60,
  batchSize: 1,
  features: ['currentPower', 'totalEnergy', 'alarms', 'alarmClears', 'dailySeries'],
};
const PAGE_SIZE = 100;

type LoginMode = 'semsPlus' | 'legacy';
interface Session { api: string; tokenHeader: string }

export class GoodweAdapter extends VendorAdapter implements SolarAdapter {
  readonly brand = 'GOODWE' as const;
  private session: Promise<Session> | null = null;
  private preferred: LoginMode = 'semsPlus';
  private readonly overridden: boolean;

  constructor(private readonly credentials: GoodweCredentials, opts: AdapterOptions) {
    super('GOODWE', CAPABILITIES, opts);
    this.overridden = this.baseUrl !== SEMS_HOSTS.semsPlus;
  }

  async listPlants(): Promise<PlantInfo[]> {
    const out: PlantInfo[] = [];
    for (let page_index = 1; ; page_index++) {
      // the web portal's body, every filter empty (JuanCunhaa/GoodWe-Challenge backend/src/routes/goodwe.js)
      const body = { powerstation_id: '', key: '', orderby: '', powerstation_type: '', powerstation_status: '', page_index, page_size: PAGE_SIZE, adcode: '', org_id: '', condition: '' };
      const data = await this.call(SEMS_PATHS.stations, body, SemsStationPage, 'station list');
      const refuse = this.refuser('station list');
      data.list.forEach((s, i) => {
        out.push({ vendorPlantId: s.powerstation_id, name: s.stationname ?? s.powerstation_id, timezone: null, capacityKwp: readNumber(s.capacity, `list[${i}].capacity`, refuse, { nonNegative: true }) });
      });
      // assumed: `record` is the total; without it a short page is the last
      if (data.list.length < PAGE_SIZE || (typeof data.record === 'number' && out.length >= data.record)) return out;
    }
  }

  async getPlantSummary(ref: PlantRef): Promise<PlantSummary> {
    const op = 'monitor detail';
    const tz = timezoneOf(null, ref);
    const d = await this.call(SEMS_PATHS.detail, { powerStationId: ref.vendorPlantId }, SemsMonitorDetail, op);
    const refuse = this.refuser(op);
    const today = readNumber(d.kpi.power, 'kpi.power', refuse, { nonNegative: true });
    if (today === null) throw refuse('kpi.power', 'missing');
    const seen = (d.inverter ?? []).map((inv, i) => lastRefresh(inv, tz, `inverter[${i}]`, refuse)).filter((t): t is Date => t !== null);
    return {
      vendorPlantId: ref.vendorPlantId,
      // kpi.power / total_power are kWh (they equal the inverter's "daily_generation"/"total_generation" kWh texts
      // in TimSoethout tests/test-data); assumed: kpi.pac is W like the inverter's pac (sems sensor.py)
      currentPowerW: readNumber(d.kpi.pac, 'kpi.pac', refuse),
      todayEnergyKwh: today,
      totalEnergyKwh: readNumber(d.kpi.total_power, 'kpi.total_power', refuse, { nonNegative: true }),
      lastSeenAt: seen.length ? new Date(Math.max(...seen.map((t) => t.getTime()))) : null,
      timezone: tz,
    };
  }

  /** Warnings come per inverter (`list[].warning[]`); a warning without code or time cannot be stored truthfully. */
  async getAlarmsSince(ref: PlantRef, since: Date): Promise<VendorAlarm[]> {
    const op = 'warnings';
    const tz = timezoneOf(null, ref);
    const data = await this.call(SEMS_PATHS.warnings, { pw_id: ref.vendorPlantId }, SemsWarnings, op);
    const out: VendorAlarm[] = [];
    (data.list ?? []).forEach((inverter, i) => {
      (inverter.warning ?? []).forEach((w, j) => {
        const field = (name: string) => `list[${i}].warning[${j}].${name}`;
        if (w.warning_code === null || w.warning_code === undefined || w.warning_code === '') {
          throw invalidData({ brand: this.brand, operation: op, vendorMessage: field('warning_code') }, `${field('warning_code')} missing`);
        }
        const raisedAt = parseSemsTime(w.happen_time, tz);
        if (!raisedAt) throw invalidData({ brand: this.brand, operation: op, vendorMessage: field('happen_time') }, `${field('happen_time')} unreadable: ${String(w.happen_time)}`);
        out.push({
          vendorAlarmCode: String(w.warning_code),
          deviceSn: inverter.sn || null,
          // assumed: the meaning of warning_level (see SEMS_LEVEL_TO_SEVERITY); none → INFO
          severity: SEMS_LEVEL_TO_SEVERITY[Number(w.warning_level) as keyof typeof SEMS_LEVEL_TO_SEVERITY] ?? 'INFO',
          message: w.warning_name || `warning ${w.warning_code}`,
          raisedAt,
          // recovery_time is read by the public client (Alertas.jsx); assumed: empty while the warning is open,
          // and in the same plant-local form as happen_time (anything else present is refused, not read as open)
          clearedAt: recoveredAt(w.recovery_time, tz, field('recovery_time'), this.refuser(op)),
        });
      });
    });
    return changedSince(out, since);
  }

  async getDailyEnergySeries(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]> {
    const op = 'chart';
    const out: DailyEnergy[] = [];
    for (const month of monthsBetween(range.from, range.to)) {
      // range 2 = the month around `date`, one point per day; chartIndexId '8' as the public clients send
      const body = { id: ref.vendorPlantId, date: `${month}-01`, range: 2, chartIndexId: '8', isDetailFull: false };
      const chart = await this.call(SEMS_PATHS.chart, body, SemsChart, op);
      if (chart.lines.length === 0) continue;
      const line = generationLine(chart.lines);
      if (!line) throw invalidData({ brand: this.brand, operation: op, vendorMessage: 'lines[].label' }, 'no generation line among lines[].label');
      const refuse = this.refuser(op);
      (line.xy ?? []).forEach((p, j) => {
        const date = readDay(p.x, `lines[].xy[${j}].x`, refuse);
        if (date < range.from || date > range.to) return;
        const kwh = readNumber(p.y, `lines[].xy[${j}].y`, refuse, { nonNegative: true });
        if (kwh !== null) out.push({ date, kwh });
      });
    }
    return out.sort((a, b) => a.date.localeCompare(b.date));
  }

  private login(): Promise<Session> {
    this.session ??= (async () => {
      const order: LoginMode[] = this.preferred === 'semsPlus' ? ['semsPlus', 'legacy'] : ['legacy', 'semsPlus'];
      let refused: unknown = null;
      for (const mode of order) {
        try {
          const s = await (mode === 'semsPlus' ? this.semsPlusLogin() : this.legacyLogin());
          this.preferred = mode;
          return s;
        } catch (e) {
          // a rate limit is not a refusal: trying the other door would only make it worse
          if (isGridtwinError(e) && e.code === ErrorCode.RATE_LIMIT_EXCEEDED) throw e;
          refused = e;
        }
      }
      throw refused;
    })().catch((e: unknown) => { this.session = null; throw e; });
    return this.session;
  }

  private semsPlusLogin(): Promise<Session> {
    return this.pace('login', async () => {
      const op = 'SEMS+ login';
      const body = JSON.stringify({ account: this.credentials.account, pwd: semsPlusPassword(this.credentials.password), agreement: 1, isChinese: false, isLocal: false });
      const host = this.overridden ? this.baseUrl : SEMS_HOSTS.semsPlus;
      const res = await this.http.post(host + SEMS_PATHS.semsPlusLogin, op, { 'Content-Type': 'application/json', Accept: 'application/json' }, body);
      const data = this.loginData(op, this.http.readJson(res, op, semsEnvelope(z.unknown())));
      const api = data.apiFromEnvelope ?? data.api ?? `https://${SEMS_HOSTS.fallbackRegion}-gateway.semsportal.com/web/sems`;
      return { api: this.dataBase(api, data.token.region ?? null), tokenHeader: tokenHeader(data.token, api) };
    });
  }

  private legacyLogin(): Promise<Session> {
    return this.pace('login', async () => {
      const op = 'cross login';
      const host = this.overridden ? this.baseUrl : SEMS_HOSTS.legacy;
      const res = await this.http.post(host + SEMS_PATHS.legacyLogin, op, { 'Content-Type': 'application/json', Accept: 'application/json', token: LEGACY_CLIENT_HEADER },
        JSON.stringify({ account: this.credentials.account, pwd: this.credentials.password }));
      const data = this.loginData(op, this.http.readJson(res, op, semsEnvelope(z.unknown())));
      const api = data.apiFromEnvelope ?? data.api;
      if (!api) throw invalidData({ brand: this.brand, operation: op, vendorMessage: 'api' }, 'login answer lacks api');
      return { api: this.dataBase(api, data.token.region ?? null), tokenHeader: tokenHeader(data.token, api) };
    });
  }

  private loginData(op: string, env: { code: string | number; msg?: string | null; data?: unknown; api?: string | null }) {
    const code = String(env.code);
    if (code === VENDOR_CODES.GOODWE.rateLimited) throw rateLimited(this.failure(op, env), VENDOR_CODES.GOODWE.rateLimitRetryAfterMs);
    if (!VENDOR_CODES.GOODWE.success.includes(code)) throw authFailed(this.failure(op, env));
    const data = SemsLoginData.safeParse(env.data);
    if (!data.success) throw invalidData(this.failure(op, env), `login answer: ${data.error.issues.map((i) => i.path.join('.')).join(', ')} missing`);
    const { api, ...token } = data.data;
    return { token, api: api ?? null, apiFromEnvelope: env.api ?? null };
  }

  /** Where the monitoring routes are: a SEMS+ gateway base is replaced by its region's legacy `/api/` host. */
  private dataBase(api: string, region: string | null): string {
    const slash = (u: string) => (u.endsWith('/') ? u : `${u}/`);
    if (!api.includes('/web/sems')) return slash(api);
    const host = /^https?:\/\/([a-z0-9]+)-gateway\./i.exec(api)?.[1] ?? null;
    const r = (region || host || SEMS_HOSTS.fallbackRegion).toLowerCase();
    return this.overridden ? `${this.baseUrl}/${r}/api/` : SEMS_HOSTS.region(r);
  }

  private async call<S extends z.ZodType>(path: string, params: object, data: S, operation: string, relogged = false): Promise<z.infer<S>> {
    const session = await this.login();
    const answer = await this.pace(operation, async () => {
      const res = await this.http.post(session.api + path, operation, { 'Content-Type': 'application/json', Accept: 'application/json', token: session.tokenHeader }, JSON.stringify(params));
      const env = this.http.readJson(res, operation, semsEnvelope(data));
      const code = String(env.code);
      if (VENDOR_CODES.GOODWE.tokenExpired.includes(code)) return { expired: true as const, env };
      if (code === VENDOR_CODES.GOODWE.rateLimited) throw rateLimited(this.failure(operation, env), VENDOR_CODES.GOODWE.rateLimitRetryAfterMs);
      if (!VENDOR_CODES.GOODWE.success.includes(code)) throw vendorError(this.failure(operation, env));
      if (env.data === undefined || env.data === null) throw invalidData({ brand: this.brand, operation }, 'success without data');
      return { expired: false as const, data: env.data as z.infer<S> };
    });
    if (!answer.expired) return answer.data;
    if (relogged) throw authFailed(this.failure(operation, answer.env));
    if (this.session && (await this.session.catch(() => null)) === session) this.session = null;
    return this.call(path, params, data, operation, true);
  }

  private refuser(operation: string): Refuse {
    return (field, problem) => invalidData({ brand: this.brand, operation, vendorMessage: field }, `${field}: ${problem}`);
  }

  private failure(operation: string, env: { code: string | number; msg?: string | null }) {
    return { brand: this.brand, operation, vendorCode: String(env.code), vendorMessage: env.msg ?? undefined };
  }
}

/** The data calls' `token` header: the login `data` plus the login's `api`, as sems_api.py `_extract_login_token` builds it. */
function tokenHeader(token: object, api: string): string {
  return JSON.stringify({ ...token, api });
}

/** An inverter's last report: `invert_full.last_time` (epoch ms, UTC) when present, else its plant-local `last_refresh_time`. */
function lastRefresh(i: { last_refresh_time?: string | null; invert_full?: { last_time?: number | string | null } | null }, tz: string, at: string, refuse: Refuse): Date | null {
  const field = `${at}.invert_full.last_time`;
  const ms = readNumber(i.invert_full?.last_time, field, refuse);
  return ms !== null && ms > 0 ? readInstant(ms, field, refuse) : parseSemsTime(i.last_refresh_time, tz);
}

/** A warning's recovery: absent or empty while open; a time we cannot read is refused, never taken as "still open". */
function recoveredAt(value: string | null | undefined, tz: string, field: string, refuse: Refuse): Date | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const at = parseSemsTime(value, tz);
  if (!at) throw refuse(field, `unreadable: ${value}`);
  return at;
}
