import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { CredentialLimiter, LimiterRegistry } from '../../../adapters/solar';
import { createPrng, fnv1a } from '../../../core/random';

beforeEach(() => { vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') }); });
afterEach(() => { vi.useRealTimers(); });

/** Most timestamps in any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= windowMs) i++;
    max = Math.max(max, j - i + 1);
  }
  return max;
}

describe('per-credential limiter', () => {
  it('a burst of 2,000 calls through one credential never exceeds the concurrency or the per-minute limit', async () => {
    const registry = new LimiterRegistry();
    const limiter = registry.forCredential('cred-1', { maxConcurrentRequests: 4, requestsPerMinute: 600 });
    expect(registry.forCredential('cred-1', { maxConcurrentRequests: 99, requestsPerMinute: 99 })).toBe(limiter);
    const starts: number[] = [];
    let active = 0;
    let maxActive = 0;
    const call = () => limiter.run(async () => {
      starts.push(Date.now());
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 250));
      active -= 1;
    });
    const all = Promise.all(Array.from({ length: 2_000 }, call));
    await vi.runAllTimersAsync();
    await all;
    expect(starts).toHaveLength(2_000);
    expect(maxActive).toBe(4);
    expect(maxInWindow(starts, 60_000)).toBeLessThanOrEqual(600);
    // and the limiter is not idle: 2,000 calls at 600/min take a little over 3 minutes
    expect(starts.at(-1)! - starts[0]!).toBeLessThan(4 * 60_000);
  });

  it("the vendor's window, counted when a request arrives, is never exceeded — whatever the latency (issue 11, defect 13)", async () => {
    // requests take 0.1–20 s and the vendor counts each at a random moment between our start and its answer
    const random = createPrng(fnv1a('defect-13'));
    const limiter = new CredentialLimiter({ maxConcurrentRequests: 50, requestsPerMinute: 120 });
    const arrivals: number[] = [];
    const call = () => limiter.run(async () => {
      const latency = 100 + Math.floor(random() * 19_900);
      const arriveAfter = Math.floor(random() * latency);
      setTimeout(() => arrivals.push(Date.now()), arriveAfter);
      await new Promise((r) => setTimeout(r, latency));
    });
    const all = Promise.all(Array.from({ length: 1_000 }, call));
    await vi.runAllTimersAsync();
    await all;
    expect(arrivals).toHaveLength(1_000);
    expect(maxInWindow(arrivals, 60_000)).toBeLessThanOrEqual(120);
  });

  it('a vendor "retry after" pauses every call of the credential', async () => {
    const limiter = new CredentialLimiter({ maxConcurrentRequests: 2, requestsPerMinute: 1_000 });
    const t0 = Date.now();
    const first = limiter.run(async () => {
      throw new GridtwinError(ErrorCode.RATE_LIMIT_EXCEEDED, 'slow down', { retryAfterMs: 30_000 });
    }).catch((e: GridtwinError) => e.code);
    await vi.advanceTimersByTimeAsync(0);
    let startedAt = 0;
    const second = limiter.run(async () => { startedAt = Date.now(); });
    await vi.runAllTimersAsync();
    expect(await first).toBe(ErrorCode.RATE_LIMIT_EXCEEDED);
    await second;
    expect(startedAt - t0).toBeGreaterThanOrEqual(30_000);
  });

  it('an operation with its own quota is paced by it, and a 407 on it pauses only that operation', async () => {
    const limiter = new CredentialLimiter({
      maxConcurrentRequests: 1, requestsPerMinute: 1_000, stationCount: () => 250,
      quotas: [{ operation: 'alarm list', calls: 0, perStations: 100, windowMs: 30 * 60_000 }],
    });
    expect(limiter.quotaOf('alarm list')).toEqual({ max: 3, windowMs: 30 * 60_000 });
    const t0 = Date.now();
    const alarmStarts: number[] = [];
    const alarms = Promise.all(Array.from({ length: 4 }, () => limiter.run(async () => { alarmStarts.push(Date.now() - t0); }, 'alarm list')));
    await vi.runAllTimersAsync();
    await alarms;
    // three within the quota, the fourth one window (plus margin) after the first answer
    expect(alarmStarts.slice(0, 3)).toEqual([0, 0, 0]);
    expect(alarmStarts[3]).toBeGreaterThanOrEqual(30 * 60_000);

    const refused = limiter.run(async () => {
      throw new GridtwinError(ErrorCode.RATE_LIMIT_EXCEEDED, '407', { retryAfterMs: 30 * 60_000 });
    }, 'alarm list').catch((e: GridtwinError) => e.code);
    await vi.advanceTimersByTimeAsync(0);
    expect(await refused).toBe(ErrorCode.RATE_LIMIT_EXCEEDED);
    const t1 = Date.now();
    let kpiAt = -1;
    await limiter.run(async () => { kpiAt = Date.now() - t1; }, 'station real KPI');
    expect(kpiAt).toBe(0);
    // a caller that will not wait that long is refused at once, nothing sent
    await expect(limiter.run(async () => 'sent', 'alarm list', { maxWaitMs: 1_000 })).rejects.toMatchObject({
      code: ErrorCode.RATE_LIMIT_EXCEEDED, details: { operation: 'alarm list', planned: true },
    });
  });

  it('rejects limits below one', () => {
    expect(() => new CredentialLimiter({ maxConcurrentRequests: 0, requestsPerMinute: 10 })).toThrow(GridtwinError);
  });
});
