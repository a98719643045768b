import { addDays } from '../../../core/time';
import { plantDay } from './plantDay';

/** Backfill looks at D-3..D-0 in the plant's own calendar; these are the days with no snapshot, ascending. */
export const BACKFILL_DAYS = 3;

export function missingSnapshotDays(now: Date, timezone: string, snapshotDates: Iterable<string>): string[] {
  const have = new Set(snapshotDates);
  const today = plantDay(now, timezone);
  const out: string[] = [];
  for (let back = BACKFILL_DAYS; back >= 0; back--) {
    const d = addDays(today, -back);
    if (!have.has(d)) out.push(d);
  }
  return out;
}

/** The one series request covering the missing days (null when none are missing). */
export function backfillRange(missing: readonly string[]): { from: string; to: string } | null {
  return missing.length ? { from: missing[0]!, to: missing[missing.length - 1]! } : null;
}
