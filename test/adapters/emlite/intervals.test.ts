import { describe, expect, it } from 'vitest';
import { alignToHalfHour, classifyStep, deriveHalfHourlyIntervals, mergeImportExport } from '../../../adapters/emlite/intervals';

const at = (iso: string, valueWh: number) => ({ timestamp: new Date(iso), valueWh });
const rows = (r: ReturnType<typeof deriveHalfHourlyIntervals>) => r.map((x) => [x.start.toISOString().slice(11, 16), x.wh, x.flags.join(',')]);

describe('half-hourly intervals', () => {
  it('aligns to :00 and :30 UTC', () => {
    expect(new Date(alignToHalfHour(Date.parse('2025-03-30T01:59:59.999Z'))).toISOString()).toBe('2025-03-30T01:30:00.000Z');
    expect(new Date(alignToHalfHour(Date.parse('2025-03-30T02:00:00Z'))).toISOString()).toBe('2025-03-30T02:00:00.000Z');
  });

  it('reads on the boundaries give one interval each', () => {
    expect(rows(deriveHalfHourlyIntervals([at('2025-01-01T00:00:00Z', 1000), at('2025-01-01T00:30:00Z', 1250), at('2025-01-01T01:00:00Z', 1300)])))
      .toEqual([['00:00', 250, ''], ['00:30', 50, '']]);
  });

  it('spreads a pair over the half-hours it overlaps, exactly summing to the delta', () => {
    // 00:15 → 01:15 = 60 min: 15 min in 00:00, 30 in 00:30, 15 in 01:00; 101 Wh → 25.25 / 50.5 / 25.25
    const r = deriveHalfHourlyIntervals([at('2025-01-01T00:15:00Z', 0), at('2025-01-01T01:15:00Z', 101)]);
    expect(rows(r)).toEqual([['00:00', 25, ''], ['00:30', 51, ''], ['01:00', 25, '']]);
    expect(r.reduce((s, x) => s + x.wh, 0)).toBe(101);
  });

  it('adds two pairs that share an interval, and sorts unsorted input', () => {
    const r = deriveHalfHourlyIntervals([at('2025-01-01T00:20:00Z', 130), at('2025-01-01T00:10:00Z', 100), at('2025-01-01T00:40:00Z', 150)]);
    // 00:10→00:20 +30 (00:00); 00:20→00:40 +20: 10 min in 00:00 (10), 10 min in 00:30 (10)
    expect(rows(r)).toEqual([['00:00', 40, ''], ['00:30', 10, '']]);
  });

  it('a gap with no consumption yields zero rows, not missing rows', () => {
    expect(rows(deriveHalfHourlyIntervals([at('2025-01-01T00:00:00Z', 500), at('2025-01-01T01:30:00Z', 500)])))
      .toEqual([['00:00', 0, ''], ['00:30', 0, ''], ['01:00', 0, '']]);
  });

  it('a reversal is flagged, never negative, and the lower read is the new baseline', () => {
    const r = deriveHalfHourlyIntervals([at('2025-01-01T00:00:00Z', 10_000), at('2025-01-01T00:30:00Z', 9_990), at('2025-01-01T01:00:00Z', 10_040)]);
    expect(rows(r)).toEqual([['00:00', 0, 'REVERSAL'], ['00:30', 50, '']]);
    expect(r.every((x) => x.wh >= 0)).toBe(true);
  });

  it('a drop to about zero is a reset, counted from the new zero afterwards', () => {
    const r = deriveHalfHourlyIntervals([at('2025-01-01T00:00:00Z', 4_000_000), at('2025-01-01T00:30:00Z', 3), at('2025-01-01T01:00:00Z', 203)]);
    expect(rows(r)).toEqual([['00:00', 0, 'RESET'], ['00:30', 200, '']]);
  });

  it('classifies steps with a configurable reset threshold', () => {
    expect(classifyStep(100, 100)).toBe('ADVANCE');
    expect(classifyStep(5000, 4990)).toBe('REVERSAL');
    expect(classifyStep(5000, 100)).toBe('RESET');
    expect(classifyStep(5000, 101)).toBe('REVERSAL');
    expect(classifyStep(5000, 500, 1000)).toBe('RESET');
  });

  it('a reversal inside a half-hour flags that half-hour', () => {
    const r = deriveHalfHourlyIntervals([at('2025-01-01T00:05:00Z', 800), at('2025-01-01T00:10:00Z', 790), at('2025-01-01T00:20:00Z', 800)]);
    expect(rows(r)).toEqual([['00:00', 10, 'REVERSAL']]);
  });

  it('duplicate timestamps and fewer than two reads produce nothing', () => {
    expect(deriveHalfHourlyIntervals([])).toEqual([]);
    expect(deriveHalfHourlyIntervals([at('2025-01-01T00:00:00Z', 1)])).toEqual([]);
    expect(deriveHalfHourlyIntervals([at('2025-01-01T00:00:00Z', 1), at('2025-01-01T00:00:00Z', 5)])).toEqual([]);
  });

  it('merges import and export per interval', () => {
    const imp = deriveHalfHourlyIntervals([at('2025-01-01T00:00:00Z', 0), at('2025-01-01T00:30:00Z', 100)]);
    const exp = deriveHalfHourlyIntervals([at('2025-01-01T00:00:00Z', 5000), at('2025-01-01T00:30:00Z', 4990)]);
    expect(mergeImportExport(imp, exp)).toEqual([
      { start: new Date('2025-01-01T00:00:00Z'), importWh: 100, exportWh: 0, flags: ['REVERSAL'] },
    ]);
  });
});
