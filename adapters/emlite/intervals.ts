/**
 * Half-hourly interval data from consecutive cumulative register reads.
 *
 * Choice: consumption between two reads is SPREAD over the half-hours the pair covers, in proportion to
 * the time each half-hour overlaps the pair, rounded to whole Wh by largest remainder so that the
 * intervals of a pair add up exactly to its register delta. (Attributing everything to one interval would
 * put a day's consumption into one half-hour after a missed read.)
 *
 * A read lower than the previous one never becomes negative consumption: a drop to about zero is a
 * RESET (meter replaced or reset), any other drop a REVERSAL. The pair contributes nothing, the last
 * half-hour it spans (the one ending at or after the later read) is flagged, and the later read becomes the new baseline.
 */
export interface RegisterRead {
  /** UTC instant of the read. */
  timestamp: Date;
  /** Cumulative register value, Wh. */
  valueWh: number;
}

export type IntervalFlag = 'REVERSAL' | 'RESET';

export interface IntervalRow {
  /** Interval start, UTC, aligned to :00 or :30. */
  start: Date;
  wh: number;
  flags: IntervalFlag[];
}

export interface IntervalOptions {
  /** A drop to at most this value counts as a reset rather than a reversal. Default 100 Wh. */
  resetThresholdWh?: number;
}

export const HALF_HOUR_MS = 30 * 60_000;
const DEFAULTS = { resetThresholdWh: 100 };

export const alignToHalfHour = (ms: number): number => Math.floor(ms / HALF_HOUR_MS) * HALF_HOUR_MS;

/** Classifies the step between two reads: one rule, one place. */
export function classifyStep(previousWh: number, nextWh: number, resetThresholdWh = DEFAULTS.resetThresholdWh): 'ADVANCE' | IntervalFlag {
  if (nextWh >= previousWh) return 'ADVANCE';
  return nextWh <= resetThresholdWh ? 'RESET' : 'REVERSAL';
}

export function deriveHalfHourlyIntervals(reads: readonly RegisterRead[], options: IntervalOptions = {}): IntervalRow[] {
  const { resetThresholdWh } = { ...DEFAULTS, ...options };
  const sorted = [...reads].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const rows = new Map<number, IntervalRow>();
  const row = (start: number) => {
    let r = rows.get(start);
    if (!r) rows.set(start, (r = { start: new Date(start), wh: 0, flags: [] }));
    return r;
  };

  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const next = sorted[i]!;
    const t0 = prev.timestamp.getTime();
    const t1 = next.timestamp.getTime();
    if (t1 === t0) continue;
    const step = classifyStep(prev.valueWh, next.valueWh, resetThresholdWh);
    if (step !== 'ADVANCE') {
      const r = row(alignToHalfHour(t1 - 1));
      if (!r.flags.includes(step)) r.flags.push(step);
      continue;
    }
    for (const [start, wh] of spread(t0, t1, next.valueWh - prev.valueWh)) row(start).wh += wh;
  }
  return [...rows.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Splits `wh` over the half-hours of [t0, t1) by overlap; largest remainder keeps the sum exact. */
function spread(t0: number, t1: number, wh: number): [number, number][] {
  const parts: { start: number; exact: number; whole: number }[] = [];
  for (let start = alignToHalfHour(t0); start < t1; start += HALF_HOUR_MS) {
    const overlap = Math.min(t1, start + HALF_HOUR_MS) - Math.max(t0, start);
    const exact = (wh * overlap) / (t1 - t0);
    parts.push({ start, exact, whole: Math.floor(exact) });
  }
  let left = wh - parts.reduce((s, p) => s + p.whole, 0);
  const byRemainder = [...parts].sort((a, b) => b.exact - b.whole - (a.exact - a.whole) || a.start - b.start);
  for (const p of byRemainder) {
    if (left <= 0) break;
    p.whole++;
    left--;
  }
  return parts.map((p) => [p.start, p.whole]);
}

export interface ImportExportInterval {
  start: Date;
  importWh: number;
  exportWh: number;
  flags: IntervalFlag[];
}

/** Joins import and export rows by interval start (`register_interval_hh` shape). */
export function mergeImportExport(importRows: readonly IntervalRow[], exportRows: readonly IntervalRow[]): ImportExportInterval[] {
  const out = new Map<number, ImportExportInterval>();
  const get = (d: Date) => {
    let r = out.get(d.getTime());
    if (!r) out.set(d.getTime(), (r = { start: d, importWh: 0, exportWh: 0, flags: [] }));
    return r;
  };
  for (const r of importRows) Object.assign(get(r.start), { importWh: r.wh }).flags.push(...r.flags);
  for (const r of exportRows) {
    const m = get(r.start);
    m.exportWh = r.wh;
    for (const f of r.flags) if (!m.flags.includes(f)) m.flags.push(f);
  }
  return [...out.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}
