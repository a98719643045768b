import { ErrorCode, GridtwinError } from '../core/errors';

/**
 * Keyset paging: a cursor is the (timestamp, id) of the last row of a page, opaque to callers
 * (base64url JSON). Rows are ordered newest first, ties broken by id.
 */
export interface Cursor { at: string; id: string }

export const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');

export function decodeCursor(s: string | undefined): Cursor | null {
  if (!s) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(at))) return { at, id };
  } catch { /* refused below */ }
  throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'cursor is not one this API returned', { details: [{ path: 'cursor', message: 'invalid cursor' }] });
}

/** One page of `limit` rows (one more was read to know whether another page follows). */
export function page<T>(rows: T[], limit: number, keyOf: (r: T) => Cursor): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit && items.length ? encodeCursor(keyOf(items[items.length - 1]!)) : null };
}
