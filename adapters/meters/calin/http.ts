import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { Logger } from '../../../core/logger';
import { DeliveryError, postJson, type RetryPolicy } from '../../notify/http';

/**
 * One Calin HTTP call: the project's JSON POST (bounded retries, equal-jitter backoff) cut to a deadline.
 * Each attempt's timeout and each backoff end at `deadlineAt`; a wait that would pass it becomes TIMEOUT
 * (the outcome of a call already sent is then unknown). Transport failures keep postJson's typed errors
 * (UNAVAILABLE, AUTH_FAILED for 401/403, VENDOR_ERROR for other 4xx, RATE_LIMIT_EXCEEDED). An answer that
 * is not JSON — Calin answers some failures with an HTML page (the source's repo.ts) — is INVALID_DATA_FORMAT.
 */
export interface CalinCallOptions {
  baseUrl: string;
  path: string;
  body: unknown;
  /** Names the call in errors and logs. */
  target: string;
  idempotencyKey: string;
  retry: RetryPolicy;
  secrets: readonly string[];
  deadlineAt?: number;
  headers?: Record<string, string>;
  /** Told how many attempts the answer took (more than one: an earlier attempt may have been carried out). */
  onAnswered?: (attempts: number) => void;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const joinUrl = (baseUrl: string, path: string) => `${baseUrl.replace(/\/+$/, '')}${path}`;

export async function calinPost(o: CalinCallOptions): Promise<Record<string, unknown>> {
  const deadlineAt = o.deadlineAt ?? Infinity;
  const remaining = () => deadlineAt - Date.now();
  const late = () => new GridtwinError(ErrorCode.TIMEOUT, `${o.target}: no answer before the deadline`, { details: { target: o.target } });
  if (remaining() <= 0) throw late();
  const sleep = o.sleep ?? defaultSleep;
  let res;
  try {
    res = await postJson({
      url: joinUrl(o.baseUrl, o.path), body: o.body, idempotencyKey: o.idempotencyKey, target: o.target, headers: o.headers,
      retry: { ...o.retry, timeoutMs: Math.max(1, Math.min(o.retry.timeoutMs, remaining())) },
      secrets: o.secrets, fetch: o.fetch, random: o.random, logger: o.logger,
      sleep: async (ms) => {
        if (ms >= remaining()) throw late();
        await sleep(ms);
      },
    });
  } catch (e) {
    if (e instanceof DeliveryError && e.retryable && remaining() <= 0) throw new GridtwinError(ErrorCode.TIMEOUT, `${o.target}: no answer before the deadline`, { cause: e });
    throw e;
  }
  o.onAnswered?.(res.attempts);
  const body = res.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const html = typeof body === 'string' && body.trimStart().startsWith('<');
    throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `${o.target} answered ${html ? 'an HTML page' : 'something that is not a JSON object'}`, {
      details: { target: o.target, httpStatus: res.status },
    });
  }
  return body as Record<string, unknown>;
}
