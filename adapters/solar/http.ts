import { Agent, request } from 'undici';
import type { z } from 'zod';
import { isGridtwinError } from '../../core/errors';
import { isValidTimeZone } from '../../core/time';
import {
  DEFAULT_RETRY_AFTER_MS, authFailed, invalidData, networkTimeout, parseRetryAfter, rateLimited, vendorError,
  type VendorFailure,
} from './errors';
import type { SolarBrand } from './types';

/**
 * The one HTTP path of the solar adapters: undici with a per-credential Agent, a hard deadline per call,
 * and the mapping of transport and HTTP failures onto typed errors. Vendor envelopes are checked by the
 * clients after `readJson`.
 */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export class VendorHttp {
  private readonly agent: Agent;

  constructor(readonly brand: SolarBrand, private readonly timeoutMs: number, connections: number) {
    this.agent = new Agent({ connections, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: timeoutMs });
  }

  async post(url: string, operation: string, headers: Record<string, string>, body: string): Promise<HttpResponse> {
    try {
      const res = await request(url, {
        method: 'POST', headers, body, dispatcher: this.agent, signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    } catch (e) {
      throw networkTimeout({ brand: this.brand, operation }, stripUrl(e));
    }
  }

  /** Maps non-2xx statuses, then parses and validates the JSON body. */
  readJson<S extends z.ZodType>(res: HttpResponse, operation: string, schema: S): z.infer<S> {
    const failure: VendorFailure = { brand: this.brand, operation, httpStatus: res.status };
    if (res.status === 401 || res.status === 403) throw authFailed({ ...failure, vendorMessage: snippet(res.text) });
    if (res.status === 429) throw rateLimited(failure, parseRetryAfter(res.headers['retry-after'], DEFAULT_RETRY_AFTER_MS));
    if (res.status < 200 || res.status >= 300) throw vendorError({ ...failure, vendorMessage: snippet(res.text) });
    return parseBody(this.brand, operation, res.text, schema);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export function parseBody<S extends z.ZodType>(brand: SolarBrand, operation: string, text: string, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidData({ brand, operation, vendorMessage: snippet(text) }, 'response is not JSON', e);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issues = innermost(r.error.issues).slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw invalidData({ brand, operation, vendorMessage: issues.join('; ') }, 'response does not match the expected shape', r.error);
  }
  return r.data;
}

const snippet = (text: string) => text.slice(0, 200);

type Issue = { path: PropertyKey[]; message: string; code?: string; errors?: Issue[][] };
/**
 * A union's failure (`data` is "the shape or null") says only "Invalid input" at the union; the field at fault
 * is inside the branch that got furthest (deepest path), so that branch's issues are reported, paths joined.
 */
function innermost(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((i) => {
    if (i.code !== 'invalid_union' || !i.errors?.length) return [i];
    const depth = (branch: Issue[]) => Math.max(...branch.map((b) => b.path.length));
    const best = i.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    return innermost(best).map((b) => ({ ...b, path: [...i.path, ...b.path] }));
  });
}

/** Transport errors can carry the request URL (Deye puts appId in the query); keep only name, code and message. */
function stripUrl(e: unknown): unknown {
  if (isGridtwinError(e)) return e;
  if (e instanceof Error) {
    const out = new Error(e.message);
    out.name = e.name;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') Object.assign(out, { code });
    return out;
  }
  return e;
}

/** How a client refuses an answer: INVALID_DATA_FORMAT naming the field (its `invalidData` with `vendorMessage: field`). */
export type Refuse = (field: string, problem: string) => Error;

/**
 * A vendor number we store. Vendors send numbers as numbers or strings; null, absent and "" (or blanks) mean
 * absent → null. Anything else that is not a finite number ("NaN", "1e400", "abc") — or, for energy and capacity
 * (`nonNegative`), a negative value — would store a wrong value: refused naming `field`.
 */
export function readNumber(v: unknown, field: string, refuse: Refuse, opts: { nonNegative?: boolean } = {}): number | null {
  // "--" is how SEMS writes "no value" (TimSoethout/goodwe-sems-home-assistant tests/test-data/*_getData.json @b24fee88):
  // absent, like "" — a required field is still refused by its caller as missing
  if (v === null || v === undefined || (typeof v === 'string' && (v.trim() === '' || v.trim() === '--'))) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw refuse(field, `${JSON.stringify(v) ?? String(v)} is not a number`);
  if (opts.nonNegative && n < 0) throw refuse(field, `${n} is negative`);
  return n;
}

/** Epoch milliseconds as a Date; null stays null, a value outside the Date range (an Invalid Date) is refused. */
export function readInstant(ms: number | null, field: string, refuse: Refuse): Date | null {
  if (ms === null) return null;
  const d = new Date(ms);
  if (!Number.isFinite(d.getTime())) throw refuse(field, `${ms} is not a time`);
  return d;
}

/** A vendor's IANA time zone: absent or "" → null; a name Intl does not know would misdate every day: refused naming `field`. */
export function readZone(v: string | null | undefined, field: string, refuse: Refuse): string | null {
  if (v === null || v === undefined || v.trim() === '') return null;
  if (!isValidTimeZone(v)) throw refuse(field, `${JSON.stringify(v)} is not an IANA time zone`);
  return v;
}

/** A plant-local day YYYY-MM-DD that exists (not 2026-06-31), else refused naming `field`. */
export function readDay(day: string, field: string, refuse: Refuse): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const at = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !at || at.getUTCFullYear() !== Number(m[1]) || at.getUTCMonth() + 1 !== Number(m[2]) || at.getUTCDate() !== Number(m[3])) {
    throw refuse(field, `${JSON.stringify(day)} is not a day`);
  }
  return day;
}

/** Vendors send numbers as numbers or strings; "" and null mean absent (for values we do not store, e.g. a token lifetime). */
export function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}
