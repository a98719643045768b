import { ErrorCode, GridtwinError } from '../../core/errors';
import type { SolarBrand } from './types';

/**
 * Every vendor wire code the adapters understand, in one place, and the constructors that turn a vendor
 * failure into a GridtwinError. The vendor's code and message go to `details`; the original error to `cause`.
 * Codes marked "assumed" are not documented by the public clients and are what our simulators send.
 */
export const VENDOR_CODES = {
  SOLIS: {
    success: '0',
    /** HTTP 408: the Date header is too far from server time (documented by soliscloud_api). */
    clockSkewHttpStatus: 408,
  },
  HUAWEI: {
    /** Northbound reference V6 §8: "You are not in the login state" — log in again and retry once. */
    relogin: 305,
    /** §8: "You do not have the related data interface permission" (e.g. `getStationList` → use `stations`). */
    noPermission: 401,
    /** §8: "The interface access frequency is too high" (per interface and account). */
    rateLimited: 407,
    /** §8: 20400 user name or password wrong, 20403 login restricted; 20001 assumed. */
    authFailed: [20001, 20400, 20403] as readonly number[],
  },
  GOODWE: {
    success: ['0', '00000'] as readonly string[],
    rateLimited: 'GY0429',
    /** The public client waits five minutes after GY0429. */
    rateLimitRetryAfterMs: 300_000,
    tokenExpired: ['100001', '100002'] as readonly string[],
    authFailed: ['100005'] as readonly string[],
  },
  DEYE: {
    success: '1000000',
    /**
     * HTTP 200 + success:false → one new token, one retry: 2101019 "auth invalid token" (botnick/deyecloud
     * src/worker/deye.ts); 2101017 "token not found" is assumed (only an unnamed public client's code table has it).
     */
    tokenInvalid: ['2101017', '2101019'] as readonly string[],
    /** Assumed: the code of a refused token request (any success:false on the token call is AUTH_FAILED). */
    authFailed: '2101006',
    /** Assumed: an unknown station. */
    notFound: '2101024',
  },
} as const;

export interface VendorFailure {
  brand: SolarBrand;
  operation: string;
  httpStatus?: number;
  vendorCode?: string | number;
  vendorMessage?: string;
}

const describe = (f: VendorFailure) =>
  `${f.brand} ${f.operation}` + (f.vendorCode !== undefined ? ` failed with vendor code ${f.vendorCode}` : f.httpStatus ? ` failed with HTTP ${f.httpStatus}` : ' failed');

export const authFailed = (f: VendorFailure, cause?: unknown) =>
  new GridtwinError(ErrorCode.AUTH_FAILED, `${describe(f)}: authentication rejected`, { details: f, cause });

export const rateLimited = (f: VendorFailure, retryAfterMs: number, cause?: unknown) =>
  new GridtwinError(ErrorCode.RATE_LIMIT_EXCEEDED, `${describe(f)}: rate limit exceeded`, { details: f, cause, retryAfterMs });

export const networkTimeout = (f: VendorFailure, cause?: unknown) =>
  new GridtwinError(ErrorCode.NETWORK_TIMEOUT, `${f.brand} ${f.operation}: no answer (timeout or connection error)`, { details: f, cause });

export const invalidData = (f: VendorFailure, problem: string, cause?: unknown) =>
  new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `${f.brand} ${f.operation}: ${problem}`, { details: f, cause });

export const vendorError = (f: VendorFailure, cause?: unknown) =>
  new GridtwinError(ErrorCode.VENDOR_ERROR, describe(f), { details: f, cause });

/** Retry-After is seconds or an HTTP date; absent or unreadable → the fallback. */
export function parseRetryAfter(value: string | string[] | undefined, fallbackMs: number, now = Date.now()): number {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return fallbackMs;
  const seconds = Number(v);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - now);
}

export const DEFAULT_RETRY_AFTER_MS = 60_000;
