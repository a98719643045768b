import {
  CredentialCipher, LimiterRegistry, createSolarAdapter, normalizeBrand,
  type AdapterCapabilities, type AdapterOptions, type CredentialLimiter, type PlantRef, type PlantSummary, type SolarAdapter,
} from '../../adapters/solar';
import { ErrorCode, GridtwinError } from '../../core/errors';
import type { CredentialRow } from '../../persistence';

export type AdapterFactory = (brand: string, credentials: unknown, opts: Partial<AdapterOptions>) => SolarAdapter;

/**
 * The way from a plant actor to its vendor: one adapter and one limiter per credential, shared by every
 * plant of that credential. Every vendor call goes through `call` (concurrency + requests/minute from the
 * adapter's capabilities). Where the adapter batches summaries (FusionSolar), summaries asked for within
 * a short window share one limiter slot, and the adapter turns them into one vendor call of ≤ batchSize plants.
 */
export class VendorGate {
  readonly caps: AdapterCapabilities;
  private pending: Array<{ ref: PlantRef; resolve: (s: PlantSummary) => void; reject: (e: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly credentialId: string, readonly version: number, readonly adapter: SolarAdapter, private readonly limiter: CredentialLimiter, private readonly batchWindowMs: number) {
    this.caps = adapter.getCapabilities();
  }

  call<T>(fn: (a: SolarAdapter) => Promise<T>): Promise<T> {
    return this.limiter.run(() => fn(this.adapter));
  }

  summary(ref: PlantRef): Promise<PlantSummary> {
    if (!this.caps.features.includes('batchedSummary') || this.caps.batchSize <= 1) return this.call((a) => a.getPlantSummary(ref));
    return new Promise((resolve, reject) => {
      this.pending.push({ ref, resolve, reject });
      if (this.pending.length >= this.caps.batchSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.batchWindowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.caps.batchSize) {
      const chunk = all.slice(i, i + this.caps.batchSize);
      // one limiter slot; the calls start together, so the adapter coalesces them into one vendor request
      this.call((a) => Promise.all(chunk.map((w) => a.getPlantSummary(w.ref).then(w.resolve, w.reject)))).catch((e: unknown) => {
        for (const w of chunk) w.reject(e);
      });
    }
  }

  close(): Promise<void> {
    return this.adapter.close();
  }
}

export interface VendorGatesOptions {
  cipher: CredentialCipher | null;
  limiters?: LimiterRegistry;
  createAdapter?: AdapterFactory;
  /** The runtime clock, handed to adapters for token expiry and "today". */
  now: () => Date;
  timeoutMs?: number;
  batchWindowMs?: number;
}

export class VendorGates {
  private readonly gates = new Map<string, Promise<VendorGate>>();
  private readonly limiters: LimiterRegistry;
  private readonly createAdapter: AdapterFactory;

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
    made.catch(() => this.gates.get(credentialId) === made && this.gates.delete(credentialId));
    return made;
  }

  private async build(load: () => Promise<CredentialRow | undefined>, credentialId: string): Promise<VendorGate> {
    const row = await load();
    if (!row) throw new GridtwinError(ErrorCode.NOT_FOUND, `credential ${credentialId} not found`);
    if (!this.opts.cipher) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'solar.credentialKey is not configured: vendor credentials cannot be decrypted');
    const brand = normalizeBrand(row.brand);
    const credentials = this.opts.cipher.decrypt(brand, row.encryptedCredentials);
    const adapter = this.createAdapter(brand, credentials, {
      ...(row.baseUrl ? { baseUrl: row.baseUrl } : {}), now: this.opts.now, ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}),
    });
    const limiter = this.limiters.forCredential(credentialId, adapter.getCapabilities());
    return new VendorGate(credentialId, row.rowVersion, adapter, limiter, this.opts.batchWindowMs ?? 20);
  }

  /** The credential's limiter (also for calls made outside a poll, like the registry's connection test). */
  limiterFor(credentialId: string, caps: AdapterCapabilities): CredentialLimiter {
    return this.limiters.forCredential(credentialId, caps);
  }

  /**
   * Credentials changed: the next poll builds a fresh adapter. The limiter stays — the vendor's window
   * of recent calls does not reset because a secret was rotated.
   */
  forget(credentialId: string): void {
    const g = this.gates.get(credentialId);
    this.gates.delete(credentialId);
    void g?.then((x) => x.close(), () => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.gates.values()];
    this.gates.clear();
    await Promise.all(all.map((g) => g.then((x) => x.close(), () => undefined)));
  }
}
