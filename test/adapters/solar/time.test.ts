import { describe, expect, it } from 'vitest';
import { addDays, dateInZone, datesBetween, monthsBetween, startOfDayInZone, zonedTimeToInstant } from '../../../core/time';
import { parseSemsTime } from '../../../adapters/solar/goodwe/codec';
import { parseRetryAfter } from '../../../adapters/solar/errors';

describe('plant-local time', () => {
  it('local midnight of a date, in zones either side of UTC', () => {
    expect(startOfDayInZone('2026-03-10', 'America/Sao_Paulo').toISOString()).toBe('2026-03-10T03:00:00.000Z');
    expect(startOfDayInZone('2026-03-10', 'Australia/Brisbane').toISOString()).toBe('2026-03-09T14:00:00.000Z');
  });

  it('wall-clock times across a DST change (Europe/Amsterdam, 29 March 2026)', () => {
    expect(zonedTimeToInstant('2026-03-29', 'Europe/Amsterdam', 1).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(zonedTimeToInstant('2026-03-29', 'Europe/Amsterdam', 4).toISOString()).toBe('2026-03-29T02:00:00.000Z');
    expect(dateInZone(new Date('2026-03-28T23:30:00Z'), 'Europe/Amsterdam')).toBe('2026-03-29');
  });

  it('date arithmetic', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(datesBetween('2026-01-30', '2026-02-02')).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(monthsBetween('2025-11-20', '2026-02-01')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });

  it('SEMS local time strings read in the plant zone', () => {
    expect(parseSemsTime('06/01/2026 09:30:00', 'America/Sao_Paulo')?.toISOString()).toBe('2026-06-01T12:30:00.000Z');
    expect(parseSemsTime('', 'UTC')).toBeNull();
  });

  it('Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter('30', 1)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', 1, Date.parse('2026-10-21T07:28:00Z'))).toBe(30_000);
    expect(parseRetryAfter(undefined, 5)).toBe(5);
  });
});
