import { z } from 'zod';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../../core/errors';
import { VendorAdapter, changedSince, timezoneOf } from '../base';
import { createBatcher } from '../batcher';
import { VENDOR_CODES, authFailed, invalidData, rateLimited, vendorError } from '../errors';
import { readInstant, readNumber, type Refuse } from '../http';
import { dateInZone, DAY_MS, MINUTE_MS, monthsBetween, startOfDayInZone } from '../../../core/time';
import {
  type AdapterCapabilities, type AdapterOptions, type DailyEnergy, type DateRange, type HuaweiCredentials, type MultiPlantReads,
  type PerPlant, type PlantInfo, type PlantRef, type PlantSummary, type SolarAdapter, type VendorAlarm, type VendorQuota,
} from '../types';
import {
  HUAWEI_LEVEL_TO_SEVERITY, HUAWEI_OPEN_ALARM_STATES, HuaweiAlarms, HuaweiKpiDay, HuaweiRealKpi, HuaweiStationList, HuaweiStationPage,
  huaweiEnvelope,
} from './codec';

/**
 * Huawei FusionSolar northbound (SmartPVMS "thirdData", reference V6): login with userName/systemCode returns
 * an `xsrf-token` header (valid 30 min) sent on every call; failCode 305 = session gone (log in again, retry
 * once); 401 = interface not permitted; 407 = too frequent. KPI and alarm calls take up to 100 station codes;
 * the quotas are per account and per interface (see QUOTAS), so the plant gate shares one call among the
 * plants of up to 100 stations (`multi`).
 */
export const HUAWEI_PATHS = {
  login: '/thirdData/login',
  stations: '/thirdData/stations',
  stationList: '/thirdData/getStationList',
  realKpi: '/thirdData/getStationRealKpi',
  alarms: '/thirdData/getAlarmList',
  kpiDay: '/thirdData/getKpiStationDay',
} as const;

export const HUAWEI_MAX_STATIONS_PER_CALL = 100;


/** Reference V6 "Access Restrictions" of each interface (per northbound user, i.e. per credential). */
export const HUAWEI_QUOTAS: VendorQuota[] = [
  { operation: 'login', calls: 5, windowMs: 10 * MINUTE_MS },
  { operation: 'station list', calls: 24, windowMs: DAY_MS },
  // assumed: the paged `stations` interface (not in V6) limited like getStationList
  { operation: 'stations', calls: 24, windowMs: DAY_MS },
  { operation: 'station real KPI', calls: 0, perStations: 100, windowMs: 5 * MINUTE_MS },
  { operation: 'station day KPI', calls: 24, perStations: 100, windowMs: DAY_MS },
  { operation: 'alarm list', calls: 0, perStations: 100, windowMs: 30 * MINUTE_MS },
];

const CAPABILITIES: AdapterCapabilities = {
  // "Only one concurrent request is supported" (KPI interfaces); the real limits are the per-interface quotas,
  // the per-minute cap is ours (assumed) and only smooths bursts
  maxConcurrentRequests: 1,
  requestsPerMinute: 60,
  batchSize: HUAWEI_MAX_STATIONS_PER_CALL,
  features: ['totalEnergy', 'alarms', 'dailySeries', 'batchedSummary'],
  quotas: HUAWEI_QUOTAS,
};

/** The XSRF-TOKEN is valid 30 minutes (reference V6 §6.1.1): renewed after 25. */
const XSRF_RENEW_AFTER_MS = 25 * MINUTE_MS;

/** Assumed: how far back open alarms are asked for (the reference gives no span limit for getAlarmList). */
export const HUAWEI_ALARM_LOOKBACK_MS = 30 * DAY_MS;

type RealKpiRow = z.infer<typeof HuaweiRealKpi>[number];
type Answer<T> = { relogin: true } | { relogin: false; data: T; serverTime: number | null };

export class HuaweiAdapter extends VendorAdapter implements SolarAdapter {
  readonly brand = 'HUAWEI' as const;
  readonly multi: MultiPlantReads;
  private token: Promise<{ value: string; at: number }> | null = null;
  private readonly realKpi: (code: string) => Promise<{ row: RealKpiRow; serverTime: number | null }>;

  constructor(private readonly credentials: HuaweiCredentials, opts: AdapterOptions & { batchWindowMs?: number }) {
    super('HUAWEI', CAPABILITIES, opts, 2);
    this.realKpi = createBatcher(
      async (codes) => {
        const env = await this.call(HUAWEI_PATHS.realKpi, { stationCodes: codes.join(',') }, HuaweiRealKpi, 'station real KPI');
        return new Map(env.data.map((row) => [row.stationCode, { row, serverTime: env.serverTime }]));
      },
      (code) => this.notInAnswer(code, 'station real KPI'),
      { maxBatch: HUAWEI_MAX_STATIONS_PER_CALL, windowMs: opts.batchWindowMs ?? 20 },
    );
    this.multi = {
      summaries: (refs, o) => this.summaries(refs, o),
      openAlarms: (refs, o) => this.openAlarms(refs, o),
      monthSeries: (refs, month, o) => this.monthSeries(refs, month, o),
    };
  }

  /**
   * `getStationList`, the plant list of reference V6 §6.1.3; failCode 401 (not permitted) → the paged `stations`,
   * in that order as tijsverkoyen/HomeAssistant-FusionSolar openapi_api.py `get_station_list` does.
   */
  async listPlants(): Promise<PlantInfo[]> {
    try {
      return await this.stationList();
    } catch (e) {
      if ((toGridtwinError(e).details as { vendorCode?: unknown } | undefined)?.vendorCode !== VENDOR_CODES.HUAWEI.noPermission) throw e;
    }
    const out: PlantInfo[] = [];
    for (let pageNo = 1; ; pageNo++) {
      // assumed: `pageSize` (tijs sends `pageNo` only)
      const { data: page } = await this.call(HUAWEI_PATHS.stations, { pageNo, pageSize: 100 }, HuaweiStationPage, 'stations');
      const refuse = this.refuser('stations');
      page.list.forEach((s, i) => {
        out.push({ vendorPlantId: s.plantCode, name: s.plantName ?? s.plantCode, timezone: null, capacityKwp: readNumber(s.capacity, `list[${i}].capacity`, refuse, { nonNegative: true }) });
      });
      if (pageNo >= page.pageCount) return out;
    }
  }

  async getPlantSummary(ref: PlantRef): Promise<PlantSummary> {
    const { row, serverTime } = await this.realKpi(ref.vendorPlantId);
    return this.toSummary(ref, row, serverTime);
  }

  async getAlarmsSince(ref: PlantRef, since: Date): Promise<VendorAlarm[]> {
    const got = (await this.openAlarms([ref])).get(ref.vendorPlantId);
    if (got instanceof GridtwinError) throw got;
    return changedSince(got ?? [], since);
  }

  async getDailyEnergySeries(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]> {
    const out: DailyEnergy[] = [];
    for (const month of monthsBetween(range.from, range.to)) {
      const got = (await this.monthSeries([ref], month)).get(ref.vendorPlantId);
      if (got instanceof GridtwinError) throw got;
      out.push(...(got ?? []).filter((d) => d.date >= range.from && d.date <= range.to));
    }
    return out;
  }

  private async stationList(): Promise<PlantInfo[]> {
    const { data } = await this.call(HUAWEI_PATHS.stationList, {}, HuaweiStationList, 'station list');
    // getStationList reports capacity in MW (reference V6 §6.1.3)
    const refuse = this.refuser('station list');
    return data.map((s, i) => {
      const mw = readNumber(s.capacity, `data[${i}].capacity`, refuse, { nonNegative: true });
      return { vendorPlantId: s.stationCode, name: s.stationName ?? s.stationCode, timezone: null, capacityKwp: mw === null ? null : mw * 1000 };
    });
  }

  private async summaries(refs: PlantRef[], o?: { maxWaitMs?: number }): Promise<PerPlant<PlantSummary>> {
    const env = await this.call(HUAWEI_PATHS.realKpi, { stationCodes: codesOf(refs) }, HuaweiRealKpi, 'station real KPI', o);
    const rows = new Map(env.data.map((r) => [r.stationCode, r]));
    const out: PerPlant<PlantSummary> = new Map();
    for (const ref of refs) {
      const row = rows.get(ref.vendorPlantId);
      try {
        out.set(ref.vendorPlantId, row ? this.toSummary(ref, row, env.serverTime) : this.notInAnswer(ref.vendorPlantId, 'station real KPI'));
      } catch (e) {
        out.set(ref.vendorPlantId, toGridtwinError(e));
      }
    }
    return out;
  }

  /**
   * Open alarms only: getAlarmList returns alarms in every state unless filtered, and a cleared one (5 by the
   * user, 6 by the device) is not open. Rows in a cleared state are dropped even if the filter is ignored.
   */
  private async openAlarms(refs: PlantRef[], o?: { maxWaitMs?: number }): Promise<PerPlant<VendorAlarm[]>> {
    const now = this.now().getTime();
    const body = {
      stationCodes: codesOf(refs), beginTime: now - HUAWEI_ALARM_LOOKBACK_MS, endTime: now, language: 'en_US', status: HUAWEI_OPEN_ALARM_STATES.join(','),
    };
    const { data } = await this.call(HUAWEI_PATHS.alarms, body, HuaweiAlarms, 'alarm list', o);
    const out: PerPlant<VendorAlarm[]> = new Map(refs.map((r) => [r.vendorPlantId, []]));
    const refuse = this.refuser('alarm list');
    for (const [i, a] of data.entries()) {
      const list = out.get(a.stationCode);
      if (!Array.isArray(list) || (a.status != null && !(HUAWEI_OPEN_ALARM_STATES as readonly number[]).includes(a.status))) continue;
      // a row that cannot be stored fails its own plant, not the other plants of the call
      let raisedAt: Date | null;
      try {
        raisedAt = readInstant(a.raiseTime, `data[${i}].raiseTime`, refuse);
      } catch (e) {
        out.set(a.stationCode, toGridtwinError(e));
        continue;
      }
      list.push({
        vendorAlarmCode: String(a.alarmId),
        deviceSn: a.esnCode || null,
        severity: HUAWEI_LEVEL_TO_SEVERITY[a.lev as keyof typeof HUAWEI_LEVEL_TO_SEVERITY] ?? 'INFO',
        message: a.alarmName ?? `alarm ${a.alarmId}`,
        raisedAt: raisedAt!,
        // the list holds open alarms: a clear shows as absence (feature 'alarmClears' is off)
        clearedAt: null,
      });
    }
    for (const list of out.values()) if (Array.isArray(list)) list.sort((x, y) => x.raisedAt.getTime() - y.raisedAt.getTime());
    return out;
  }

  /** One call answers the whole month (a row per day) of up to 100 stations, each in its own zone. */
  private async monthSeries(refs: PlantRef[], month: string, o?: { maxWaitMs?: number }): Promise<PerPlant<DailyEnergy[]>> {
    // the backend puts collectTime into each plant's own zone; the 15th is inside the month in every zone
    const collectTime = startOfDayInZone(`${month}-15`, 'UTC').getTime();
    const { data } = await this.call(HUAWEI_PATHS.kpiDay, { stationCodes: codesOf(refs), collectTime }, HuaweiKpiDay, 'station day KPI', o);
    const out: PerPlant<DailyEnergy[]> = new Map(refs.map((r) => [r.vendorPlantId, []]));
    const zones = new Map(refs.map((r) => [r.vendorPlantId, timezoneOf(null, r)]));
    const refuse = this.refuser('station day KPI');
    for (const [i, row] of data.entries()) {
      const list = out.get(row.stationCode);
      const tz = zones.get(row.stationCode);
      if (!Array.isArray(list) || !tz) continue;
      // a row that cannot be stored fails its own plant, not the other plants of the call
      try {
        const date = dateInZone(readInstant(row.collectTime, `data[${i}].collectTime`, refuse)!, tz);
        const field = (name: string) => `data[${i}].dataItemMap.${name}`;
        const kwh = readNumber(row.dataItemMap.inverter_power, field('inverter_power'), refuse, { nonNegative: true })
          ?? readNumber(row.dataItemMap.PVYield, field('PVYield'), refuse, { nonNegative: true });
        if (date.startsWith(month) && kwh !== null) list.push({ date, kwh });
      } catch (e) {
        out.set(row.stationCode, toGridtwinError(e));
      }
    }
    for (const list of out.values()) if (Array.isArray(list)) list.sort((a, b) => a.date.localeCompare(b.date));
    return out;
  }

  private toSummary(ref: PlantRef, row: RealKpiRow, serverTime: number | null): PlantSummary {
    const m = row.dataItemMap;
    const refuse = this.refuser('station real KPI');
    const today = readNumber(m.day_power, 'dataItemMap.day_power', refuse, { nonNegative: true });
    if (today === null) throw refuse('dataItemMap.day_power', 'missing');
    const disconnected = String(m.real_health_state) === '1';
    return {
      vendorPlantId: ref.vendorPlantId,
      currentPowerW: null,
      todayEnergyKwh: today,
      totalEnergyKwh: readNumber(m.total_power, 'dataItemMap.total_power', refuse, { nonNegative: true }),
      // station KPIs carry no data timestamp: a connected plant is current as of the server's time
      lastSeenAt: disconnected ? null : readInstant(serverTime, 'params.currentTime', refuse),
      timezone: timezoneOf(null, ref),
    };
  }

  private refuser(operation: string): Refuse {
    return (field, problem) => invalidData({ brand: this.brand, operation, vendorMessage: field }, `${field}: ${problem}`);
  }

  private notInAnswer(code: string, operation: string): GridtwinError {
    return new GridtwinError(ErrorCode.NOT_FOUND, `HUAWEI station ${code} not in the ${operation} answer`, { details: { brand: this.brand, stationCode: code } });
  }

  /** The session token, renewed before the 30 minutes it is valid (reference V6 §6.1.1) so calls do not meet a 305. */
  private login(): Promise<string> {
    const current = this.token;
    if (!current) return this.renew(null);
    return current.then((t) => (this.now().getTime() - t.at < XSRF_RENEW_AFTER_MS ? t.value : this.renew(current)), () => this.renew(current));
  }

  private renew(stale: Promise<{ value: string; at: number }> | null): Promise<string> {
    if (this.token !== stale) return this.login();
    const at = this.now().getTime();
    const made = this.pace('login', async () => {
      const op = 'login';
      const body = JSON.stringify({ userName: this.credentials.userName, systemCode: this.credentials.systemCode });
      const res = await this.http.post(this.baseUrl + HUAWEI_PATHS.login, op, { 'Content-Type': 'application/json', Accept: 'application/json' }, body);
      const env = this.http.readJson(res, op, huaweiEnvelope(z.unknown()));
      const token = res.headers['xsrf-token'];
      this.refuseRateLimit(op, env);
      if (!env.success || typeof token !== 'string' || token === '') throw authFailed(this.failure(op, env));
      return { value: token, at };
    });
    this.token = made;
    made.catch(() => { if (this.token === made) this.token = null; });
    return made.then((t) => t.value);
  }

  private async call<S extends z.ZodType>(
    path: string, params: object, data: S, operation: string, o: { maxWaitMs?: number } = {}, relogged = false,
  ): Promise<{ data: z.infer<S>; serverTime: number | null }> {
    const token = await this.login();
    const answer: Answer<z.infer<S>> = await this.pace(operation, async () => {
      const res = await this.http.post(this.baseUrl + path, operation, { 'Content-Type': 'application/json', Accept: 'application/json', 'xsrf-token': token }, JSON.stringify(params));
      const env = this.http.readJson(res, operation, huaweiEnvelope(data));
      if (env.failCode === VENDOR_CODES.HUAWEI.relogin) return { relogin: true };
      this.refuseRateLimit(operation, env);
      if (!env.success || env.failCode !== 0) throw vendorError(this.failure(operation, env));
      if (env.data === undefined || env.data === null) throw invalidData({ brand: this.brand, operation }, 'success without data');
      return { relogin: false, data: env.data as z.infer<S>, serverTime: env.params?.currentTime ?? null };
    }, o);
    if (!answer.relogin) return { data: answer.data, serverTime: answer.serverTime };
    if (relogged) throw authFailed({ brand: this.brand, operation, vendorCode: VENDOR_CODES.HUAWEI.relogin, vendorMessage: 'session refused twice' });
    const current = this.token;
    if (current && (await current.catch(() => null))?.value === token) await this.renew(current);
    return this.call(path, params, data, operation, o, true);
  }

  /** 407: back off the interface for its documented window (its quota refills within one window). */
  private refuseRateLimit(operation: string, env: { failCode: number; message?: string | null }): void {
    if (env.failCode !== VENDOR_CODES.HUAWEI.rateLimited) return;
    const windowMs = HUAWEI_QUOTAS.find((q) => q.operation === operation)?.windowMs ?? MINUTE_MS;
    throw rateLimited(this.failure(operation, env), windowMs);
  }

  private failure(operation: string, env: { failCode: number; message?: string | null }) {
    return { brand: this.brand, operation, vendorCode: env.failCode, vendorMessage: env.message ?? undefined };
  }
}

const codesOf = (refs: PlantRef[]) => refs.map((r) => r.vendorPlantId).join(',');
