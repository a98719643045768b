/**
 * The one exponential backoff of the project: base = initial·2^(attempt-1) capped at max, with equal jitter
 * (base/2 + random·base/2) so retries of many callers after one outage do not arrive in lockstep.
 * `attempt` counts from 1 (the wait before the second try).
 */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export function backoffMs(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const base = Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(base / 2 + (random() * base) / 2);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
