import { describe, expect, it } from 'vitest';
import { lowGeneration, lowGenerationAlertSeverity, median, type LowGenerationFacts } from '../../../../actors/plant/rules/lowGeneration';

// 13:00 in Sao Paulo (UTC−3)
const afternoon = new Date('2026-06-10T16:00:00Z');
const week = ['2026-06-03', '2026-06-04', '2026-06-05', '2026-06-06', '2026-06-07', '2026-06-08', '2026-06-09'].map((date) => ({ date, kwh: 100 }));
const facts = (over: Partial<LowGenerationFacts> = {}): LowGenerationFacts => ({
  todayDate: '2026-06-10', todayKwh: 50, history: week, now: afternoon, timezone: 'America/Sao_Paulo', ...over,
});

describe('low generation vs the 7-day median', () => {
  it('thresholds: 30 % is OK, just under is YELLOW; 10 % is YELLOW, just under is RED', () => {
    expect(lowGeneration(facts({ todayKwh: 30 }))).toMatchObject({ verdict: 'OK', ratio: 0.3, medianKwh: 100 });
    expect(lowGeneration(facts({ todayKwh: 29.99 })).verdict).toBe('YELLOW');
    expect(lowGeneration(facts({ todayKwh: 10 })).verdict).toBe('YELLOW');
    expect(lowGeneration(facts({ todayKwh: 9.99 })).verdict).toBe('RED');
    expect(lowGeneration(facts({ todayKwh: 0 })).verdict).toBe('RED');
  });

  it('uses the median, so one outlier day does not move it', () => {
    const skewed = [...week.slice(0, 6), { date: '2026-06-09', kwh: 10_000 }];
    expect(lowGeneration(facts({ history: skewed, todayKwh: 29 })).verdict).toBe('YELLOW');
    expect(median([1, 2, 3, 4])).toBe(2.5);
  });

  it('no verdict with fewer than 3 of the 7 previous days; 3 are enough', () => {
    expect(lowGeneration(facts({ history: week.slice(0, 2), todayKwh: 0 }))).toEqual({ verdict: 'NO_VERDICT', reason: 'too little history' });
    expect(lowGeneration(facts({ history: week.slice(0, 3), todayKwh: 0 })).verdict).toBe('RED');
  });

  it('ignores today and days older than 7 days in the history', () => {
    const old = [{ date: '2026-06-01', kwh: 100 }, { date: '2026-06-02', kwh: 100 }, { date: '2026-06-10', kwh: 100 }, { date: '2026-06-09', kwh: 100 }];
    expect(lowGeneration(facts({ history: old })).verdict).toBe('NO_VERDICT');
  });

  it('no verdict before local noon (11:59 Sao Paulo); a verdict at 12:00', () => {
    expect(lowGeneration(facts({ now: new Date('2026-06-10T14:59:59Z'), todayKwh: 0 }))).toEqual({ verdict: 'NO_VERDICT', reason: 'before local noon' });
    expect(lowGeneration(facts({ now: new Date('2026-06-10T15:00:00Z'), todayKwh: 0 })).verdict).toBe('RED');
  });

  it('local noon is the plant\'s: 02:00 UTC is noon in Brisbane', () => {
    const f = facts({ timezone: 'Australia/Brisbane', now: new Date('2026-06-10T02:00:00Z'), todayKwh: 0 });
    expect(lowGeneration(f).verdict).toBe('RED');
  });

  it('no verdict when the median is zero', () => {
    expect(lowGeneration(facts({ history: week.map((d) => ({ ...d, kwh: 0 })) })).verdict).toBe('NO_VERDICT');
  });

  it('RED raises a critical alert, YELLOW a major one', () => {
    expect(lowGenerationAlertSeverity(lowGeneration(facts({ todayKwh: 5 })))).toBe('CRITICAL');
    expect(lowGenerationAlertSeverity(lowGeneration(facts({ todayKwh: 20 })))).toBe('MAJOR');
    expect(lowGenerationAlertSeverity(lowGeneration(facts({ todayKwh: 80 })))).toBeNull();
  });
});
