import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * The reply contract of docs/asyncapi.yaml, for checking real replies: each command channel's `x-reply` payload
 * schema (refs resolved by @asyncapi/parser), found by subject. A reply passes when it validates (ajv) and every field
 * it carries is described — an object without `properties` or an explicit `additionalProperties`, or a key its schema
 * does not name, is reported as undocumented.
 */
type Schema = Record<string, any>;

export interface ReplyContract {
  /** The reply schema of the channel serving `subject` (node prefix `prefix`), or undefined when none is documented. */
  schemaFor(subject: string, prefix: string): { channel: string; schema: Schema } | undefined;
  /** Problems of one reply against its schema: ajv errors and undocumented fields, as `path: what` lines. */
  problems(schema: Schema, reply: unknown): string[];
}

export async function loadReplyContract(file = new URL('../../docs/asyncapi.yaml', import.meta.url)): Promise<ReplyContract> {
  const { document, diagnostics } = await new Parser().parse(readFileSync(file, 'utf8'));
  if (!document) throw new Error(`docs/asyncapi.yaml does not parse: ${diagnostics.map((d) => d.message).join('; ')}`);
  const channels = (document.json() as { channels: Record<string, { publish?: { 'x-reply'?: { payload?: Schema } } }> }).channels;
  const routes = Object.entries(channels)
    .filter(([, c]) => c.publish?.['x-reply']?.payload)
    .map(([name, c]) => ({
      name, params: (name.match(/\{/g) ?? []).length, schema: c.publish!['x-reply']!.payload!,
      re: (prefix: string) => new RegExp(`^${[prefix, ...name.split('.').slice(1)].map((p) => (p.startsWith('{') ? '[^.]+' : p.replace(/[-]/g, '\\-'))).join('\\.')}$`),
    }))
    .sort((a, b) => a.params - b.params);
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const compiled = new WeakMap<object, ValidateFunction>();
  const validator = (schema: Schema) => {
    let f = compiled.get(schema);
    if (!f) compiled.set(schema, (f = ajv.compile(schema)));
    return f;
  };
  const matches = (schema: Schema, v: unknown) => validator(schema)(v) as boolean;

  const walk = (schema: Schema | boolean | undefined, v: unknown, path: string, out: string[]): void => {
    if (!schema || schema === true) return;
    const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
    if (alternatives) {
      const branch = alternatives.find((b) => matches(b, v));
      if (branch) walk(branch, v, path, out);
    }
    if (Array.isArray(v)) {
      const items = [schema, ...((schema.allOf as Schema[] | undefined) ?? [])].map((p) => p.items).find(Boolean);
      if (items) v.forEach((x, i) => walk(items, x, `${path}[${i}]`, out));
      else if (!alternatives && v.length) out.push(`${path}: array items not described`);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const parts: Schema[] = [schema, ...((schema.allOf as Schema[] | undefined) ?? [])];
    const described = parts.some((p) => p.properties || p.additionalProperties !== undefined || p.patternProperties);
    if (!described) {
      if (!alternatives) out.push(`${path}: object without described fields`);
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const named = parts.map((p) => (p.properties as Record<string, Schema> | undefined)?.[k]).filter(Boolean) as Schema[];
      if (named.length) {
        for (const n of named) walk(n, x, `${path}.${k}`, out);
        continue;
      }
      const extra = parts.map((p) => p.additionalProperties).find((a) => a !== undefined && a !== false);
      if (extra === undefined) out.push(`${path}.${k}: undocumented field`);
      else walk(extra as Schema | boolean, x, `${path}.${k}`, out);
    }
  };

  return {
    schemaFor(subject, prefix) {
      const r = routes.find((x) => x.re(prefix).test(subject));
      return r && { channel: r.name, schema: r.schema };
    },
    problems(schema, reply) {
      const out: string[] = [];
      const f = validator(schema);
      if (!f(reply)) out.push(...(f.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`));
      walk(schema, reply, '', out);
      return out;
    },
  };
}
