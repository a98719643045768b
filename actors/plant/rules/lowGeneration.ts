import { addDays, zonedParts } from '../../../core/time';
import type { DailyEnergy } from '../../../adapters/solar/types';

/**
 * Low generation: today's yield so far against the median of the previous 7 plant-local days.
 * Below 30 % → YELLOW, below 10 % → RED.
 *
 * No verdict
 *  - with fewer than 3 of those 7 days on record: one or two days make a median that a single cloudy
 *    or missing day can swing, and new plants would be flagged on their second day;
 *  - when the median is 0 (nothing to compare with);
 *  - before 12:00 plant-local time: today's yield so far is compared with whole days, and before noon a
 *    normal day has produced well under half of its total (≈15 % by 09:00), so every plant would look
 *    low. At noon a normal day is near 50 %, so the 30 % line flags plants running at roughly < 60 % of
 *    normal and the 10 % line plants that are nearly dead — strict enough to act on, late enough to trust.
 */
export const LOW_GENERATION = {
  yellowBelow: 0.3,
  redBelow: 0.1,
  historyDays: 7,
  minHistoryDays: 3,
  verdictFromLocalHour: 12,
} as const;

export type LowGenerationVerdict =
  | { verdict: 'NO_VERDICT'; reason: 'too little history' | 'before local noon' | 'no generation to compare with' }
  | { verdict: 'OK' | 'YELLOW' | 'RED'; ratio: number; medianKwh: number };

export interface LowGenerationFacts {
  todayDate: string;
  todayKwh: number;
  /** Snapshots of earlier days; only the 7 days before todayDate are used. */
  history: readonly DailyEnergy[];
  now: Date;
  timezone: string;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}


export function lowGeneration(f: LowGenerationFacts): LowGenerationVerdict {
  const earliest = addDays(f.todayDate, -LOW_GENERATION.historyDays);
  const window = f.history.filter((d) => d.date >= earliest && d.date < f.todayDate).map((d) => d.kwh);
  if (window.length < LOW_GENERATION.minHistoryDays) return { verdict: 'NO_VERDICT', reason: 'too little history' };
  if (zonedParts(f.now, f.timezone).hour < LOW_GENERATION.verdictFromLocalHour) return { verdict: 'NO_VERDICT', reason: 'before local noon' };
  const medianKwh = median(window);
  if (medianKwh <= 0) return { verdict: 'NO_VERDICT', reason: 'no generation to compare with' };
  const ratio = f.todayKwh / medianKwh;
  const verdict = ratio < LOW_GENERATION.redBelow ? 'RED' : ratio < LOW_GENERATION.yellowBelow ? 'YELLOW' : 'OK';
  return { verdict, ratio, medianKwh };
}

/**
 * The alert a verdict raises: RED (< 10 %) is CRITICAL, which turns the plant RED through the status
 * table's critical-alert row; YELLOW (< 30 %) is MAJOR and the plant shows YELLOW through its low-generation row.
 */
export function lowGenerationAlertSeverity(v: LowGenerationVerdict): 'CRITICAL' | 'MAJOR' | null {
  return v.verdict === 'RED' ? 'CRITICAL' : v.verdict === 'YELLOW' ? 'MAJOR' : null;
}
