import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, addDays, isoOrNull, lastDateOfMonth, systemClock, toIso, utcDate } from '../../core/time';

// Pure: core/time.ts is the one home of clock and time helpers (issue 12).
describe('core/time', () => {
  it('units', () => {
    expect([SECOND_MS, MINUTE_MS, HOUR_MS, DAY_MS]).toEqual([1_000, 60_000, 3_600_000, 86_400_000]);
  });

  it('a database or wire timestamp becomes ISO 8601 UTC; SQL NULL stays null', () => {
    const at = '2026-03-29T01:30:00.000Z';
    expect(toIso(new Date(at))).toBe(at);
    expect(toIso('2026-03-29 03:30:00+02')).toBe(at);
    expect(toIso(Date.parse(at))).toBe(at);
    expect(isoOrNull(null)).toBeNull();
    expect(isoOrNull(undefined)).toBeNull();
    expect(isoOrNull(at)).toBe(at);
    expect(() => toIso('not a time')).toThrow(RangeError);
  });

  it('calendar dates: UTC date of an instant, last date of a month (leap years), days either way', () => {
    expect(utcDate(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31');
    expect(utcDate(Date.parse('2027-01-01T00:00:00Z'))).toBe('2027-01-01');
    expect(lastDateOfMonth('2028-02')).toBe('2028-02-29');
    expect(lastDateOfMonth('2026-02')).toBe('2026-02-28');
    expect(lastDateOfMonth('2026-12')).toBe('2026-12-31');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('the system clock is wall time in epoch ms', () => {
    const before = Date.now();
    const t = systemClock();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
