import { ErrorCode, GridtwinError } from '../core/errors';

/**
 * PostgreSQL and driver failures → gridtwin errors, in one place (issue 11, defects 1 and 7). Callers see a
 * typed code they can act on; the driver's error stays in `cause` and never reaches the wire.
 * SQLSTATE classes: PostgreSQL manual, Appendix A "PostgreSQL Error Codes".
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** node-postgres reports a lost or refused connection by message only (pg/lib/client.js, pg-pool/index.js). */
const NETWORK_MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client was closed/i;

/** 08xxx connection exception, 57P01–57P03 shutdown / cannot connect now, 53xxx insufficient resources, 40001/40P01 retryable aborts. */
function isUnavailableState(state: string): boolean {
  return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03' || state.startsWith('53') || state === '40001' || state === '40P01';
}

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** `Key (a, b)=(x, y) …` → the key's columns. */
function keyColumns(detail: string | undefined): string[] {
  const m = /Key \(([^)]+)\)=/.exec(detail ?? '');
  return m ? m[1]!.split(',').map((c) => camel(c.trim())) : [];
}

/** `Key (grid_id)=(g9) is not present in table "grids".` → what is missing. */
function missingReference(detail: string | undefined): { reference: string; table: string; id: string } | null {
  const m = /Key \(([^)]+)\)=\((.*)\) is not present in table "([^"]+)"/.exec(detail ?? '');
  return m ? { reference: camel(m[1]!), id: m[2]!, table: m[3]! } : null;
}

type DriverError = { code?: unknown; sqlState?: unknown; detail?: unknown; constraint?: unknown; message?: unknown; errors?: unknown[] };

/** The SQLSTATE of a PostgreSQL / PGlite error (MikroORM keeps it as `sqlState` or `code`). */
function sqlState(e: DriverError): string | undefined {
  const s = typeof e.sqlState === 'string' ? e.sqlState : typeof e.code === 'string' ? e.code : undefined;
  return s && /^[0-9A-Z]{5}$/.test(s) ? s : undefined;
}

export function toDatabaseError(e: unknown): unknown {
  if (e instanceof GridtwinError || typeof e !== 'object' || e === null) return e;
  const d = e as DriverError;
  const state = sqlState(d);
  const detail = typeof d.detail === 'string' ? d.detail : undefined;
  const netCode = [d, ...(Array.isArray(d.errors) ? (d.errors as DriverError[]) : [])].some((x) => typeof x?.code === 'string' && NETWORK_CODES.has(x.code));
  if (netCode || (!state && NETWORK_MESSAGES.test(String(d.message ?? ''))) || (state && isUnavailableState(state))) {
    return new GridtwinError(ErrorCode.UNAVAILABLE, 'the database is unavailable', { cause: e });
  }
  switch (state) {
    case '23505': {
      const fields = keyColumns(detail);
      return new GridtwinError(ErrorCode.ALREADY_EXISTS, `another record already has this ${fields.join(', ') || 'key'}`, {
        cause: e, details: { fields, constraint: typeof d.constraint === 'string' ? d.constraint : undefined },
      });
    }
    case '23503': {
      const missing = missingReference(detail);
      if (missing) return new GridtwinError(ErrorCode.NOT_FOUND, `${missing.reference} ${missing.id} not found`, { cause: e, details: missing });
      return new GridtwinError(ErrorCode.INVALID_STATE, 'the record is still referenced by others', { cause: e });
    }
    // invalid byte sequence (NUL in text), untranslatable character (\u0000 in jsonb), invalid text representation,
    // numeric / datetime out of range, string too long: the input, not the server, is wrong.
    case '22021': case '22P05': case '22P02': case '22003': case '22007': case '22008': case '22001':
      return new GridtwinError(ErrorCode.VALIDATION_FAILED, 'a value cannot be stored', { cause: e, details: [{ path: '', message: `refused by the database (${state})` }] });
    // The cluster fence (Migration20261123000004_cluster): this node no longer owns the device's partition.
    case 'GT409':
      return new GridtwinError(ErrorCode.CONFLICT, String(d.message ?? 'gridtwin fence: the device belongs to another node'), { cause: e });
    default:
      return e;
  }
}

/** Runs a database call and rethrows its failure as a gridtwin error. */
export async function mapped<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toDatabaseError(e);
  }
}
