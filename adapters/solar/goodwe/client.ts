import { z } from 'zod';
import { VendorAdapter, changedSince, timezoneOf } from '../base';
import { VENDOR_CODES, authFailed, invalidData, rateLimited, vendorError } from '../errors';
import { num } from '../http';
import { dateInZone, monthsBetween } from '../time';
import {
  type AdapterCapabilities, type AdapterOptions, type DailyEnergy, type DateRange, type GoodweCredentials,
  type PlantInfo, type PlantRef, type PlantSummary, type SolarAdapter, type VendorAlarm,
} from '../types';
import { SEMS_LEVEL_TO_SEVERITY, SemsChart, SemsLoginData, SemsMonitorDetail, SemsStationPage, SemsWarnings, parseSemsTime, semsEnvelope } from './codec';

/**
 * GoodWe SEMS portal API: CrossLogin at the global host returns a token and the account's regional API
 * base (`api`), which every later call uses, with the token JSON in the `token` header. Codes 100001/100002
 * mean the token expired (log in again, retry once); GY0429 is the rate limit.
 */
export const SEMS_PATHS = {
  login: '/api/v2/Common/CrossLogin',
  stations: 'v2/PowerStationMonitor/QueryPowerStationMonitor',
  detail: 'v2/PowerStation/GetMonitorDetailByPowerstationId',
  warnings: 'warning/PowerstationWarningsQuery',
  chart: 'v2/Charts/GetChartByPlant',
} as const;

const CLIENT_HEADER = JSON.stringify({ version: 'v2.1.0', client: 'web', language: 'en' });
const CAPABILITIES: AdapterCapabilities = {
  maxConcurrentRequests: 2,
  requestsPerMinute: 60,
  batchSize: 1,
  features: ['currentPower', 'totalEnergy', 'alarms', 'alarmClears', 'dailySeries'],
};
const PAGE_SIZE = 100;

interface Session { api: string; tokenHeader: string }

export class GoodweAdapter extends VendorAdapter implements SolarAdapter {
  readonly brand = 'GOODWE' as const;
  private session: Promise<Session> | null = null;

  constructor(private readonly credentials: GoodweCredentials, opts: AdapterOptions) {
    super('GOODWE', CAPABILITIES, opts);
  }

  async listPlants(): Promise<PlantInfo[]> {
    const out: PlantInfo[] = [];
    for (let page_index = 1; ; page_index++) {
      const data = await this.call(SEMS_PATHS.stations, { page_index, page_size: PAGE_SIZE, key: '', orderby: '', powerstation_status: '' }, SemsStationPage, 'station list');
      for (const s of data.list) out.push({ vendorPlantId: s.powerstation_id, name: s.stationname, timezone: null, capacityKwp: num(s.capacity) });
      if (data.list.length < PAGE_SIZE || out.length >= data.record) return out;
    }
  }

  async getPlantSummary(ref: PlantRef): Promise<PlantSummary> {
    const op = 'monitor detail';
    const tz = timezoneOf(null, ref);
    const d = await this.call(SEMS_PATHS.detail, { powerStationId: ref.vendorPlantId }, SemsMonitorDetail, op);
    const pac = num(d.kpi.pac), today = num(d.kpi.power);
    if (pac === null || today === null) throw invalidData({ brand: this.brand, operation: op }, 'kpi lacks pac or power');
    const seen = d.inverter.map((i) => parseSemsTime(i.last_refresh_time, tz)).filter((t): t is Date => t !== null);
    return {
      vendorPlantId: ref.vendorPlantId,
      currentPowerW: pac,
      todayEnergyKwh: today,
      totalEnergyKwh: num(d.kpi.total_power),
      lastSeenAt: seen.length ? new Date(Math.max(...seen.map((t) => t.getTime()))) : null,
      timezone: tz,
    };
  }

  async getAlarmsSince(ref: PlantRef, since: Date): Promise<VendorAlarm[]> {
    const tz = timezoneOf(null, ref);
    const out: VendorAlarm[] = [];
    for (let page_index = 1; ; page_index++) {
      const body = { pw_id: ref.vendorPlantId, status: '', start_time: dateInZone(since, tz), end_time: dateInZone(this.now(), tz), page_index, page_size: PAGE_SIZE };
      const data = await this.call(SEMS_PATHS.warnings, body, SemsWarnings, 'warnings');
      for (const w of data.list) {
        const raisedAt = parseSemsTime(w.happentime, tz);
        if (!raisedAt) throw invalidData({ brand: this.brand, operation: 'warnings', vendorMessage: w.happentime }, 'unreadable happentime');
        out.push({
          vendorAlarmCode: String(w.error_code),
          deviceSn: w.sn || null,
          severity: SEMS_LEVEL_TO_SEVERITY[w.warning_level as keyof typeof SEMS_LEVEL_TO_SEVERITY] ?? 'INFO',
          message: w.warningname ?? `warning ${w.error_code}`,
          raisedAt,
          clearedAt: w.status === 1 ? parseSemsTime(w.recoverytime, tz) : null,
        });
      }
      if (data.list.length < PAGE_SIZE || out.length >= data.record) break;
    }
    return changedSince(out, since);
  }

  async getDailyEnergySeries(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]> {
    const out: DailyEnergy[] = [];
    for (const month of monthsBetween(range.from, range.to)) {
      // range 2 = the month around `date`, one point per day
      const body = { id: ref.vendorPlantId, date: `${month}-01`, range: 2, chartIndexId: '3', isDetailFull: '' };
      const chart = await this.call(SEMS_PATHS.chart, body, SemsChart, 'chart');
      const line = chart.lines.find((l) => l.key === 'PVGeneration');
      for (const p of line?.xy ?? []) {
        const kwh = num(p.y);
        if (p.x >= range.from && p.x <= range.to && kwh !== null) out.push({ date: p.x, kwh });
      }
    }
    return out.sort((a, b) => a.date.localeCompare(b.date));
  }


  private login(): Promise<Session> {
    this.session ??= (async () => {
      const op = 'cross login';
      const res = await this.http.post(this.baseUrl + SEMS_PATHS.login, op, { 'Content-Type': 'application/json', Accept: 'application/json', token: CLIENT_HEADER },
        JSON.stringify({ account: this.credentials.account, pwd: this.credentials.password }));
      const env = this.http.readJson(res, op, semsEnvelope(z.unknown()));
      const code = String(env.code);
      if (code === VENDOR_CODES.GOODWE.rateLimited) throw rateLimited(this.failure(op, env), VENDOR_CODES.GOODWE.rateLimitRetryAfterMs);
      if (!VENDOR_CODES.GOODWE.success.includes(code)) throw authFailed(this.failure(op, env));
      const data = SemsLoginData.safeParse(env.data);
      if (!data.success || !env.api) throw invalidData(this.failure(op, env), 'login answer lacks token or api');
      return { api: env.api.endsWith('/') ? env.api : `${env.api}/`, tokenHeader: JSON.stringify(data.data) };
    })().catch((e) => { this.session = null; throw e; });
    return this.session;
  }

  private async call<S extends z.ZodType>(path: string, params: object, data: S, operation: string, relogged = false): Promise<z.infer<S>> {
    const session = await this.login();
    const res = await this.http.post(session.api + path, operation, { 'Content-Type': 'application/json', Accept: 'application/json', token: session.tokenHeader }, JSON.stringify(params));
    const env = this.http.readJson(res, operation, semsEnvelope(data));
    const code = String(env.code);
    if (VENDOR_CODES.GOODWE.tokenExpired.includes(code)) {
      if (relogged) throw authFailed(this.failure(operation, env));
      if (this.session && (await this.session.catch(() => null)) === session) this.session = null;
      return this.call(path, params, data, operation, true);
    }
    if (code === VENDOR_CODES.GOODWE.rateLimited) throw rateLimited(this.failure(operation, env), VENDOR_CODES.GOODWE.rateLimitRetryAfterMs);
    if (!VENDOR_CODES.GOODWE.success.includes(code)) throw vendorError(this.failure(operation, env));
    if (env.data === undefined || env.data === null) throw invalidData({ brand: this.brand, operation }, 'success without data');
    return env.data as z.infer<S>;
  }

  private failure(operation: string, env: { code: string | number; msg?: string | null }) {
    return { brand: this.brand, operation, vendorCode: String(env.code), vendorMessage: env.msg ?? undefined };
  }
}
