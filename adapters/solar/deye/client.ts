import type { z } from 'zod';
import { VendorAdapter, changedSince } from '../base';
import { VENDOR_CODES, authFailed, invalidData, vendorError } from '../errors';
import { num, readDay, readInstant, readNumber, readZone, type Refuse } from '../http';
import { addDays, dateInZone } from '../../../core/time';
import {
  type AdapterCapabilities, type AdapterOptions, type DailyEnergy, type DateRange, type DeyeCredentials,
  type PlantInfo, type PlantRef, type PlantSummary, type SolarAdapter, type VendorAlarm,
} from '../types';
import { DEYE_LEVEL_TO_SEVERITY, DEYE_MAX_ALERT_WINDOW_DAYS, DEYE_MAX_HISTORY_DAYS, DeyeAlerts, DeyeHistory, DeyeStationLatest, DeyeStationList, DeyeStatus, DeyeToken, deyePasswordHash } from './codec';

/**
 * Deye Cloud OpenAPI v1.0 (the seed's `DELE`): a bearer token from appId/appSecret plus the account login
 * and the SHA-256 of its password; station list/latest/history and the station alert list. An expired token
 * answers HTTP 200 with success:false and code 2101019 "auth invalid token" (botnick/deyecloud src/worker/deye.ts),
 * or HTTP 401, or (botnick) the same body with HTTP 500: one fresh token, one retry.
 * `station/history` treats `endAt` as exclusive.
 */
export const DEYE_PATHS = {
  token: '/v1.0/account/token',
  stations: '/v1.0/station/list',
  latest: '/v1.0/station/latest',
  history: '/v1.0/station/history',
  alerts: '/v1.0/station/alertList',
} as const;

const CAPABILITIES: AdapterCapabilities = {
  maxConcurrentRequests: 4,
  requestsPerMinute: 120,
  batchSize: 1,
  features: ['currentPower', 'alarms', 'alarmClears', 'dailySeries', 'plantTimezone'],
};
const PAGE_SIZE = 100;

export class DeyeAdapter extends VendorAdapter implements SolarAdapter {
  readonly brand = 'DEYE' as const;
  private token: Promise<{ value: string; expiresAt: number }> | null = null;
  private zones: Map<string, string> | null = null;

  constructor(private readonly credentials: DeyeCredentials, opts: AdapterOptions) {
    super('DEYE', CAPABILITIES, opts);
  }

  async listPlants(): Promise<PlantInfo[]> {
    const out: PlantInfo[] = [];
    for (let page = 1; ; page++) {
      const data = await this.call(DEYE_PATHS.stations, { page, size: PAGE_SIZE }, DeyeStationList, 'station list');
      const refuse = this.refuser('station list');
      data.stationList.forEach((s, i) => {
        const vendorPlantId = String(s.id ?? s.stationId);
        out.push({ vendorPlantId, name: s.name ?? s.stationName ?? vendorPlantId, timezone: readZone(s.regionTimezone, `stationList[${i}].regionTimezone`, refuse), capacityKwp: readNumber(s.installedCapacity, `stationList[${i}].installedCapacity`, refuse, { nonNegative: true }) });
      });
      if (data.stationList.length < PAGE_SIZE || (typeof data.total === 'number' && out.length >= data.total)) break;
    }
    this.zones = new Map(out.flatMap((p) => (p.timezone ? [[p.vendorPlantId, p.timezone] as const] : [])));
    return out;
  }

  async getPlantSummary(ref: PlantRef): Promise<PlantSummary> {
    const op = 'station latest';
    const tz = await this.zoneOf(ref);
    const latest = await this.call(DEYE_PATHS.latest, { stationId: Number(ref.vendorPlantId) }, DeyeStationLatest, op);
    const refuse = this.refuser(op);
    const power = readNumber(latest.generationPower, 'generationPower', refuse);
    if (power === null) throw refuse('generationPower', 'missing');
    const seconds = readNumber(latest.lastUpdateTime, 'lastUpdateTime', refuse);
    const updated = readInstant(seconds === null ? null : seconds * 1000, 'lastUpdateTime', refuse);
    if (updated === null) throw refuse('lastUpdateTime', 'missing');
    // The day the data belongs to is the plant-local day of the vendor's last update (not our clock's): just
    // after midnight, before the plant reports again, "today" is still yesterday's total.
    const day = dateInZone(new Date(Math.min(updated.getTime(), this.now().getTime())), tz);
    const [row] = await this.history(ref, day, day);
    return {
      vendorPlantId: ref.vendorPlantId,
      currentPowerW: power,
      todayEnergyKwh: row?.kwh ?? 0,
      totalEnergyKwh: null,
      lastSeenAt: updated,
      timezone: tz,
    };
  }

  async getAlarmsSince(ref: PlantRef, since: Date): Promise<VendorAlarm[]> {
    const op = 'alert list';
    const out: VendorAlarm[] = [];
    const end = Math.ceil(this.now().getTime() / 1000);
    // the vendor refuses a window over 180 days: an older `since` is cut to the last 180 days
    const start = Math.max(Math.floor(since.getTime() / 1000), end - DEYE_MAX_ALERT_WINDOW_DAYS * 86_400);
    for (let page = 1; ; page++) {
      const body = { stationId: Number(ref.vendorPlantId), startTimestamp: start, endTimestamp: end, page, size: PAGE_SIZE };
      const data = await this.call(DEYE_PATHS.alerts, body, DeyeAlerts, op);
      const items = data.stationAlertItems ?? [];
      const refuse = this.refuser(op);
      items.forEach((a, i) => {
        const field = (name: string) => `stationAlertItems[${i}].${name}`;
        // assumed: `alertCode` when sent, else the alert's name, which leads with the code ("F56 DC_VoltLow_Fault")
        const code = a.alertCode ?? a.alertName;
        if (code === null || code === undefined || code === '') throw invalidData({ brand: this.brand, operation: op, vendorMessage: field('alertCode') }, `${field('alertCode')} and alertName missing`);
        const startedAt = readNumber(a.alertStartTime, field('alertStartTime'), refuse);
        if (startedAt === null || startedAt <= 0) throw refuse(field('alertStartTime'), `unreadable: ${String(a.alertStartTime)}`);
        const endedAt = readNumber(a.alertEndTime, field('alertEndTime'), refuse);
        out.push({
          vendorAlarmCode: String(code),
          deviceSn: a.deviceSn || null,
          severity: DEYE_LEVEL_TO_SEVERITY[a.level as keyof typeof DEYE_LEVEL_TO_SEVERITY] ?? 'INFO',
          message: a.alertName ?? `alert ${String(code)}`,
          raisedAt: readInstant(startedAt * 1000, field('alertStartTime'), refuse)!,
          clearedAt: endedAt !== null && endedAt > 0 ? readInstant(endedAt * 1000, field('alertEndTime'), refuse) : null,
        });
      });
      if (items.length < PAGE_SIZE || (typeof data.total === 'number' && page * PAGE_SIZE >= data.total)) break;
    }
    return changedSince(out, since);
  }

  async getDailyEnergySeries(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]> {
    const out: DailyEnergy[] = [];
    for (let from = range.from; from <= range.to; from = addDays(from, DEYE_MAX_HISTORY_DAYS)) {
      const last = addDays(from, DEYE_MAX_HISTORY_DAYS - 1);
      out.push(...(await this.history(ref, from, last < range.to ? last : range.to)));
    }
    return out;
  }

  /** Inclusive plant-local days `from..to`; the vendor's `endAt` is exclusive, so it is the day after `to`. */
  private async history(ref: PlantRef, from: string, to: string): Promise<DailyEnergy[]> {
    const body = { stationId: Number(ref.vendorPlantId), granularity: 2, startAt: from, endAt: addDays(to, 1) };
    const data = await this.call(DEYE_PATHS.history, body, DeyeHistory, 'station history');
    const two = (n: number) => String(n).padStart(2, '0');
    const refuse = this.refuser('station history');
    return data.stationDataItems
      .map((item, i) => {
        const date = readDay(`${item.year}-${two(item.month)}-${two(item.day)}`, `stationDataItems[${i}].year/month/day`, refuse);
        const inRange = date >= from && date <= to;
        return { date, kwh: inRange ? readNumber(item.generationValue, `stationDataItems[${i}].generationValue`, refuse, { nonNegative: true }) : null };
      })
      .filter((d): d is DailyEnergy => d.kwh !== null)
      .sort((a, b) => a.date.localeCompare(b.date));
  }

  private refuser(operation: string): Refuse {
    return (field, problem) => invalidData({ brand: this.brand, operation, vendorMessage: field }, `${field}: ${problem}`);
  }

  private async zoneOf(ref: PlantRef): Promise<string> {
    if (ref.timezone) return ref.timezone;
    if (!this.zones) await this.listPlants();
    return this.zones?.get(ref.vendorPlantId) ?? 'UTC';
  }

  private async bearer(): Promise<string> {
    const current = this.token ? await this.token.catch(() => null) : null;
    if (current && current.expiresAt > this.now().getTime()) return current.value;
    this.token = this.pace('token', async () => {
      const op = 'token';
      const c = this.credentials;
      const login = c.login.includes('@') ? { email: c.login } : { username: c.login };
      const body = JSON.stringify({ appSecret: c.appSecret, ...login, password: deyePasswordHash(c.password), ...(c.companyId ? { companyId: c.companyId } : {}) });
      const res = await this.http.post(`${this.baseUrl}${DEYE_PATHS.token}?appId=${encodeURIComponent(c.appId)}`, op, { 'Content-Type': 'application/json' }, body);
      if (res.status === 200) {
        const status = this.http.readJson(res, op, DeyeStatus);
        if (!status.success) throw authFailed({ brand: this.brand, operation: op, vendorCode: String(status.code), vendorMessage: status.msg ?? undefined });
      }
      const t = this.http.readJson(res, op, DeyeToken);
      // refresh a minute early; the default lifetime is 60 days
      const ttlMs = (num(t.expiresIn) ?? 3600) * 1000 - 60_000;
      return { value: t.accessToken, expiresAt: this.now().getTime() + ttlMs };
    }).catch((e: unknown) => { this.token = null; throw e; });
    return (await this.token).value;
  }

  private async call<S extends z.ZodType>(path: string, params: object, schema: S, operation: string, retried = false): Promise<z.infer<S>> {
    const token = await this.bearer();
    const answer = await this.pace(operation, async () => {
      const res = await this.http.post(this.baseUrl + path, operation, { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, JSON.stringify(params));
      if (res.status === 401) return { expired: true as const, vendorCode: '401' };
      // botnick/deyecloud src/worker/deye.ts @48804089 also meets the invalid-token code on an HTTP 500 answer
      const refused = res.status !== 200 ? invalidTokenCode(res.text) : undefined;
      if (refused) return { expired: true as const, vendorCode: refused };
      if (res.status !== 200) return { expired: false as const, data: this.http.readJson(res, operation, schema) };
      const status = this.http.readJson(res, operation, DeyeStatus);
      const code = status.code === undefined ? undefined : String(status.code);
      // an expired token is a success:false answer with HTTP 200, not a 401
      if (!status.success && code !== undefined && VENDOR_CODES.DEYE.tokenInvalid.includes(code)) return { expired: true as const, vendorCode: code };
      if (!status.success || (code !== undefined && code !== VENDOR_CODES.DEYE.success)) {
        throw vendorError({ brand: this.brand, operation, vendorCode: code, vendorMessage: status.msg ?? undefined });
      }
      return { expired: false as const, data: this.http.readJson(res, operation, schema) };
    });
    if (!answer.expired) return answer.data as z.infer<S>;
    if (retried) throw authFailed({ brand: this.brand, operation, vendorCode: answer.vendorCode, vendorMessage: 'token refused twice' });
    if (this.token && (await this.token.catch(() => null))?.value === token) this.token = null;
    return this.call(path, params, schema, operation, true);
  }
}

/** The invalid-token code in a non-200 answer's JSON body, if it carries one. */
function invalidTokenCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown } | null)?.code;
    return code !== undefined && code !== null && VENDOR_CODES.DEYE.tokenInvalid.includes(String(code)) ? String(code) : undefined;
  } catch {
    return undefined;
  }
}
