import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors';
import type { Reply } from '../../core/reply';
import { createWorld, type World } from '../helpers/world';

/**
 * Issue 11 fuzz: a seeded generator over every request channel of docs/asyncapi.yaml (runtime, sync and plant
 * services) with hostile bodies built from the field names the contract defines. Every case carries a value no
 * body may hold (a NUL character, or nesting past the limit), so any request that parses its body must be
 * refused — and nothing may be written. Counted in cases, not time.
 */
const CASES = 10_000;
const SEED = 20261202;
const asyncapi = readFileSync(new URL('../../docs/asyncapi.yaml', import.meta.url), 'utf8');
/** Request channels (publish operations): everything under the prefix but events and node-to-node traffic. */
const CHANNELS = [...asyncapi.matchAll(/^ {2}(gridtwin\.[^:\s]+):$/gm)].map((m) => m[1]!).filter((c) => !c.startsWith('gridtwin.evt.'));
/** Every property name the contract's schemas define. */
const FIELDS = [...new Set([...asyncapi.slice(asyncapi.indexOf('\n  schemas:')).matchAll(/^ {8,}([a-zA-Z][a-zA-Z0-9]*):/gm)].map((m) => m[1]!))]
  .filter((f) => !['type', 'properties', 'items', 'enum', 'description', 'required', 'additionalProperties', 'format', 'default', 'minimum', 'maximum', 'oneOf', 'allOf', 'anyOf', 'example', 'examples', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'payload', 'name', 'title', 'summary', 'contentType', '$ref'].includes(f))
  .concat(['type', 'name']);

const deep = (levels: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { nested: v };
  return v;
};
const nul = fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`);
const unstorable = fc.oneof(nul, fc.integer({ min: 33, max: 200 }).map(deep));
const hostile = fc.oneof(
  unstorable,
  fc.constantFrom(1e308, -1e308, 1e30, Number.MAX_SAFE_INTEGER * 1024, -0, 0.1 + 0.2),
  fc.oneof(fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 })),
  fc.integer({ min: 1, max: 5 }).map((k) => 'x'.repeat(k * 2_000)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('m0', 'g1', 'org1', 'READ_CREDIT', 'TURN_OFF', 'CALIN_V2', '2026-12-02T00:00:00Z', '*', '>', '..', ''),
);
const token = fc.oneof(
  fc.constantFrom('m0', 'm1', 'g1', 'd1', 'org1', 'nope', 'x'.repeat(200)),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((t) => !/[\s.*>]/.test(t)),
);
const body = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.dictionary(fc.constantFrom(...FIELDS), hostile, { maxKeys: 5 }), fc.constantFrom(...FIELDS), unstorable)
    .map(([o, k, bad]) => ({ ...o, [k]: bad })) },
  { weight: 1, arbitrary: unstorable },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FIELDS), unstorable).map(([k, bad]) => ({ params: { [k]: bad } })) },
);
const request = fc.record({ channel: fc.constantFrom(...CHANNELS), ids: fc.array(token, { minLength: 3, maxLength: 3 }), body });

let w: World;
beforeAll(async () => {
  w = await createWorld();
  await w.seed({ meters: 2 });
});
afterAll(async () => w?.stop());

async function rowCounts(): Promise<Record<string, number>> {
  const tables = await w.db.sql.all<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'mikro_orm%'`);
  const out: Record<string, number> = {};
  for (const { t } of tables) out[t] = Number((await w.db.sql.one<{ n: string }>(`select count(*) as n from "${t}"`))!.n);
  return out;
}

describe('issue 11 fuzz', () => {
  it(`hostile requests on every channel of the contract (${CASES} seeded cases): structured replies only, 0 INTERNAL, 0 without reply, 0 crashes, 0 rows`, async () => {
    expect(CHANNELS.length).toBeGreaterThan(20);
    const cases = fc.sample(request, { seed: SEED, numRuns: CASES });
    const before = await rowCounts();
    const byOutcome: Record<string, number> = {};
    const bad: unknown[] = [];
    const limit = pLimit(64);
    const known = new Set<string>(Object.values(ErrorCode));
    await Promise.all(cases.map((c) => limit(async () => {
      let i = 0;
      const subject = c.channel.replace(/\{[^}]+\}/g, () => c.ids[i++]!).replace(/^gridtwin\./, `${w.config.prefix}.`);
      let outcome: string;
      try {
        const r = await w.bus.request<Reply<unknown>>(subject, c.body, { timeoutMs: 30_000 });
        if (r && typeof r === 'object' && 'data' in r) outcome = 'data';
        else if (r && typeof r === 'object' && 'error' in r && known.has(r.error.code) && typeof r.error.message === 'string') outcome = r.error.code;
        else outcome = 'UNSTRUCTURED';
      } catch (e) {
        outcome = `NO_REPLY`;
        if (bad.length < 5) bad.push({ subject, err: (e as Error).message });
      }
      byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
      if ((outcome === 'INTERNAL' || outcome === 'UNSTRUCTURED') && bad.length < 5) bad.push({ subject, outcome });
    })));
    const after = await rowCounts();
    const crashes = (await w.node.metrics.actorCrashes.get()).values.reduce((n, v) => n + v.value, 0);
    console.info('fuzz outcomes', { cases: cases.length, channels: CHANNELS.length, byOutcome, crashes });
    expect(bad).toEqual([]);
    expect(byOutcome.INTERNAL ?? 0).toBe(0);
    expect(byOutcome.UNSTRUCTURED ?? 0).toBe(0);
    expect(byOutcome.NO_REPLY ?? 0).toBe(0);
    expect(crashes).toBe(0);
    expect(after).toEqual(before);
    expect(Object.values(byOutcome).reduce((a, b) => a + b, 0)).toBe(CASES);
  }, 600_000);
});
