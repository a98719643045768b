import { z } from 'zod';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { VendorAdapter, changedSince, timezoneOf } from '../base';
import { createBatcher } from '../batcher';
import { DEFAULT_RETRY_AFTER_MS, VENDOR_CODES, authFailed, invalidData, rateLimited, vendorError } from '../errors';
import { num } from '../http';
import { dateInZone, monthsBetween, startOfDayInZone } from '../time';
import {
  type AdapterCapabilities, type AdapterOptions, type DailyEnergy, type DateRange, type HuaweiCredentials,
  type PlantInfo, type PlantRef, type PlantSummary, type SolarAdapter, type VendorAlarm,
} from '../types';
import { HUAWEI_LEVEL_TO_SEVERITY, HuaweiAlarms, HuaweiKpiDay, HuaweiRealKpi, HuaweiStationPage, huaweiEnvelope } from './codec';

/**
 * Huawei FusionSolar northbound (SmartPVMS "thirdData"): login with userName/systemCode returns an
 * `xsrf-token` header sent on every call; failCode 305 = session gone (log in again, retry once);
 * 407 = ACCESS_FREQUENCY_IS_TOO_HIGH. KPI calls take up to 100 station codes, so concurrent
 * getPlantSummary calls are coalesced into one getStationRealKpi.
 */
export const HUAWEI_PATHS = {
  login: '/thirdData/login',
  stations: '/thirdData/stations',
  realKpi: '/thirdData/getStationRealKpi',
  alarms: '/thirdData/getAlarmList',
  kpiDay: '/thirdData/getKpiStationDay',
} as const;

export const HUAWEI_MAX_STATIONS_PER_CALL = 100;

const CAPABILITIES: AdapterCapabilities = {
  // northbound limits are per interface and strict: one call at a time, a few per minute
  maxConcurrentRequests: 1,
  requestsPerMinute: 30,
  batchSize: HUAWEI_MAX_STATIONS_PER_CALL,
  features: ['totalEnergy', 'alarms', 'dailySeries', 'batchedSummary'],
};

type RealKpiRow = z.infer<typeof HuaweiRealKpi>[number];

export class HuaweiAdapter extends VendorAdapter implements SolarAdapter {
  readonly brand = 'HUAWEI' as const;
  private token: Promise<string> | null = null;
  private readonly realKpi: (code: string) => Promise<{ row: RealKpiRow; serverTime: number | null }>;

  constructor(private readonly credentials: HuaweiCredentials, opts: AdapterOptions & { batchWindowMs?: number }) {
    super('HUAWEI', CAPABILITIES, opts, 2);
    this.realKpi = createBatcher(
      async (codes) => {
        const env = await this.call(HUAWEI_PATHS.realKpi, { stationCodes: codes.join(',') }, HuaweiRealKpi, 'station real KPI');
        return new Map(env.data.map((row) => [row.stationCode, { row, serverTime: env.serverTime }]));
      },
      (code) => new GridtwinError(ErrorCode.NOT_FOUND, `HUAWEI station ${code} not in the real KPI answer`, { details: { brand: this.brand, stationCode: code } }),
      { maxBatch: HUAWEI_MAX_STATIONS_PER_CALL, windowMs: opts.batchWindowMs ?? 20 },
    );
  }

  async listPlants(): Promise<PlantInfo[]> {
    const out: PlantInfo[] = [];
    for (let pageNo = 1; ; pageNo++) {
      const { data } = await this.call(HUAWEI_PATHS.stations, { pageNo, pageSize: 100 }, HuaweiStationPage, 'station list');
      for (const s of data.list) out.push({ vendorPlantId: s.plantCode, name: s.plantName, timezone: null, capacityKwp: num(s.capacity) });
      if (pageNo >= data.pageCount) return out;
    }
  }

  async getPlantSummary(ref: PlantRef): Promise<PlantSummary> {
    const { row, serverTime } = await this.realKpi(ref.vendorPlantId);
    const m = row.dataItemMap;
    const today = num(m.day_power);
    if (today === null) throw invalidData({ brand: this.brand, operation: 'station real KPI' }, 'day_power missing');
    const disconnected = String(m.real_health_state) === '1';
    return {
      vendorPlantId: ref.vendorPlantId,
      currentPowerW: null,
      todayEnergyKwh: today,
      totalEnergyKwh: num(m.total_power),
      // station KPIs carry no data timestamp: a connected plant is current as of the server's time
      lastSeenAt: disconnected || serverTime === null ? null : new Date(serverTime),
      timezone: timezoneOf(null, ref),
    };
  }

  async getAlarmsSince(ref: PlantRef, since: Date): Promise<VendorAlarm[]> {
    const body = { stationCodes: ref.vendorPlantId, beginTime: since.getTime(), endTime: this.now().getTime(), language: 'en_US' };
    const { data } = await this.call(HUAWEI_PATHS.alarms, body, HuaweiAlarms, 'alarm list');
    const alarms = data.filter((a) => a.stationCode === ref.vendorPlantId).map((a): VendorAlarm => ({
      vendorAlarmCode: String(a.alarmId),
      deviceSn: a.esnCode || null,
      severity: HUAWEI_LEVEL_TO_SEVERITY[a.lev as keyof typeof HUAWEI_LEVEL_TO_SEVERITY] ?? 'INFO',
      message: a.alarmName ?? `alarm ${a.alarmId}`,
      raisedAt: new Date(a.raiseTime),
      // getAlarmList lists active alarms only: a clear shows as absence (feature 'alarmClears' is off)
      clearedAt: null,
    }));
    return changedSince(alarms, since);
  }

  async getDailyEnergySeries(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]> {
    const tz = timezoneOf(null, ref);
    const out: DailyEnergy[] = [];
    for (const month of monthsBetween(range.from, range.to)) {
      // one call answers the whole month (a row per day) of up to 100 stations
      const collectTime = startOfDayInZone(`${month}-01`, tz).getTime();
      const { data } = await this.call(HUAWEI_PATHS.kpiDay, { stationCodes: ref.vendorPlantId, collectTime }, HuaweiKpiDay, 'station day KPI');
      for (const row of data) {
        if (row.stationCode !== ref.vendorPlantId) continue;
        const date = dateInZone(new Date(row.collectTime), tz);
        const kwh = num(row.dataItemMap.inverter_power) ?? num(row.dataItemMap.PVYield);
        if (date >= range.from && date <= range.to && kwh !== null) out.push({ date, kwh });
      }
    }
    return out.sort((a, b) => a.date.localeCompare(b.date));
  }


  private login(): Promise<string> {
    this.token ??= (async () => {
      const op = 'login';
      const body = JSON.stringify({ userName: this.credentials.userName, systemCode: this.credentials.systemCode });
      const res = await this.http.post(this.baseUrl + HUAWEI_PATHS.login, op, { 'Content-Type': 'application/json', Accept: 'application/json' }, body);
      const env = this.http.readJson(res, op, huaweiEnvelope(z.unknown()));
      const token = res.headers['xsrf-token'];
      if (env.failCode === VENDOR_CODES.HUAWEI.rateLimited) throw rateLimited(this.failure(op, env), DEFAULT_RETRY_AFTER_MS);
      if (!env.success || typeof token !== 'string' || token === '') throw authFailed(this.failure(op, env));
      return token;
    })().catch((e) => { this.token = null; throw e; });
    return this.token;
  }

  private async call<S extends z.ZodType>(path: string, params: object, data: S, operation: string, relogged = false): Promise<{ data: z.infer<S>; serverTime: number | null }> {
    const token = await this.login();
    const res = await this.http.post(this.baseUrl + path, operation, { 'Content-Type': 'application/json', Accept: 'application/json', 'xsrf-token': token }, JSON.stringify(params));
    const env = this.http.readJson(res, operation, huaweiEnvelope(data));
    if (env.failCode === VENDOR_CODES.HUAWEI.relogin) {
      if (relogged) throw authFailed(this.failure(operation, env));
      if (this.token) {
        const current = await this.token.catch(() => null);
        if (current === token) this.token = null;
      }
      return this.call(path, params, data, operation, true);
    }
    if (env.failCode === VENDOR_CODES.HUAWEI.rateLimited) throw rateLimited(this.failure(operation, env), DEFAULT_RETRY_AFTER_MS);
    if (!env.success || env.failCode !== 0) throw vendorError(this.failure(operation, env));
    if (env.data === undefined || env.data === null) throw invalidData({ brand: this.brand, operation }, 'success without data');
    return { data: env.data as z.infer<S>, serverTime: env.params?.currentTime ?? null };
  }

  private failure(operation: string, env: { failCode: number; message?: string | null }) {
    return { brand: this.brand, operation, vendorCode: env.failCode, vendorMessage: env.message ?? undefined };
  }
}
