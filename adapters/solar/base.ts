import { toGridtwinError } from '../../core/errors';
import { VendorHttp } from './http';
import { ADAPTER_DEFAULTS, type AdapterCapabilities, type AdapterOptions, type ConnectionTest, type Pacer, type PlantInfo, type SolarBrand, type VendorAlarm } from './types';

/** What every adapter shares: testConnection as "can we list plants", and the since-filter on alarms. */
export async function testByListing(list: () => Promise<PlantInfo[]>): Promise<ConnectionTest> {
  try {
    const plants = await list();
    return { ok: true, plantCount: plants.length };
  } catch (e) {
    return { ok: false, error: toGridtwinError(e) };
  }
}

/** Vendors filter by day; the contract is "raised or cleared at or after since". */
export const changedSince = (alarms: VendorAlarm[], since: Date): VendorAlarm[] =>
  alarms
    .filter((a) => a.raisedAt >= since || (a.clearedAt !== null && a.clearedAt >= since))
    .sort((a, b) => a.raisedAt.getTime() - b.raisedAt.getTime());

export const timezoneOf = (vendorZone: string | null | undefined, ref: { timezone?: string }): string =>
  vendorZone || ref.timezone || 'UTC';

/**
 * The plumbing every vendor client shares: base URL, clock, the vendor HTTP client, capabilities,
 * testConnection as "can we list plants", close.
 */
export abstract class VendorAdapter {
  protected readonly http: VendorHttp;
  protected readonly baseUrl: string;
  protected readonly now: () => Date;
  private readonly pacer: Pacer | null;

  protected constructor(brand: SolarBrand, private readonly capabilities: AdapterCapabilities, opts: AdapterOptions, maxConcurrent = capabilities.maxConcurrentRequests) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.now = opts.now ?? (() => new Date());
    this.pacer = opts.pacer ?? null;
    this.http = new VendorHttp(brand, opts.timeoutMs ?? ADAPTER_DEFAULTS.timeoutMs, maxConcurrent);
  }

  abstract listPlants(): Promise<PlantInfo[]>;

  /** One HTTP exchange (request and reading its answer) through the credential's limiter. */
  protected pace<T>(operation: string, fn: () => Promise<T>, opts?: { maxWaitMs?: number }): Promise<T> {
    return this.pacer ? this.pacer.run(fn, operation, opts) : fn();
  }

  getCapabilities(): AdapterCapabilities {
    return structuredClone(this.capabilities);
  }

  testConnection(): Promise<ConnectionTest> {
    return testByListing(() => this.listPlants());
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
