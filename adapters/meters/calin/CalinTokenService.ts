import type { TokenService } from '../types';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { Logger } from '../../../core/logger';
import { postJson, resolveRetryPolicy, type RetryPolicy } from '../../notify/http';
import { CALIN_PATHS, CALIN_RESULT, type CalinResponse } from './protocol';

type TokenRequest = Parameters<TokenService['generate']>[0];

export interface CalinTokenServiceOptions {
  baseUrl: string;
  company: string;
  user: string;
  password: string;
  /** POS vending password; default: `password`. */
  passwordVend?: string;
  /** Retries on 5xx, 408/429 and timeouts (default 4 attempts, 300 ms initial backoff). */
  retry?: Partial<RetryPolicy>;
  /** Idempotency keys remembered in memory (oldest forgotten first). */
  rememberKeys?: number;
  maxKwh?: number;
  maxPowerLimitW?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

const DEFAULTS = { rememberKeys: 10_000, maxKwh: 100_000, maxPowerLimitW: 100_000 };

interface Remembered { fingerprint: string; token: Promise<string> }

/**
 * Calin API v1 token issuer. Same idempotency key → same token, never a second purchase: a key's first
 * request is remembered (in flight and done), and every attempt sends the key as `Idempotency-Key` so a
 * retry after a lost answer does not buy again at an idempotent endpoint.
 */
export class CalinTokenService implements TokenService {
  private readonly opts: CalinTokenServiceOptions & typeof DEFAULTS;
  private readonly retry: RetryPolicy;
  private readonly byKey = new Map<string, Remembered>();

  constructor(options: CalinTokenServiceOptions) {
    this.opts = { ...DEFAULTS, ...options };
    try { new URL(options.baseUrl); } catch { throw new RangeError('calin baseUrl is not a valid URL'); }
    if (!options.company || !options.user || !options.password) throw new RangeError('calin company, user and password are required');
    this.retry = resolveRetryPolicy({ maxAttempts: 4, initialBackoffMs: 300, ...options.retry });
  }

  async generate(req: TokenRequest): Promise<{ token: string }> {
    this.validate(req);
    const fingerprint = `${req.type}|${req.meterSerial}|${req.kwh ?? ''}|${req.powerLimitW ?? ''}`;
    const known = this.byKey.get(req.idempotencyKey);
    if (known) {
      if (known.fingerprint !== fingerprint) {
        throw new GridtwinError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'idempotency key already used for a different token request');
      }
      return known.token.then((token) => ({ token }));
    }
    const token = this.request(req);
    this.byKey.set(req.idempotencyKey, { fingerprint, token });
    // a failed request is forgotten so the caller may try again (with the same key)
    token.catch(() => { if (this.byKey.get(req.idempotencyKey)?.token === token) this.byKey.delete(req.idempotencyKey); });
    while (this.byKey.size > this.opts.rememberKeys) this.byKey.delete(this.byKey.keys().next().value as string);
    return token.then((t) => ({ token: t }));
  }

  private validate(req: TokenRequest): void {
    const fail = (message: string) => { throw new GridtwinError(ErrorCode.VALIDATION_FAILED, message, { details: { type: req.type } }); };
    if (!req.meterSerial) fail('meterSerial is required');
    if (!req.idempotencyKey) fail('idempotencyKey is required');
    if (req.type === 'TOP_UP' && !(typeof req.kwh === 'number' && req.kwh > 0 && req.kwh <= this.opts.maxKwh)) fail(`kwh must be in (0, ${this.opts.maxKwh}]`);
    if (req.type === 'SET_POWER_LIMIT' && !(Number.isInteger(req.powerLimitW) && req.powerLimitW! >= 0 && req.powerLimitW! <= this.opts.maxPowerLimitW)) {
      fail(`powerLimitW must be an integer in [0, ${this.opts.maxPowerLimitW}]`);
    }
  }

  private async request(req: TokenRequest): Promise<string> {
    const o = this.opts;
    const auth = { company_name: o.company, user_name: o.user, password: o.password };
    const path = CALIN_PATHS[req.type];
    const body =
      req.type === 'TOP_UP' ? { ...auth, password_vend: o.passwordVend ?? o.password, meter_number: req.meterSerial, is_vend_by_unit: true, amount: req.kwh }
      : req.type === 'SET_POWER_LIMIT' ? { ...auth, meter_number: req.meterSerial, max_power: req.powerLimitW }
      : { ...auth, meter_number: req.meterSerial };
    const res = await postJson({
      url: new URL(path.slice(1), o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`).toString(),
      body, idempotencyKey: req.idempotencyKey, target: `calin ${path.slice(1)}`, retry: this.retry,
        secrets: [o.password, o.passwordVend ?? ''], fetch: o.fetch, sleep: o.sleep, random: o.random, logger: o.logger,
    });
    return this.tokenFrom(req, res.body as CalinResponse<unknown> | undefined);
  }

  private tokenFrom(req: TokenRequest, r: CalinResponse<unknown> | undefined): string {
    const details = { type: req.type, resultCode: r?.result_code, reason: r?.reason };
    if (!r || typeof r.result_code !== 'number') throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, 'calin answered without result_code', { details });
    if (r.result_code === CALIN_RESULT.AUTH_FAILED) throw new GridtwinError(ErrorCode.AUTH_FAILED, 'calin rejected the credentials', { details });
    if (r.result_code === CALIN_RESULT.INVALID_AMOUNT) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `calin refused the amount: ${r.reason}`, { details });
    if (r.result_code !== CALIN_RESULT.OK) throw new GridtwinError(ErrorCode.VENDOR_ERROR, `calin refused ${req.type}: ${r.reason}`, { details });
    const token = req.type === 'TOP_UP' ? (r.result as { token?: unknown } | undefined)?.token : r.result;
    if (typeof token !== 'string' || !/^\d{20}$/.test(token.replace(/\s/g, ''))) {
      throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, 'calin answered OK without a 20-digit token', { details });
    }
    return token.replace(/\s/g, '');
  }
}
