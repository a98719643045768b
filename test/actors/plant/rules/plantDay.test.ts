import { describe, expect, it } from 'vitest';
import { plantDay } from '../../../../actors/plant/rules/plantDay';

describe('plantDay', () => {
  it('America/Sao_Paulo (UTC−3): 02:59:59 UTC is still yesterday, 03:00 UTC is today', () => {
    expect(plantDay(new Date('2026-03-10T02:59:59.999Z'), 'America/Sao_Paulo')).toBe('2026-03-09');
    expect(plantDay(new Date('2026-03-10T03:00:00.000Z'), 'America/Sao_Paulo')).toBe('2026-03-10');
  });

  it('Australia/Brisbane (UTC+10): 13:59:59 UTC is today, 14:00 UTC is already tomorrow', () => {
    expect(plantDay(new Date('2026-03-10T13:59:59.999Z'), 'Australia/Brisbane')).toBe('2026-03-10');
    expect(plantDay(new Date('2026-03-10T14:00:00.000Z'), 'Australia/Brisbane')).toBe('2026-03-11');
  });

  it('one instant, three different days around the world', () => {
    const at = new Date('2026-12-31T23:30:00Z');
    expect(plantDay(at, 'America/Sao_Paulo')).toBe('2026-12-31');
    expect(plantDay(at, 'UTC')).toBe('2026-12-31');
    expect(plantDay(at, 'Australia/Brisbane')).toBe('2027-01-01');
  });

  it('month and leap-day boundaries', () => {
    expect(plantDay(new Date('2028-02-29T14:00:00Z'), 'Australia/Brisbane')).toBe('2028-03-01');
    expect(plantDay(new Date('2028-03-01T02:00:00Z'), 'America/Sao_Paulo')).toBe('2028-02-29');
  });
});
