/**
 * Values many hot meter actors hold alike — an organization's settings, a grid's DCUs, short strings such
 * as a protocol or a grid id, empty objects — are held once instead of once per actor (heap per hot meter
 * actor, issue 12). Shared values are frozen: decisions never change state in place, and one that tried
 * would fail loudly instead of changing every meter's copy.
 */
const MAX_ENTRIES = 20_000;
const strings = new Map<string, string>();
const values = new Map<string, unknown>();

export const EMPTY_OBJECT: Record<string, unknown> = Object.freeze({});
export const EMPTY_LIST: readonly never[] = Object.freeze([]);

/** One copy of a short string seen often (the table is emptied when full, which only costs copies). */
export function sharedString<T extends string | null>(s: T): T {
  if (s === null || s.length > 64) return s;
  const known = strings.get(s);
  if (known !== undefined) return known as T;
  if (strings.size >= MAX_ENTRIES) strings.clear();
  strings.set(s, s);
  return s;
}

/** One frozen copy of a JSON-like value per distinct content (`key` names its kind, e.g. an organization's settings). */
export function sharedValue<T>(key: string, v: T): T {
  if (v !== null && typeof v === 'object' && Object.keys(v).length === 0 && !Array.isArray(v)) return EMPTY_OBJECT as T;
  const k = `${key}\u0000${JSON.stringify(v)}`;
  const known = values.get(k);
  if (known !== undefined) return known as T;
  if (values.size >= MAX_ENTRIES) values.clear();
  values.set(k, deepFreeze(v));
  return v;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
