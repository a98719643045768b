import fc from 'fast-check';

/**
 * JSON mutations shared by the decoder fuzz tests (issue 14 item 3): a valid vendor answer is taken apart one
 * place at a time — a field dropped, nulled, given the wrong type, a huge or NaN-like value, deep nesting —
 * or given unknown extra keys at any object level. Paths name where the change was made.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Path = Array<string | number>;

/** Every path in a JSON value that leads to an object key or an array item. */
export function pathsOf(v: unknown, at: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...at, i], ...pathsOf(x, [...at, i])]);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [[...at, k], ...pathsOf(x, [...at, k])]);
  return [];
}

/** Every path to an object (the root included): where extra keys may go. */
export function objectPathsOf(v: unknown, at: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => objectPathsOf(x, [...at, i]));
  if (v && typeof v === 'object') return [at, ...Object.entries(v).flatMap(([k, x]) => objectPathsOf(x, [...at, k]))];
  return [];
}

const clone = <T>(v: T): T => structuredClone(v);
function parentOf(root: unknown, path: Path): Record<string | number, unknown> {
  let cur = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  return cur;
}

export function dropAt<T>(v: T, path: Path): T {
  const out = clone(v);
  const parent = parentOf(out, path);
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
  return out;
}

export function setAt<T>(v: T, path: Path, value: unknown): T {
  const out = clone(v);
  if (path.length === 0) return value as T;
  parentOf(out, path)[path[path.length - 1]!] = value;
  return out;
}

export function getAt(v: unknown, path: Path): unknown {
  return path.reduce<unknown>((cur, k) => (cur as Record<string | number, unknown> | null)?.[k], v);
}

/** Values a vendor should not send where a number or text is expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, '', ' ', 'NaN', 'Infinity', '-Infinity', 'null', 'undefined', '1e400', '-1', '0x10', 'abc', true, false, 0, -1, -0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, [], {}),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.nat(40).map((depth) => Array.from({ length: depth }).reduce<unknown>((acc) => ({ nested: acc }), 1)),
);

/** Unknown keys (never colliding with the answer's own). */
export const extraKeys = (taken: (key: string) => boolean) =>
  fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }).map((k) => `x_${k}`).filter((k) => !taken(k)), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 });

/** The valid answer with unknown keys added at one to three object levels. */
export function withExtraKeys<T>(valid: T): fc.Arbitrary<T> {
  const places = objectPathsOf(valid);
  return fc.array(fc.tuple(fc.constantFrom(...places), extraKeys(() => false)), { minLength: 1, maxLength: 3 }).map((adds) => {
    let out = clone(valid);
    for (const [path, extra] of adds) {
      const target = path.length === 0 ? out : getAt(out, path);
      const own = target as Record<string, unknown>;
      const fresh = Object.fromEntries(Object.entries(extra).filter(([k]) => !(k in own)));
      out = path.length === 0 ? ({ ...own, ...fresh } as T) : setAt(out, path, { ...own, ...fresh });
    }
    return out;
  });
}

export type Mutation = { kind: 'drop' | 'null' | 'replace'; path: Path; value?: unknown };

/** One mutation of a valid answer, with what was done and where. */
export function mutationOf<T>(valid: T): fc.Arbitrary<{ answer: T; mutation: Mutation }> {
  const paths = pathsOf(valid);
  return fc.oneof(
    fc.constantFrom(...paths).map((path) => ({ answer: dropAt(valid, path), mutation: { kind: 'drop' as const, path } })),
    fc.constantFrom(...paths).map((path) => ({ answer: setAt(valid, path, null), mutation: { kind: 'null' as const, path } })),
    fc.tuple(fc.constantFrom(...paths), hostileValue).map(([path, value]) => ({ answer: setAt(valid, path, value), mutation: { kind: 'replace' as const, path, value } })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ answer: value as T, mutation: { kind: 'replace' as const, path: [], value } })),
  );
}

const realDate = (s: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() + 1 === Number(m[2]) && d.getUTCDate() === Number(m[3]);
};
export const isRealDate = realDate;

/** What a decoded meter result may hold to be stored: finite numbers, a real calendar date, a real time, text versions. */
export function storableProblems(r: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of ['kwhCredit', 'powerLimitW', 'voltageV', 'currentA', 'powerW'] as const) {
    if (r[k] !== undefined && !(typeof r[k] === 'number' && Number.isFinite(r[k]))) out.push(`${k} = ${String(r[k])}`);
  }
  if (r.date !== undefined && !(typeof r.date === 'string' && realDate(r.date))) out.push(`date = ${String(r.date)}`);
  if (r.time !== undefined && !(typeof r.time === 'string' && /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/.test(r.time))) out.push(`time = ${String(r.time)}`);
  if (r.version !== undefined && !(typeof r.version === 'string' && r.version !== '' && !r.version.includes('[object'))) out.push(`version = ${String(r.version)}`);
  if (r.isOn !== undefined && typeof r.isOn !== 'boolean') out.push(`isOn = ${String(r.isOn)}`);
  return out;
}
