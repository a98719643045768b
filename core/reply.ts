import { GridtwinError, toGridtwinError, type ErrorBody } from './errors';

/** Every request/reply answer on NATS, the WS command channel and the HTTP API has this shape. */
export type Reply<T> = { data: T } | { error: ErrorBody };

export const ok = <T>(data: T): Reply<T> => ({ data });
export const fail = (e: unknown): Reply<never> => ({ error: toGridtwinError(e).toJSON() });

/** Unwraps a reply, throwing the GridtwinError it carries. */
export function unwrap<T>(r: Reply<T>): T {
  if ('error' in r) throw new GridtwinError(r.error.code, r.error.message, { details: r.error.details });
  return r.data;
}
