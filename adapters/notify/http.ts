import { ErrorCode, GridtwinError } from '../../core/errors';
import { silentLogger, type Logger } from '../../core/logger';
import { backoffMs as backoff } from '../../core/backoff';

/**
 * JSON POST with bounded retries, shared by the notification sinks, analytics and the Calin token client.
 * Retried: network errors, per-attempt timeouts, 5xx, 408 and 429 (honouring Retry-After). Any other 4xx
 * fails at once. Backoff is exponential with equal jitter: base/2 + random·base/2, base = initial·2^(n-1).
 */
export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Longest Retry-After the client will wait; longer ones are cut to this. */
  maxRetryAfterMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 30_000, maxRetryAfterMs: 60_000, timeoutMs: 10_000 };

export function resolveRetryPolicy(p: Partial<RetryPolicy> = {}): RetryPolicy {
  const r = { ...DEFAULT_RETRY, ...p };
  if (!Number.isInteger(r.maxAttempts) || r.maxAttempts < 1 || r.maxAttempts > 20) throw new RangeError('maxAttempts must be an integer in [1, 20]');
  for (const k of ['initialBackoffMs', 'maxBackoffMs', 'maxRetryAfterMs'] as const) if (!(r[k] >= 0)) throw new RangeError(`${k} must be >= 0`);
  if (!(r.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
  return r;
}

/** Delivery failed for good. `retryable` says whether trying again later could help. */
export class DeliveryError extends GridtwinError {
  readonly attempts: number;
  readonly lastStatus?: number;
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, o: { attempts: number; lastStatus?: number; retryable: boolean; cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, { cause: o.cause, details: { attempts: o.attempts, lastStatus: o.lastStatus, ...o.details } });
    this.name = 'DeliveryError';
    this.attempts = o.attempts;
    this.lastStatus = o.lastStatus;
    this.retryable = o.retryable;
  }
}

export interface PostJsonOptions {
  url: string;
  body: unknown;
  /** Sent as the `Idempotency-Key` header on every attempt. */
  idempotencyKey: string;
  /** Names the destination in errors and logs (never the URL, which may hold a secret). */
  target: string;
  retry: RetryPolicy;
  headers?: Record<string, string>;
  /** Strings scrubbed from every error message; when set, raw causes are not attached. */
  secrets?: readonly string[];
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

export interface PostJsonResult { status: number; body: unknown; attempts: number }

const RETRYABLE_4XX = new Set([408, 429]);
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry-After as seconds or an HTTP date → milliseconds, or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export const backoffMs = (attempt: number, p: RetryPolicy, random: () => number): number =>
  backoff(attempt, { initialMs: p.initialBackoffMs, maxMs: p.maxBackoffMs }, random);

function scrub(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) if (s) out = out.split(s).join('[redacted]');
  return out;
}

export async function postJson(o: PostJsonOptions): Promise<PostJsonResult> {
  const doFetch = o.fetch ?? fetch;
  const sleep = o.sleep ?? defaultSleep;
  const random = o.random ?? Math.random;
  const log = o.logger ?? silentLogger;
  const payload = JSON.stringify(o.body);
  let lastStatus: number | undefined;
  let lastError: unknown;
  let lastReason = '';
  for (let attempt = 1; attempt <= o.retry.maxAttempts; attempt++) {
    let waitMs: number | undefined;
    try {
      const res = await doFetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': o.idempotencyKey, ...o.headers },
        body: payload,
        signal: AbortSignal.timeout(o.retry.timeoutMs),
      });
      lastStatus = res.status;
      const text = await res.text();
      let body: unknown = text;
      try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
      if (res.ok) return { status: res.status, body, attempts: attempt };
      lastReason = `HTTP ${res.status}`;
      if (res.status < 500 && !RETRYABLE_4XX.has(res.status)) {
        const auth = res.status === 401 || res.status === 403;
        throw new DeliveryError(auth ? ErrorCode.AUTH_FAILED : ErrorCode.VENDOR_ERROR, scrub(`${o.target} refused the request (HTTP ${res.status})`, o.secrets), {
          attempts: attempt, lastStatus: res.status, retryable: false,
        });
      }
      waitMs = parseRetryAfter(res.headers.get('retry-after'));
      if (waitMs !== undefined) waitMs = Math.min(waitMs, o.retry.maxRetryAfterMs);
    } catch (e) {
      if (e instanceof DeliveryError) throw e;
      lastError = e;
      lastStatus = undefined;
      lastReason = e instanceof Error && e.name === 'TimeoutError' ? 'timed out' : 'network error';
    }
    if (attempt < o.retry.maxAttempts) {
      const ms = waitMs ?? backoffMs(attempt, o.retry, random);
      log.debug({ target: o.target, attempt, reason: lastReason, waitMs: ms }, 'delivery attempt failed; retrying');
      await sleep(ms);
    }
  }
  const code = lastStatus === 429 ? ErrorCode.RATE_LIMIT_EXCEEDED : ErrorCode.UNAVAILABLE;
  throw new DeliveryError(code, scrub(`${o.target}: gave up after ${o.retry.maxAttempts} attempts (last: ${lastReason})`, o.secrets), {
    attempts: o.retry.maxAttempts,
    lastStatus,
    retryable: true,
    cause: o.secrets?.length ? undefined : lastError,
    details: lastError instanceof Error ? { lastError: scrub(lastError.message, o.secrets) } : undefined,
  });
}
