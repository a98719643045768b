import { randomUUID } from 'node:crypto';
import { ErrorCode, GridtwinError } from './errors';

/** Ids travel inside NATS subjects and WS topics, so they must be a single subject token. */
export const SUBJECT_SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function assertSubjectSafeId(id: unknown, what = 'id'): string {
  if (typeof id !== 'string' || !SUBJECT_SAFE_ID.test(id)) {
    throw new GridtwinError(ErrorCode.INVALID_ID, `${what} must match ${SUBJECT_SAFE_ID.source}`, {
      details: { field: what, value: typeof id === 'string' ? id.slice(0, 140) : typeof id },
    });
  }
  return id;
}

export const newId = (): string => randomUUID();
