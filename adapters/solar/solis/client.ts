import type { z } from 'zod';
import { VENDOR_CODES, authFailed, invalidData, vendorError } from '../errors';
import { VendorAdapter, changedSince, timezoneOf } from '../base';
import { readDay, readInstant, readNumber, readZone, type Refuse } from '../http';
import { dateInZone, HOUR_MS, monthsBetween, startOfDayInZone, zoneOffsetMs } from '../../../core/time';
import {
  type AdapterCapabilities, type AdapterOptions, type DailyEnergy, type DateRange, type PlantInfo,
  type PlantRef, type PlantSummary, type SolarAdapter, type SolisCredentials, type VendorAlarm,
} from '../types';
import {
  CAPACITY_TO_KWP, ENERGY_TO_KWH, POWER_TO_W, SOLIS_LEVEL_TO_SEVERITY, SolisAlarmPage, SolisMonth, SolisStationDetail, SolisStationPage,
  solisEnvelope,
} from './codec';
import { solisHeaders } from './signature';

/** SolisCloud platform API v2 (https://www.soliscloud.com:13333): signed POSTs, `{success, code, msg, data}`. */
export const SOLIS_PATHS = {
  stationList: '/v1/api/userStationList',
  stationDetail: '/v1/api/stationDetail',
  alarmList: '/v1/api/alarmList',
  stationMonth: '/v1/api/stationMonth',
} as const;

const CAPABILITIES: AdapterCapabilities = {
  // the public client throttles to 2 calls/s per key
  maxConcurrentRequests: 2,
  requestsPerMinute: 120,
  batchSize: 1,
  features: ['currentPower', 'totalEnergy', 'alarms', 'alarmClears', 'dailySeries', 'plantTimezone'],
};
const PAGE_SIZE = 100;

export class SolisAdapter extends VendorAdapter implements SolarAdapter {
  readonly brand = 'SOLIS' as const;

  constructor(private readonly credentials: SolisCredentials, opts: AdapterOptions) {
    super('SOLIS', CAPABILITIES, opts);
  }

  async listPlants(): Promise<PlantInfo[]> {
    const out: PlantInfo[] = [];
    for (let pageNo = 1; ; pageNo++) {
      const data = await this.call(SOLIS_PATHS.stationList, { pageNo, pageSize: PAGE_SIZE }, SolisStationPage, 'station list');
      const refuse = this.refuser('station list');
      data.page.records.forEach((s, i) => {
        const capacity = readNumber(s.capacity, `page.records[${i}].capacity`, refuse, { nonNegative: true });
        // assumed: no unit means kWp
        const factor = CAPACITY_TO_KWP[s.capacityStr ?? 'kWp'];
        if (capacity !== null && factor === undefined) {
          throw invalidData({ brand: this.brand, operation: 'station list', vendorMessage: `page.records[${i}].capacityStr` }, `page.records[${i}].capacityStr: unknown unit ${String(s.capacityStr)}`);
        }
        const vendorPlantId = String(s.id);
        out.push({ vendorPlantId, name: s.stationName || vendorPlantId, timezone: readZone(s.timeZoneStandardId, `page.records[${i}].timeZoneStandardId`, refuse), capacityKwp: capacity === null ? null : capacity * factor! });
      });
      if (data.page.records.length < PAGE_SIZE || out.length >= data.page.total) return out;
    }
  }

  /**
   * Every field of the station detail is optional in the V2.0 doc: a missing `allEnergy` or `power` is null,
   * a missing `dataTimestamp` an undated reading; only a missing `dayEnergy` (what the poll stores) or a unit
   * we cannot convert refuses the answer, naming the field.
   */
  async getPlantSummary(ref: PlantRef): Promise<PlantSummary> {
    const op = 'station detail';
    const d = await this.call(SOLIS_PATHS.stationDetail, { id: ref.vendorPlantId }, SolisStationDetail, op);
    const refuse = this.refuser(op);
    const scaled = (value: unknown, field: string, unitField: string, u: string | null | undefined, table: Record<string, number>, fallback: string) => {
      // energy is never negative; power may be (assumed: a plant drawing at night)
      const n = readNumber(value, field, refuse, { nonNegative: table === ENERGY_TO_KWH });
      if (n === null) return null;
      const f = table[u ?? fallback];
      if (f === undefined) throw refuse(unitField, `unknown unit ${String(u)}`);
      return n * f;
    };
    const today = scaled(d.dayEnergy, 'dayEnergy', 'dayEnergyStr', d.dayEnergyStr, ENERGY_TO_KWH, 'kWh');
    if (today === null) throw refuse('dayEnergy', 'missing');
    const power = scaled(d.power, 'power', 'powerStr', d.powerStr, POWER_TO_W, 'kW');
    const ts = readNumber(d.dataTimestamp, 'dataTimestamp', refuse);
    return {
      vendorPlantId: ref.vendorPlantId,
      currentPowerW: power === null ? null : Math.round(power),
      todayEnergyKwh: today,
      totalEnergyKwh: scaled(d.allEnergy, 'allEnergy', 'allEnergyStr', d.allEnergyStr, ENERGY_TO_KWH, 'kWh'),
      lastSeenAt: readInstant(ts, 'dataTimestamp', refuse),
      timezone: timezoneOf(readZone(d.timeZoneStandardId, 'timeZoneStandardId', refuse), ref),
    };
  }

  async getAlarmsSince(ref: PlantRef, since: Date): Promise<VendorAlarm[]> {
    // assumed: the doc's yyyy-MM-dd alarmBeginTime/alarmEndTime are plant-local days (it names no zone)
    const tz = ref.timezone ?? 'UTC';
    const body = (pageNo: number) => ({
      pageNo, pageSize: PAGE_SIZE, stationId: ref.vendorPlantId,
      alarmBeginTime: dateInZone(since, tz), alarmEndTime: dateInZone(this.now(), tz),
    });
    const out: VendorAlarm[] = [];
    for (let pageNo = 1; ; pageNo++) {
      const data = await this.call(SOLIS_PATHS.alarmList, body(pageNo), SolisAlarmPage, 'alarm list');
      const refuse = this.refuser('alarm list');
      data.records.forEach((a, i) => {
        const field = (name: string) => `records[${i}].${name}`;
        // without a code or a start the alarm cannot be stored truthfully (dedupe key, first seen)
        if (a.alarmCode === undefined || a.alarmCode === null || a.alarmCode === '') throw refuse(field('alarmCode'), 'missing');
        const begin = readInstant(readNumber(a.alarmBeginTime, field('alarmBeginTime'), refuse), field('alarmBeginTime'), refuse);
        if (begin === null) throw refuse(field('alarmBeginTime'), 'missing');
        const end = readNumber(a.alarmEndTime, field('alarmEndTime'), refuse);
        out.push({
          vendorAlarmCode: String(a.alarmCode),
          deviceSn: a.alarmDeviceSn || null,
          severity: SOLIS_LEVEL_TO_SEVERITY[String(a.alarmLevel) as keyof typeof SOLIS_LEVEL_TO_SEVERITY] ?? 'INFO',
          message: a.alarmMsg || `alarm ${a.alarmCode}`,
          raisedAt: begin,
          clearedAt: String(a.state) === '2' && end ? readInstant(end, field('alarmEndTime'), refuse) : null,
        });
      });
      const total = data.total ?? null;
      if (data.records.length < PAGE_SIZE || (total !== null && pageNo * PAGE_SIZE >= total)) break;
    }
    return changedSince(out, since);
  }

  async getDailyEnergySeries(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]> {
    const out: DailyEnergy[] = [];
    const tz = ref.timezone ?? 'UTC';
    for (const month of monthsBetween(range.from, range.to)) {
      // timeZone is required by the doc (§4.8): the plant's UTC offset in hours at the start of the month
      const timeZone = zoneOffsetMs(startOfDayInZone(`${month}-01`, tz), tz) / HOUR_MS;
      const rows = await this.call(SOLIS_PATHS.stationMonth, { id: ref.vendorPlantId, month, money: 'EUR', timeZone }, SolisMonth, 'station month');
      const refuse = this.refuser('station month');
      rows.forEach((r, i) => {
        const date = readDay(r.dateStr.slice(0, 10), `[${i}].dateStr`, refuse);
        if (date < range.from || date > range.to) return;
        const kwh = readNumber(r.energy, `[${i}].energy`, refuse, { nonNegative: true });
        if (kwh === null) return;
        // an unknown unit would store a wrong value (it was read as kWh); no unit is kWh (assumed)
        const factor = ENERGY_TO_KWH[r.energyStr ?? 'kWh'];
        if (factor === undefined) throw invalidData({ brand: this.brand, operation: 'station month', vendorMessage: `[${i}].energyStr` }, `[${i}].energyStr: unknown unit ${String(r.energyStr)}`);
        out.push({ date, kwh: kwh * factor });
      });
    }
    return out.sort((a, b) => a.date.localeCompare(b.date));
  }


  private refuser(operation: string): Refuse {
    return (field, problem) => invalidData({ brand: this.brand, operation, vendorMessage: field }, `${field}: ${problem}`);
  }

  private call<S extends z.ZodType>(path: string, params: object, data: S, operation: string): Promise<z.infer<S>> {
    return this.pace(operation, () => this.exchange(path, params, data, operation));
  }

  private async exchange<S extends z.ZodType>(path: string, params: object, data: S, operation: string): Promise<z.infer<S>> {
    const body = JSON.stringify(params);
    // signed when sent, not when queued: the Date header must be within 15 minutes of the vendor's clock
    const headers = solisHeaders(this.credentials.keyId, this.credentials.keySecret, path, body, this.now());
    const res = await this.http.post(this.baseUrl + path, operation, headers, body);
    if (res.status === VENDOR_CODES.SOLIS.clockSkewHttpStatus) {
      throw authFailed({ brand: this.brand, operation, httpStatus: res.status, vendorMessage: 'Date header too far from server time' });
    }
    const env = this.http.readJson(res, operation, solisEnvelope(data));
    if (String(env.code) !== '0' || env.success === false) {
      throw vendorError({ brand: this.brand, operation, vendorCode: String(env.code), vendorMessage: env.msg ?? undefined });
    }
    if (env.data === undefined || env.data === null) throw invalidData({ brand: this.brand, operation }, 'success without data');
    return env.data as z.infer<S>;
  }
}
