import pLimit, { type LimitFunction } from 'p-limit';
import { ErrorCode, GridtwinError, isGridtwinError } from '../../core/errors';
import type { AdapterCapabilities } from './types';

/**
 * One limiter per vendor credential, shared by every plant actor polling through that credential:
 * at most `maxConcurrentRequests` calls in flight (p-limit) and at most `requestsPerMinute` call starts
 * in any 60 s window (sliding log of start times). A RATE_LIMIT_EXCEEDED from the vendor pauses the
 * whole credential for its retryAfterMs.
 */
export interface LimiterOptions {
  maxConcurrentRequests: number;
  requestsPerMinute: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const WINDOW_MS = 60_000;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class CredentialLimiter {
  private readonly limit: LimitFunction;
  private readonly starts: number[] = [];
  private blockedUntil = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly rpm: number;

  constructor(opts: LimiterOptions) {
    if (!(opts.maxConcurrentRequests >= 1) || !(opts.requestsPerMinute >= 1)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'limiter needs maxConcurrentRequests ≥ 1 and requestsPerMinute ≥ 1');
    }
    this.limit = pLimit(opts.maxConcurrentRequests);
    this.rpm = opts.requestsPerMinute;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.limit(async () => {
      await this.acquireStart();
      try {
        return await fn();
      } catch (e) {
        if (isGridtwinError(e) && e.code === ErrorCode.RATE_LIMIT_EXCEEDED && e.retryAfterMs) this.pauseFor(e.retryAfterMs);
        throw e;
      }
    });
  }

  /** No call starts before now + ms (a vendor said "retry after"). */
  pauseFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }

  get inFlight(): number {
    return this.limit.activeCount;
  }

  get queued(): number {
    return this.limit.pendingCount;
  }

  private async acquireStart(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.starts.length > 0 && this.starts[0]! <= now - WINDOW_MS) this.starts.shift();
      const waitBlocked = this.blockedUntil - now;
      const waitWindow = this.starts.length >= this.rpm ? this.starts[0]! + WINDOW_MS - now : 0;
      const wait = Math.max(waitBlocked, waitWindow);
      if (wait <= 0) {
        this.starts.push(now);
        return;
      }
      await this.sleep(wait);
    }
  }
}

/** Hands out the limiter of a credential, creating it from the adapter's capabilities on first use. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, CredentialLimiter>();

  constructor(private readonly defaults: Pick<LimiterOptions, 'now' | 'sleep'> = {}) {}

  forCredential(credentialId: string, caps: Pick<AdapterCapabilities, 'maxConcurrentRequests' | 'requestsPerMinute'>): CredentialLimiter {
    let l = this.limiters.get(credentialId);
    if (!l) {
      l = new CredentialLimiter({ ...this.defaults, maxConcurrentRequests: caps.maxConcurrentRequests, requestsPerMinute: caps.requestsPerMinute });
      this.limiters.set(credentialId, l);
    }
    return l;
  }

  /** Credentials change (new secret, new limits): the next call builds a fresh limiter. */
  forget(credentialId: string): void {
    this.limiters.delete(credentialId);
  }
}
