/**
 * The one catalogue of gridtwin error codes. Every wire error reply, adapter failure and validation
 * problem is a GridtwinError with one of these codes; vendor codes are mapped to them in the adapters
 * (the vendor's own code and message are kept in `cause` / `details`).
 */
export const ErrorCode = {
  // request / validation
  BAD_REQUEST: 'BAD_REQUEST', // malformed JSON, wrong shape
  VALIDATION_FAILED: 'VALIDATION_FAILED', // well-formed but violates a rule (params, amounts, ids)
  INVALID_ID: 'INVALID_ID', // id is not subject-safe
  UNKNOWN_SUBJECT: 'UNKNOWN_SUBJECT', // a request under the prefix that no endpoint serves
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT', // optimistic version / fencing conflict
  ALREADY_EXISTS: 'ALREADY_EXISTS', // another record already has this unique value (serial, external reference)
  INVALID_STATE: 'INVALID_STATE', // e.g. abort of a finished interaction
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED', // same key, different request
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  // runtime
  TIMEOUT: 'TIMEOUT',
  UNAVAILABLE: 'UNAVAILABLE', // dependency down (database, NATS, mediator)
  BUSY: 'BUSY', // device busy (e.g. mediator RESOURCE_EXHAUSTED)
  INTERNAL: 'INTERNAL',
  // device / vendor adapters
  AUTH_FAILED: 'AUTH_FAILED',
  RATE_LIMIT_EXCEEDED: 'RATE_LIMIT_EXCEEDED',
  NETWORK_TIMEOUT: 'NETWORK_TIMEOUT',
  INVALID_DATA_FORMAT: 'INVALID_DATA_FORMAT',
  VENDOR_ERROR: 'VENDOR_ERROR',
  DEVICE_REJECTED: 'DEVICE_REJECTED', // the meter answered but refused the command
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The HTTP-style status of each wire error code: the HTTP API's status and the NATS micro
 * `Nats-Service-Error-Code` header. Anything unlisted is 500.
 */
const STATUS_BY_CODE: Partial<Record<string, number>> = {
  [ErrorCode.VALIDATION_FAILED]: 400,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.INVALID_ID]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.UNKNOWN_SUBJECT]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.ALREADY_EXISTS]: 409,
  [ErrorCode.INVALID_STATE]: 409,
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: 409,
  [ErrorCode.RATE_LIMIT_EXCEEDED]: 429,
  [ErrorCode.TIMEOUT]: 504,
  [ErrorCode.UNAVAILABLE]: 503,
};
export const statusForCode = (code: string): number => STATUS_BY_CODE[code] ?? 500;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class GridtwinError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  /** For RATE_LIMIT_EXCEEDED / BUSY: how long the caller should wait before retrying. */
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode, message: string, opts: { details?: unknown; cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GridtwinError';
    this.code = code;
    this.details = opts.details;
    this.retryAfterMs = opts.retryAfterMs;
  }

  toJSON(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const isGridtwinError = (e: unknown): e is GridtwinError => e instanceof GridtwinError;

/** Wraps anything thrown into a GridtwinError without leaking internals (stack, SQL) to callers. */
export function toGridtwinError(e: unknown): GridtwinError {
  if (e instanceof GridtwinError) return e;
  return new GridtwinError(ErrorCode.INTERNAL, 'internal error', { cause: e });
}

/** Errors worth retrying: the operation may succeed later without any change to the request. */
export function isTransient(e: unknown): boolean {
  if (!(e instanceof GridtwinError)) return false;
  return (
    e.code === ErrorCode.TIMEOUT ||
    e.code === ErrorCode.NETWORK_TIMEOUT ||
    e.code === ErrorCode.UNAVAILABLE ||
    e.code === ErrorCode.BUSY ||
    e.code === ErrorCode.RATE_LIMIT_EXCEEDED
  );
}
