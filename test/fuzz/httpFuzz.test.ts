import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors';
import { orgToken, startDemoNode, type DemoNode } from '../gateway/demoNode';

/**
 * Issue 11 fuzz, HTTP side: seeded hostile requests over every route of the served OpenAPI document (the HTTP
 * schemas), with an admin token of the demo organization so requests get past authorization to the parsers.
 * Path ids are hostile or unknown, query values hostile, and every body carries a value no body may hold (a NUL
 * character or nesting past the limit). Every answer must be a structured JSON reply with a known code, never a
 * 5xx, and nothing may be written. Counted in cases, not time.
 */
const CASES = 3_000;
const SEED = 20261202;

const deep = (levels: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { nested: v };
  return v;
};
const unstorable = fc.oneof(fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`), fc.integer({ min: 33, max: 120 }).map(deep));
const hostile = fc.oneof(
  fc.constantFrom('1e308', '-1', '0', 'NaN', 'true', 'null', '[]', '{}', '*', '>', '..', '%00', '%E0%A4%A', 'x'.repeat(3_000)),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer().map(String),
);
const pathId = fc.oneof(
  fc.constantFrom('nope', 'mtr-zz', 'a.b', '%2A', '%3E', '%20', 'x'.repeat(300), '%00'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
);
const body = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.oneof(hostile, unstorable), { maxKeys: 4 }), fc.string({ minLength: 1, maxLength: 12 }), unstorable).map(([o, k, bad]) => ({ ...o, [k]: bad })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('type', 'params', 'meterIds', 'name', 'organizationId', 'gridId', 'desired', 'idempotencyKey'), unstorable).map(([k, bad]) => ({ [k]: bad })) },
  { weight: 1, arbitrary: fc.constantFrom('{"a":', 'not json', '\u0000', '[]', 'null') },
);

let d: DemoNode;
let auth: Record<string, string>;
let routes: Array<{ method: string; path: string }>;
beforeAll(async () => {
  d = await startDemoNode();
  auth = { authorization: `Bearer ${await orgToken('demo-esco', { role: 'admin' })}` };
  const doc = (await d.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
}, 180_000);
afterAll(() => d?.stop());

async function rowCounts(): Promise<Record<string, number>> {
  const sql = d.node.db.sql;
  const tables = await sql.all<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'mikro_orm%'`);
  const out: Record<string, number> = {};
  for (const { t } of tables) out[t] = Number((await sql.one<{ n: string }>(`select count(*) as n from "${t}"`))!.n);
  return out;
}

describe('issue 11 fuzz (HTTP)', () => {
  it(`hostile requests on every route of /openapi.json (${CASES} seeded cases): structured replies only, no 5xx, 0 rows`, async () => {
    expect(routes.length).toBeGreaterThan(20);
    const request = fc.record({ route: fc.constantFrom(...routes), ids: fc.array(pathId, { minLength: 3, maxLength: 3 }), query: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), hostile, { maxKeys: 3 }), body });
    const cases = fc.sample(request, { seed: SEED, numRuns: CASES });
    const known = new Set<string>(Object.values(ErrorCode));
    const before = await rowCounts();
    const byStatus: Record<string, number> = {};
    const bad: unknown[] = [];
    const limit = pLimit(16);
    await Promise.all(cases.map((c) => limit(async () => {
      let i = 0;
      const path = c.route.path.replace(/\{[^}]+\}/g, () => c.ids[i++]!);
      const qs = new URLSearchParams(c.query).toString();
      const withBody = !['GET', 'HEAD', 'DELETE'].includes(c.route.method);
      const r = await d.call(c.route.method, `${path}${qs ? `?${qs}` : ''}`, withBody ? c.body : undefined, auth);
      const structured = r.body && typeof r.body === 'object' && ('data' in r.body || (r.body.error && known.has(r.body.error.code) && typeof r.body.error.message === 'string'));
      const key = `${r.status} ${r.body?.error?.code ?? (structured ? 'data' : 'UNSTRUCTURED')}`;
      byStatus[key] = (byStatus[key] ?? 0) + 1;
      if ((r.status >= 500 || !structured || r.body?.error?.code === 'INTERNAL') && bad.length < 5) bad.push({ method: c.route.method, path, status: r.status, body: r.body });
    })));
    const after = await rowCounts();
    console.info('http fuzz outcomes', { cases: cases.length, routes: routes.length, byStatus });
    expect(bad).toEqual([]);
    expect(after).toEqual(before);
    expect(Object.values(byStatus).reduce((a, b) => a + b, 0)).toBe(CASES);
  }, 600_000);
});
