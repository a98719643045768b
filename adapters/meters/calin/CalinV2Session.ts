import { decodeJwt } from 'jose';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { silentLogger, type Logger } from '../../../core/logger';
import { DeliveryError, resolveRetryPolicy, type RetryPolicy } from '../../notify/http';
import { calinPost } from './http';
import { V2_LOGIN_PATH } from './v2Protocol';

export interface CalinV2SessionOptions {
  baseUrl: string;
  company: string;
  /** The origin's CALIN_API_V2_ADMIN_USERNAME / _PASSWORD. */
  user: string;
  password: string;
  /** Per call; default 3 attempts (the source's FETCH_RETRIES), 500 ms initial backoff, 20 s per attempt. */
  retry?: Partial<RetryPolicy>;
  /** Login attempts time out sooner (the source: 5 s). */
  loginTimeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

/** Renew this long before the JWT's `exp` (the source: 1 s). */
const EXPIRY_SKEW_MS = 1_000;

/**
 * A logged-in Calin API v2 account: one login in flight at a time, the JWT kept until shortly before its
 * `exp`, and a 401 answered by one fresh login and one more try (a second 401 is AUTH_FAILED). A login that
 * answers no token, or a token without `exp`, is AUTH_FAILED with Calin's reason.
 */
export class CalinV2Session {
  readonly retry: RetryPolicy;
  private jwt?: { value: string; expMs: number };
  private loggingIn?: Promise<string>;
  /** Logins made (each is a call to Calin). */
  logins = 0;

  constructor(readonly opts: CalinV2SessionOptions) {
    try { new URL(opts.baseUrl); } catch { throw new RangeError('calin v2 baseUrl is not a valid URL'); }
    if (!opts.company || !opts.user || !opts.password) throw new RangeError('calin v2 company, user and password are required');
    this.retry = resolveRetryPolicy({ maxAttempts: 3, initialBackoffMs: 500, timeoutMs: 20_000, ...opts.retry });
  }

  async post(path: string, body: unknown, o: { idempotencyKey: string; deadlineAt?: number; secrets?: readonly string[] }): Promise<Record<string, unknown>> {
    const call = (bearer: string) => calinPost({
      baseUrl: this.opts.baseUrl, path, body, target: `calin v2 ${path}`, idempotencyKey: o.idempotencyKey, retry: this.retry,
      secrets: [this.opts.password, bearer, ...(o.secrets ?? [])], deadlineAt: o.deadlineAt, headers: { authorization: `Bearer ${bearer}` },
      fetch: this.opts.fetch, sleep: this.opts.sleep, random: this.opts.random, logger: this.opts.logger ?? silentLogger,
    });
    const first = await this.token(o.deadlineAt);
    try {
      return await call(first);
    } catch (e) {
      if (!(e instanceof DeliveryError && e.lastStatus === 401)) throw e;
      if (this.jwt?.value === first) this.jwt = undefined;
      try {
        return await call(await this.token(o.deadlineAt));
      } catch (again) {
        if (again instanceof DeliveryError && again.lastStatus === 401) {
          throw new GridtwinError(ErrorCode.AUTH_FAILED, `calin v2 ${path}: unauthorized after a fresh login`, { details: { path } });
        }
        throw again;
      }
    }
  }

  private async token(deadlineAt?: number): Promise<string> {
    if (this.jwt && this.jwt.expMs - Date.now() > EXPIRY_SKEW_MS) return this.jwt.value;
    this.loggingIn ??= this.login(deadlineAt).finally(() => { this.loggingIn = undefined; });
    return this.loggingIn;
  }

  private async login(deadlineAt?: number): Promise<string> {
    const o = this.opts;
    this.logins++;
    const body = await calinPost({
      baseUrl: o.baseUrl, path: V2_LOGIN_PATH, body: { userId: o.user, password: o.password, company: o.company },
      target: 'calin v2 login', idempotencyKey: `login:${this.logins}`, retry: { ...this.retry, timeoutMs: o.loginTimeoutMs ?? 5_000 },
      secrets: [o.password], deadlineAt, fetch: o.fetch, sleep: o.sleep, random: o.random, logger: o.logger ?? silentLogger,
    });
    const token = (body.result as { token?: unknown } | null | undefined)?.token;
    if (typeof token !== 'string' || !token) {
      throw new GridtwinError(ErrorCode.AUTH_FAILED, `calin v2 login answered no token: ${String(body.reason ?? 'no reason')}`, { details: { code: body.code, reason: body.reason } });
    }
    let exp: number | undefined;
    try { exp = decodeJwt(token).exp; } catch { exp = undefined; }
    if (typeof exp !== 'number') throw new GridtwinError(ErrorCode.AUTH_FAILED, 'calin v2 login answered a token without exp');
    this.jwt = { value: token, expMs: exp * 1000 };
    return token;
  }
}
