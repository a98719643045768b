import { describe, expect, it } from 'vitest';
import { OFFLINE_AFTER_MS, offlineVerdict } from '../../../../actors/plant/rules/offline';

const now = new Date('2026-06-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('offline', () => {
  it('exactly 24 h is not offline; a millisecond more is', () => {
    expect(offlineVerdict(ago(OFFLINE_AFTER_MS), now)).toEqual({ offline: false, silentForMs: OFFLINE_AFTER_MS });
    expect(offlineVerdict(ago(OFFLINE_AFTER_MS + 1), now).offline).toBe(true);
  });

  it('recently seen is online; never seen is offline', () => {
    expect(offlineVerdict(ago(60_000), now).offline).toBe(false);
    expect(offlineVerdict(null, now)).toEqual({ offline: true, silentForMs: null });
  });
});
