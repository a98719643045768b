import { z } from 'zod';
import { ErrorCode, GridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';

/**
 * The solar vendor adapter contract. Core code (plant actors, registry) imports only this file and
 * `index.ts`; each vendor folder holds the real client and the HTTP simulator of that vendor's cloud.
 * One adapter instance serves one credential (one vendor account).
 */
export const SOLAR_BRANDS = ['SOLIS', 'HUAWEI', 'GOODWE', 'DEYE'] as const;
export type SolarBrand = (typeof SOLAR_BRANDS)[number];

/** The seed calls Deye `DELE`; both spellings (any case) name the same brand. */
const BRAND_ALIASES: Record<string, SolarBrand> = {
  SOLIS: 'SOLIS', HUAWEI: 'HUAWEI', FUSIONSOLAR: 'HUAWEI', GOODWE: 'GOODWE', SEMS: 'GOODWE', DEYE: 'DEYE', DELE: 'DEYE',
};

export function normalizeBrand(input: string): SolarBrand {
  const brand = BRAND_ALIASES[input.trim().toUpperCase()];
  if (!brand) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `unknown solar brand: ${input}`, { details: { brand: input } });
  return brand;
}

/** How the core names a plant to an adapter. `timezone` is the registry's IANA zone, used when the vendor does not say. */
export interface PlantRef {
  vendorPlantId: string;
  timezone?: string;
}

export interface PlantInfo {
  vendorPlantId: string;
  name: string;
  /** IANA zone when the vendor reports one; null when the registry must supply it (FusionSolar, SEMS). */
  timezone: string | null;
  capacityKwp: number | null;
}

export interface PlantSummary {
  vendorPlantId: string;
  /** Null when the vendor's plant-level API has no instantaneous power (FusionSolar station KPIs). */
  currentPowerW: number | null;
  todayEnergyKwh: number;
  /** Null when the vendor's plant-level API has no lifetime total (Deye station/latest). */
  totalEnergyKwh: number | null;
  /** When the vendor last heard from the plant; null when it cannot say (e.g. a disconnected FusionSolar plant). */
  lastSeenAt: Date | null;
  timezone: string;
}

export type AlarmSeverity = 'CRITICAL' | 'MAJOR' | 'MINOR' | 'INFO';

export interface VendorAlarm {
  vendorAlarmCode: string;
  deviceSn: string | null;
  severity: AlarmSeverity;
  message: string;
  raisedAt: Date;
  clearedAt: Date | null;
}

export interface DailyEnergy {
  /** YYYY-MM-DD in the plant's timezone. */
  date: string;
  kwh: number;
}

export interface DateRange {
  /** Inclusive plant-local dates, YYYY-MM-DD. */
  from: string;
  to: string;
}

export type SolarFeature =
  | 'currentPower'
  | 'totalEnergy'
  | 'alarms'
  /** The vendor reports clears (clearedAt); otherwise its alarm list holds only active alarms. */
  | 'alarmClears'
  | 'dailySeries'
  /** getPlantSummary calls made together are coalesced into one vendor call of up to batchSize plants. */
  | 'batchedSummary'
  | 'plantTimezone';

/**
 * A vendor's own quota for one operation: `calls + ceil(stations / perStations)` requests per `windowMs`
 * (FusionSolar: per interface and per account, growing with the account's plants).
 */
export interface VendorQuota {
  operation: string;
  calls: number;
  perStations?: number;
  windowMs: number;
}

export interface AdapterCapabilities {
  maxConcurrentRequests: number;
  requestsPerMinute: number;
  /** Plants per vendor call where the API takes several (1 = one plant per call). */
  batchSize: number;
  features: SolarFeature[];
  /** Per-operation quotas on top of requestsPerMinute (none: only the per-minute limit applies). */
  quotas?: VendorQuota[];
}

/** Paces every HTTP request of an adapter (the credential's limiter); `operation` names the vendor interface. */
export interface Pacer {
  run<T>(fn: () => Promise<T>, operation?: string, opts?: { maxWaitMs?: number }): Promise<T>;
}

/** What a multi-plant answer holds for each plant: its value, or why it has none. */
export type PerPlant<T> = Map<string, T | GridtwinError>;

export type ConnectionTest = { ok: true; plantCount: number } | { ok: false; error: GridtwinError };

export interface SolarAdapter {
  readonly brand: SolarBrand;
  /** Never throws: a failed login or call is returned as a typed error. */
  testConnection(): Promise<ConnectionTest>;
  listPlants(): Promise<PlantInfo[]>;
  getPlantSummary(ref: PlantRef): Promise<PlantSummary>;
  /** Alarms raised at or after `since`, plus those the vendor reports cleared since then. */
  getAlarmsSince(ref: PlantRef, since: Date): Promise<VendorAlarm[]>;
  /** One row per plant-local day in the range that the vendor has data for, ascending. */
  getDailyEnergySeries(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]>;
  getCapabilities(): AdapterCapabilities;
  /** Releases sockets and timers. */
  close(): Promise<void>;
  /** Vendors whose API takes up to `batchSize` plants per call (FusionSolar) answer for many plants at once. */
  readonly multi?: MultiPlantReads;
}

/** One vendor request per call, for up to `batchSize` plants; `opts.maxWaitMs` is handed to the pacer. */
export interface MultiPlantReads {
  summaries(refs: PlantRef[], opts?: { maxWaitMs?: number }): Promise<PerPlant<PlantSummary>>;
  /** Every alarm the vendor holds open for those plants (the vendor lists open alarms only). */
  openAlarms(refs: PlantRef[], opts?: { maxWaitMs?: number }): Promise<PerPlant<VendorAlarm[]>>;
  /** The plant-local days of one calendar month (`YYYY-MM`) that the vendor has. */
  monthSeries(refs: PlantRef[], month: string, opts?: { maxWaitMs?: number }): Promise<PerPlant<DailyEnergy[]>>;
}

export interface AdapterOptions {
  baseUrl: string;
  timeoutMs?: number;
  logger?: Logger;
  /** Clock for token expiry and "today"; tests pin it. */
  now?: () => Date;
  /** The credential's limiter; every HTTP request goes through it. None: requests are sent unpaced. */
  pacer?: Pacer;
}

export const ADAPTER_DEFAULTS = { timeoutMs: 15_000 } as const;

export const SolisCredentialsSchema = z.object({ keyId: z.string().min(1), keySecret: z.string().min(1) });
export const HuaweiCredentialsSchema = z.object({ userName: z.string().min(1), systemCode: z.string().min(1) });
export const GoodweCredentialsSchema = z.object({ account: z.string().min(1), password: z.string().min(1) });
export const DeyeCredentialsSchema = z.object({
  appId: z.string().min(1),
  appSecret: z.string().min(1),
  /** Deye accepts an e-mail or a user name as the login. */
  login: z.string().min(1),
  password: z.string().min(1),
  companyId: z.string().optional(),
});

export type SolisCredentials = z.infer<typeof SolisCredentialsSchema>;
export type HuaweiCredentials = z.infer<typeof HuaweiCredentialsSchema>;
export type GoodweCredentials = z.infer<typeof GoodweCredentialsSchema>;
export type DeyeCredentials = z.infer<typeof DeyeCredentialsSchema>;

export interface CredentialsByBrand {
  SOLIS: SolisCredentials;
  HUAWEI: HuaweiCredentials;
  GOODWE: GoodweCredentials;
  DEYE: DeyeCredentials;
}

export const CREDENTIAL_SCHEMAS = {
  SOLIS: SolisCredentialsSchema,
  HUAWEI: HuaweiCredentialsSchema,
  GOODWE: GoodweCredentialsSchema,
  DEYE: DeyeCredentialsSchema,
} as const;
