import { describe, expect, it } from 'vitest';
import { snapshotDay } from '../../../../actors/plant/rules/snapshotDay';

describe('snapshotDay', () => {
  it('a reading from 23:55 polled at 00:02 belongs to yesterday (São Paulo, UTC−3)', () => {
    expect(snapshotDay(new Date('2026-06-02T02:55:00Z'), new Date('2026-06-02T03:02:00Z'), 'America/Sao_Paulo')).toBe('2026-06-01');
  });
  it('the same instants are already mid-day of the 2nd in Brisbane (UTC+10)', () => {
    expect(snapshotDay(new Date('2026-06-02T02:55:00Z'), new Date('2026-06-02T03:02:00Z'), 'Australia/Brisbane')).toBe('2026-06-02');
  });
  it('a reading dated ahead of our clock is clamped to our today', () => {
    expect(snapshotDay(new Date('2026-06-02T03:05:00Z'), new Date('2026-06-02T02:58:00Z'), 'America/Sao_Paulo')).toBe('2026-06-01');
  });
  it('an undated reading is today', () => {
    expect(snapshotDay(null, new Date('2026-06-01T14:00:00Z'), 'Australia/Brisbane')).toBe('2026-06-02');
  });
});
