import type { z } from 'zod';
import type { BusMsg, Endpoint } from '../../adapters/bus';
import type { Access, DeclaredEndpoint } from './declaration';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { Family } from '../../core/subjects';
import type { ClusterRouting } from '../cluster/router';
import { fail, ok } from '../../core/reply';

/** Deeper than any request gridtwin defines: refused before a schema or the database walks it. */
const MAX_BODY_DEPTH = 32;

/**
 * Values no schema may let through (issue 11, defect 7): a NUL character (PostgreSQL text and jsonb cannot
 * hold one) anywhere in a key or string, and nesting past MAX_BODY_DEPTH. Refused with the path.
 */
function refuseUnstorable(v: unknown, path: string[] = []): void {
  if (path.length > MAX_BODY_DEPTH) throw invalid(path, `nested deeper than ${MAX_BODY_DEPTH} levels`);
  if (typeof v === 'string') {
    if (v.includes('\u0000')) throw invalid(path, 'must not contain a NUL character');
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => refuseUnstorable(x, [...path, String(i)]));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k.includes('\u0000')) throw invalid(path, 'a key must not contain a NUL character');
      refuseUnstorable(x, [...path, k]);
    }
  }
}

const invalid = (path: string[], message: string) =>
  new GridtwinError(ErrorCode.VALIDATION_FAILED, 'invalid request', { details: [{ path: path.join('.'), message }] });

/** The request body as JSON (an empty payload is `{}`); malformed JSON is BAD_REQUEST, unstorable values VALIDATION_FAILED. */
export function parseBody(m: BusMsg): unknown {
  if (m.data.length === 0) return {};
  let body: unknown;
  try {
    body = m.json();
  } catch {
    throw new GridtwinError(ErrorCode.BAD_REQUEST, 'payload is not valid JSON');
  }
  refuseUnstorable(body);
  return body;
}

/** The message of an id schema's failure (`z.string().regex(SUBJECT_SAFE_ID, ID_MESSAGE)`): such a failure is INVALID_ID. */
export const ID_MESSAGE = 'must be a subject-safe id (letters, digits, _ and -, at most 128)';

/**
 * Validates against a schema; VALIDATION_FAILED carries paths and messages only (never the input, which may
 * hold a secret). When every problem is a malformed id, the code is INVALID_ID, as it is for an id in a subject.
 */
export function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const details = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const code = details.every((d) => d.message === ID_MESSAGE) ? ErrorCode.INVALID_ID : ErrorCode.VALIDATION_FAILED;
    throw new GridtwinError(code, code === ErrorCode.INVALID_ID ? 'invalid id' : 'invalid request', { details });
  }
  return r.data;
}

/** The id a request is routed by: the one its subject names, or null when it is malformed (the handler refuses it). */
export const routedBy = <N extends readonly string[]>(f: Family<N>, name: N[number]) => (m: BusMsg): string | null => {
  const r = f.parse(m.subject);
  return r.ok ? (r.ids as Record<string, string>)[name]! : null;
};

/** In a cluster, serves a request on the node owning `deviceId`; one naming no valid device is refused here, by its own handler. */
export async function routeOrRefuse(cluster: ClusterRouting, deviceId: string | null, m: BusMsg, e: Endpoint): Promise<void> {
  if (deviceId === null) return e.handler(m);
  return cluster.route(deviceId, m, async () => void (await e.handler(m)));
}

/**
 * An endpoint whose handler's result becomes `{data}` and whose errors become `{error}` (internal ones logged, not
 * leaked), with its access declaration (gateway/nats/access.ts): there is no endpoint without one.
 */
export function endpointFactory(logger: Logger, what: string) {
  return (name: string, subject: string, access: Access, f: (m: BusMsg) => Promise<unknown>): DeclaredEndpoint => ({
    name,
    subject,
    access,
    handler: async (m) => {
      try {
        m.respond(ok(await f(m)));
      } catch (e) {
        const err = toGridtwinError(e);
        if (err.code === ErrorCode.INTERNAL) logger.error({ subject: m.subject, err: (e as Error).message }, `${what} request failed`);
        m.respond(fail(err));
      }
    },
  });
}
