import {
  CredentialCipher, LimiterRegistry, createSolarAdapter, normalizeBrand,
  type AdapterCapabilities, type AdapterOptions, type CredentialLimiter, type DailyEnergy, type DateRange, type Pacer,
  type PlantRef, type PlantSummary, type SolarAdapter, type VendorAlarm,
} from '../../adapters/solar';
import { ErrorCode, GridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { CredentialRow } from '../../persistence';
import { SharedReads } from './sharedReads';

export type AdapterFactory = (brand: string, credentials: unknown, opts: Partial<AdapterOptions>) => SolarAdapter;

/**
 * The way from a plant's poll to its vendor: one adapter per credential, shared by every plant of that
 * credential, whose every HTTP request goes through the credential's limiter (concurrency, requests per
 * minute, the vendor's per-interface quotas). Where the vendor answers for up to 100 plants per call and
 * counts its quotas per account (FusionSolar), the plants' reads are shared (`SharedReads`).
 */
export class VendorGate {
  readonly caps: AdapterCapabilities;
  private readonly shared: SharedReads | null;

  constructor(readonly credentialId: string, readonly version: number, readonly adapter: SolarAdapter, readonly limiter: CredentialLimiter, shared: SharedReads | null) {
    this.caps = adapter.getCapabilities();
    this.shared = shared;
  }

  summary(ref: PlantRef): Promise<PlantSummary> {
    return this.shared ? this.shared.summary(ref) : this.adapter.getPlantSummary(ref);
  }

  alarms(ref: PlantRef, since: Date): Promise<VendorAlarm[]> {
    return this.shared ? this.shared.alarms(ref, since) : this.adapter.getAlarmsSince(ref, since);
  }

  series(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]> {
    return this.shared ? this.shared.series(ref, range) : this.adapter.getDailyEnergySeries(ref, range);
  }

  close(): Promise<void> {
    return this.adapter.close();
  }
}

export interface VendorGatesOptions {
  cipher: CredentialCipher | null;
  limiters?: LimiterRegistry;
  createAdapter?: AdapterFactory;
  /** The runtime clock, handed to adapters for token expiry and "today", and to the shared reads. */
  now: () => Date;
  timeoutMs?: number;
  logger?: Logger;
}

/** A pacer bound to a credential's limiter once the adapter (which declares the limits) exists. */
class LatePacer implements Pacer {
  limiter: CredentialLimiter | null = null;

  run<T>(fn: () => Promise<T>, operation?: string, opts?: { maxWaitMs?: number }): Promise<T> {
    if (!this.limiter) throw new GridtwinError(ErrorCode.INTERNAL, 'vendor request before its credential limiter exists');
    return this.limiter.run(fn, operation, opts);
  }
}

export class VendorGates {
  private readonly gates = new Map<string, Promise<VendorGate>>();
  private readonly limiters: LimiterRegistry;
  private readonly createAdapter: AdapterFactory;
  /** Plants seen per credential: the account size the per-plant quotas grow with (kept across gate rebuilds, like the limiter). */
  private readonly shared = new Map<string, SharedReads>();

  constructor(private readonly opts: VendorGatesOptions) {
    this.limiters = opts.limiters ?? new LimiterRegistry();
    this.createAdapter = opts.createAdapter ?? createSolarAdapter;
  }

  /** The gate of a credential at this row version (a newer version — new secret, new URL — builds a new one). */
  async forCredential(load: () => Promise<CredentialRow | undefined>, credentialId: string, version: number): Promise<VendorGate> {
    const cached = this.gates.get(credentialId);
    if (cached) {
      const g = await cached.catch(() => null);
      if (g && g.version === version) return g;
      this.forget(credentialId);
    }
    const made = this.build(load, credentialId);
    this.gates.set(credentialId, made);
    made.catch(() => { if (this.gates.get(credentialId) === made) this.gates.delete(credentialId); });
    return made;
  }

  /** An adapter for a credential whose HTTP requests go through that credential's limiter. */
  adapterFor(credentialId: string, brand: string, credentials: unknown, opts: Partial<AdapterOptions>): { adapter: SolarAdapter; limiter: CredentialLimiter } {
    const pacer = new LatePacer();
    const adapter = this.createAdapter(brand, credentials, { now: this.opts.now, ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}), ...opts, pacer });
    pacer.limiter = this.limiters.forCredential(credentialId, adapter.getCapabilities(), () => this.shared.get(credentialId)?.plantCount ?? 1);
    return { adapter, limiter: pacer.limiter };
  }

  private async build(load: () => Promise<CredentialRow | undefined>, credentialId: string): Promise<VendorGate> {
    const row = await load();
    if (!row) throw new GridtwinError(ErrorCode.NOT_FOUND, `credential ${credentialId} not found`);
    if (!this.opts.cipher) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'solar.credentialKey is not configured: vendor credentials cannot be decrypted');
    const brand = normalizeBrand(row.brand);
    const credentials = this.opts.cipher.decrypt(brand, row.encryptedCredentials);
    const { adapter, limiter } = this.adapterFor(credentialId, brand, credentials, row.baseUrl ? { baseUrl: row.baseUrl } : {});
    let shared: SharedReads | null = null;
    const caps = adapter.getCapabilities();
    // sharing exists to stay inside per-account quotas: a vendor (or a test) without them reads per plant
    if (adapter.multi && caps.batchSize > 1 && caps.quotas?.length) {
      // a rebuilt gate (new secret) gets fresh answers but keeps its plants' chunks
      shared = new SharedReads(adapter.multi, caps, { now: () => this.opts.now().getTime() }, this.shared.get(credentialId));
      this.shared.set(credentialId, shared);
    }
    return new VendorGate(credentialId, row.rowVersion, adapter, limiter, shared);
  }

  /**
   * Credentials changed: the next poll builds a fresh adapter. The limiter stays — the vendor's window
   * of recent calls does not reset because a secret was rotated.
   */
  forget(credentialId: string): void {
    const g = this.gates.get(credentialId);
    this.gates.delete(credentialId);
    g?.then((x) => x.close(), () => undefined).catch((e: unknown) => {
      this.opts.logger?.warn({ credentialId, err: (e as Error).message }, 'vendor adapter did not close');
    });
  }

  async closeAll(): Promise<void> {
    const all = [...this.gates.values()];
    this.gates.clear();
    await Promise.all(all.map((g) => g.then((x) => x.close(), () => undefined)));
  }
}
