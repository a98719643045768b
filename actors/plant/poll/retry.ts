import { ErrorCode, isGridtwinError, isTransient } from '../../../core/errors';

/**
 * The seed's job retry (2 attempts, exponential backoff from 5 s), applied per vendor call so a retry
 * repeats only the call that failed. Retried: timeouts, rate limits, vendor 5xx and unreadable answers
 * (an HTML error page from a proxy is usually passing); not retried: rejected credentials, bad requests.
 */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
}

export const RETRY_DEFAULTS: RetryPolicy = { attempts: 2, baseMs: 5_000 };

export const isRetryable = (e: unknown): boolean =>
  isTransient(e) || (isGridtwinError(e) && (e.code === ErrorCode.VENDOR_ERROR || e.code === ErrorCode.INVALID_DATA_FORMAT));

export async function withRetry<T>(policy: RetryPolicy, fn: () => Promise<T>, onAttempt: () => void = () => undefined): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    onAttempt();
    try {
      return await fn();
    } catch (e) {
      if (attempt >= policy.attempts || !isRetryable(e)) throw e;
      await new Promise((r) => setTimeout(r, policy.baseMs * 2 ** (attempt - 1)));
    }
  }
}
