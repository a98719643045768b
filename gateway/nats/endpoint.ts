import type { z } from 'zod';
import type { BusMsg, Endpoint } from '../../adapters/bus';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { fail, ok } from '../../core/reply';

/** The request body as JSON (an empty payload is `{}`); malformed JSON is BAD_REQUEST. */
export function parseBody(m: BusMsg): unknown {
  if (m.data.length === 0) return {};
  try {
    return m.json();
  } catch {
    throw new GridtwinError(ErrorCode.BAD_REQUEST, 'payload is not valid JSON');
  }
}

/** Validates against a schema; VALIDATION_FAILED carries paths and messages only (never the input, which may hold a secret). */
export function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'invalid request', { details: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return r.data;
}

/** The token at `index` after the prefix (ids in subjects are single tokens). */
export const subjectToken = (subject: string, prefix: string, index: number) => subject.slice(prefix.length + 1).split('.')[index] ?? '';

/** An endpoint whose handler's result becomes `{data}` and whose errors become `{error}` (internal ones logged, not leaked). */
export function endpointFactory(logger: Logger, what: string) {
  return (name: string, subject: string, f: (m: BusMsg) => Promise<unknown>): Endpoint => ({
    name,
    subject,
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
