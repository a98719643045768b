/**
 * The one home of clock and time helpers: the clock type, millisecond units, ISO conversions and calendar
 * arithmetic. Calendar dates are `YYYY-MM-DD` strings (in a plant's IANA zone where one is named); instants
 * are Date or epoch ms. Intl only; formatters are cached per zone because a sweep formats thousands of dates.
 */

/** Epoch milliseconds now. Injected wherever time matters so a test can move it. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A database or wire timestamp (Date, ISO text, epoch ms) as ISO 8601 UTC. */
export const toIso = (v: unknown): string => (v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v))).toISOString();
/** `toIso`, keeping SQL NULL (and undefined) as null. */
export const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : toIso(v));
/** The UTC calendar date of an instant (`YYYY-MM-DD`). */
export const utcDate = (instant: Date | number): string => new Date(instant).toISOString().slice(0, 10);

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface ZonedParts { year: number; month: number; day: number; hour: number; minute: number; second: number }

export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour!, minute: out.minute!, second: out.second! };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The plant-local date of an instant. */
export function dateInZone(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** Offset of the zone from UTC at that instant, in ms (Sao Paulo → −3 h). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant a plant-local wall-clock time happens (two passes settle DST transitions). */
export function zonedTimeToInstant(date: string, timeZone: string, hour = 0, minute = 0, second = 0): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hour, minute, second);
  let guess = wall - zoneOffsetMs(new Date(wall), timeZone);
  guess = wall - zoneOffsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

export const startOfDayInZone = (date: string, timeZone: string): Date => zonedTimeToInstant(date, timeZone);

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return utcDate(Date.UTC(y, m - 1, d + days));
}

/** The last date of a `YYYY-MM` month. */
export function lastDateOfMonth(month: string): string {
  return utcDate(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0));
}

/** Inclusive list of dates from..to (empty when from > to). */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** `YYYY-MM` months touched by an inclusive date range, ascending. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const end = to.slice(0, 7);
  for (;;) {
    const ym = `${pad(y, 4)}-${pad(m)}`;
    if (ym > end) break;
    out.push(ym);
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
  return out;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
