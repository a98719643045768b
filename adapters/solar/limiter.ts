import pLimit, { type LimitFunction } from 'p-limit';
import { ErrorCode, GridtwinError, isGridtwinError } from '../../core/errors';
import type { AdapterCapabilities, Pacer, VendorQuota } from './types';
import { type Clock, systemClock } from '../../core/time';

/**
 * One limiter per vendor credential, shared by every plant polling through that credential. It paces each
 * HTTP request the adapter makes (logins and pages included), not each adapter method.
 *
 * Window semantics (issue 11, defect 13): the vendor counts a request when it arrives, which is somewhere
 * between our start and our receipt of the answer. So a request occupies its windows from its start until
 * `windowMs + marginMs` after its answer came back (or until it failed). A new request starts only when
 * fewer than `max` requests occupy the window. Then for any interval of `windowMs` on the vendor's clock,
 * the requests arriving in it were all occupying the window when the last of them started, so at most `max`
 * arrive — whatever the latency, queueing or load between us and the vendor. The margin covers timer
 * granularity and a vendor clock that runs a little fast.
 *
 * Limits: `maxConcurrentRequests` in flight (p-limit), `requestsPerMinute` over every request, and per
 * operation the vendor's own quotas (`caps.quotas`, e.g. FusionSolar's per interface, which grow with the
 * number of plants on the account). A RATE_LIMIT_EXCEEDED from the vendor pauses the operation when it has
 * its own quota (FusionSolar 407 is per interface), otherwise the whole credential.
 */
export interface WindowLimit { max: number; windowMs: number }

export interface LimiterOptions {
  maxConcurrentRequests: number;
  requestsPerMinute: number;
  quotas?: readonly VendorQuota[];
  /** Plants on the account, for quotas that grow with it; default 1 (the smallest quota). */
  stationCount?: () => number;
  /** Added to every window (see above). Default 1 s. */
  marginMs?: number;
  now?: Clock;
  sleep?: (ms: number) => Promise<void>;
}

export interface RunOptions {
  /** Refuse (RATE_LIMIT_EXCEEDED, nothing sent) instead of waiting longer than this for a window. */
  maxWaitMs?: number;
}

export const LIMITER_DEFAULTS = { marginMs: 1_000, windowMs: 60_000 } as const;

const realSleep = (ms: number) => new Promise<void>((r) => { setTimeout(r, ms).unref(); });

interface Occupancy { end: number | null }

/** The requests occupying one window: in flight (end null) or answered less than windowMs + margin ago. */
class Window {
  private readonly entries: Occupancy[] = [];
  blockedUntil = 0;

  constructor(readonly windowMs: number) {}

  /** ms until a start is allowed (0 = now), or Infinity while only in-flight requests fill it. */
  waitFor(max: number, now: number, marginMs: number): number {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.end !== null && e.end + this.windowMs + marginMs <= now) this.entries.splice(i, 1);
    }
    const blocked = Math.max(0, this.blockedUntil - now);
    if (this.entries.length < max) return blocked;
    const ends = this.entries.filter((e) => e.end !== null).map((e) => e.end! + this.windowMs + marginMs - now);
    // the window frees when the (length - max + 1)-th earliest answered request ages out
    const need = this.entries.length - max + 1;
    ends.sort((a, b) => a - b);
    return Math.max(blocked, ends.length >= need ? ends[need - 1]! : Number.POSITIVE_INFINITY);
  }

  occupy(): Occupancy {
    const e: Occupancy = { end: null };
    this.entries.push(e);
    return e;
  }

  get size(): number {
    return this.entries.length;
  }
}

export class CredentialLimiter implements Pacer {
  private readonly limit: LimitFunction;
  private readonly all: Window;
  private readonly byOperation = new Map<string, { quota: VendorQuota; window: Window }>();
  private readonly now: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly marginMs: number;
  private readonly stationCount: () => number;
  private wake: Array<() => void> = [];
  private wakeAt: number | null = null;
  readonly rpm: number;

  constructor(opts: LimiterOptions) {
    if (!(opts.maxConcurrentRequests >= 1) || !(opts.requestsPerMinute >= 1)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'limiter needs maxConcurrentRequests ≥ 1 and requestsPerMinute ≥ 1');
    }
    this.limit = pLimit(opts.maxConcurrentRequests);
    this.rpm = opts.requestsPerMinute;
    this.all = new Window(LIMITER_DEFAULTS.windowMs);
    for (const q of opts.quotas ?? []) this.byOperation.set(q.operation, { quota: q, window: new Window(q.windowMs) });
    this.now = opts.now ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
    this.marginMs = opts.marginMs ?? LIMITER_DEFAULTS.marginMs;
    this.stationCount = opts.stationCount ?? (() => 1);
  }

  /** Runs one vendor request of `operation` when every window it belongs to has room. */
  run<T>(fn: () => Promise<T>, operation = 'request', opts: RunOptions = {}): Promise<T> {
    return this.limit(async () => {
      const op = this.byOperation.get(operation);
      const taken = await this.acquire(op, operation, opts.maxWaitMs);
      try {
        return await fn();
      } catch (e) {
        if (isGridtwinError(e) && e.code === ErrorCode.RATE_LIMIT_EXCEEDED && e.retryAfterMs) this.pauseFor(e.retryAfterMs, op ? operation : undefined);
        throw e;
      } finally {
        const end = this.now();
        for (const t of taken) t.end = end;
        this.notify();
      }
    });
  }

  /** No request (of `operation`, or of any operation) starts before now + ms: the vendor said "retry after". */
  pauseFor(ms: number, operation?: string): void {
    const w = operation ? this.byOperation.get(operation)?.window : this.all;
    if (w) w.blockedUntil = Math.max(w.blockedUntil, this.now() + ms);
  }

  /** The vendor's quota for an operation at the current account size, if it has one. */
  quotaOf(operation: string): WindowLimit | null {
    const op = this.byOperation.get(operation);
    return op ? { max: quotaMax(op.quota, this.stationCount()), windowMs: op.quota.windowMs } : null;
  }

  get inFlight(): number {
    return this.limit.activeCount;
  }

  get queued(): number {
    return this.limit.pendingCount;
  }

  private async acquire(op: { quota: VendorQuota; window: Window } | undefined, operation: string, maxWaitMs?: number): Promise<Occupancy[]> {
    for (;;) {
      const now = this.now();
      const waits = [this.all.waitFor(this.rpm, now, this.marginMs)];
      if (op) waits.push(op.window.waitFor(quotaMax(op.quota, this.stationCount()), now, this.marginMs));
      const wait = Math.max(...waits);
      if (wait <= 0) return op ? [this.all.occupy(), op.window.occupy()] : [this.all.occupy()];
      if (maxWaitMs !== undefined && wait > maxWaitMs) {
        throw new GridtwinError(ErrorCode.RATE_LIMIT_EXCEEDED, `${operation}: the vendor's quota is used up for now (planned, nothing sent)`, {
          retryAfterMs: Number.isFinite(wait) ? wait : undefined, details: { operation, planned: true },
        });
      }
      // wake on an answer (it may free the window) or when the oldest answered request ages out
      if (Number.isFinite(wait)) this.wakeIn(wait);
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  /** One timer for the earliest moment a window frees, shared by every waiter (not one per waiter and turn). */
  private wakeIn(ms: number): void {
    const at = this.now() + ms;
    if (this.wakeAt !== null && this.wakeAt <= at) return;
    this.wakeAt = at;
    const done = () => {
      if (this.wakeAt === at) this.wakeAt = null;
      this.notify();
    };
    this.sleep(ms).then(done, done);
  }

  private notify(): void {
    const waiting = this.wake;
    this.wake = [];
    for (const w of waiting) w();
  }
}

export const quotaMax = (q: VendorQuota, stations: number): number =>
  q.calls + (q.perStations ? Math.ceil(Math.max(1, stations) / q.perStations) : 0);

/** Hands out the limiter of a credential, creating it from the adapter's capabilities on first use. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, CredentialLimiter>();

  constructor(private readonly defaults: Pick<LimiterOptions, 'now' | 'sleep' | 'marginMs'> = {}) {}

  forCredential(
    credentialId: string,
    caps: Pick<AdapterCapabilities, 'maxConcurrentRequests' | 'requestsPerMinute'> & Partial<Pick<AdapterCapabilities, 'quotas'>>,
    stationCount?: () => number,
  ): CredentialLimiter {
    let l = this.limiters.get(credentialId);
    if (!l) {
      l = new CredentialLimiter({
        ...this.defaults, maxConcurrentRequests: caps.maxConcurrentRequests, requestsPerMinute: caps.requestsPerMinute, quotas: caps.quotas, stationCount,
      });
      this.limiters.set(credentialId, l);
    }
    return l;
  }

  /** Credentials change (new secret, new limits): the next call builds a fresh limiter. */
  forget(credentialId: string): void {
    this.limiters.delete(credentialId);
  }
}
