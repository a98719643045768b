import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { CredentialLimiter, LimiterRegistry } from '../../../adapters/solar';

beforeEach(() => { vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') }); });
afterEach(() => { vi.useRealTimers(); });

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
    // any 601 consecutive starts span at least a minute
    for (let i = 0; i + 600 < starts.length; i++) expect(starts[i + 600]! - starts[i]!).toBeGreaterThanOrEqual(60_000);
    // and the limiter is not idle: 2,000 calls at 600/min take a little over 3 minutes
    expect(starts.at(-1)! - starts[0]!).toBeLessThan(4 * 60_000);
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

  it('rejects limits below one', () => {
    expect(() => new CredentialLimiter({ maxConcurrentRequests: 0, requestsPerMinute: 10 })).toThrow(GridtwinError);
  });
});
