import type { TokenService } from '../types';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { Logger } from '../../../core/logger';
import { resolveRetryPolicy, type RetryPolicy } from '../../notify/http';
import { calinPost } from './http';
import { TokenMemory, tokenDigits, validateTokenRequest, type TokenRequest } from './tokenMemory';
import { V1_TOKEN_PATHS } from './v1Protocol';

export interface CalinTokenServiceOptions {
  baseUrl: string;
  company: string;
  /** The POS account (POS_Purchase): the origin's CALIN_API_V1_POS_USERNAME / _PASSWORD. */
  user: string;
  password: string;
  /** POS vending password; default: `password` (the origin sends the POS password as both). */
  passwordVend?: string;
  /** The maintenance account (Maintenance_*); default: the POS account (assumed: one account may hold both roles). */
  maintenanceUser?: string;
  maintenancePassword?: string;
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

/**
 * Calin API v1 token issuer (the origin's calin-api-v1 token.ts; MicroPowerManager's calin-smart-meter):
 * POS_Purchase for kWh top-ups (vended by unit), Maintenance_SetMaxPower / _ClearCredit / _ClearTamper.
 * A non-zero `result_code` is VENDOR_ERROR with Calin's code and reason (which codes mean what is not public).
 * Every attempt sends the key as `Idempotency-Key`; the real API is not known to honour it (README).
 */
export class CalinTokenService implements TokenService {
  private readonly opts: CalinTokenServiceOptions & typeof DEFAULTS;
  private readonly retry: RetryPolicy;
  private readonly memory: TokenMemory;

  constructor(options: CalinTokenServiceOptions) {
    this.opts = { ...DEFAULTS, ...options };
    try { new URL(options.baseUrl); } catch { throw new RangeError('calin baseUrl is not a valid URL'); }
    if (!options.company || !options.user || !options.password) throw new RangeError('calin company, user and password are required');
    this.retry = resolveRetryPolicy({ maxAttempts: 4, initialBackoffMs: 300, ...options.retry });
    this.memory = new TokenMemory(this.opts.rememberKeys);
  }

  async generate(req: TokenRequest): Promise<{ token: string }> {
    validateTokenRequest(req, this.opts);
    return { token: await this.memory.once(req, () => this.request(req)) };
  }

  private async request(req: TokenRequest): Promise<string> {
    const o = this.opts;
    const path = V1_TOKEN_PATHS[req.type];
    const maintenance = { company_name: o.company, user_name: o.maintenanceUser ?? o.user, password: o.maintenancePassword ?? o.password, meter_number: req.meterSerial };
    const body =
      req.type === 'TOP_UP'
        ? { company_name: o.company, user_name: o.user, password: o.password, password_vend: o.passwordVend ?? o.password, meter_number: req.meterSerial, is_vend_by_unit: true, amount: req.kwh }
        : req.type === 'SET_POWER_LIMIT' ? { ...maintenance, max_power: req.powerLimitW } : maintenance;
    const r = await calinPost({
      baseUrl: o.baseUrl, path, body, idempotencyKey: req.idempotencyKey, target: `calin ${path.slice(1)}`, retry: this.retry,
      secrets: [o.password, o.passwordVend ?? '', o.maintenancePassword ?? ''], fetch: o.fetch, sleep: o.sleep, random: o.random, logger: o.logger,
    });
    const details = { type: req.type, resultCode: r.result_code, reason: r.reason };
    const code = resultCodeOf(r.result_code);
    if (code === undefined) throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, 'calin answered without result_code', { details });
    if (code !== 0) throw new GridtwinError(ErrorCode.VENDOR_ERROR, `calin refused ${req.type}: ${String(r.reason)}`, { details });
    return tokenDigits(req.type === 'TOP_UP' ? posToken(r.result) : r.result, 'calin', details);
  }
}

/** The origin types `result_code` as a number; MPM's ApiHelpers::checkApiResult reads it through `(int)`, so "0" counts too. */
function resultCodeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
}

/**
 * POS_Purchase's token: `result.token` in the origin (calin-api-v1/token.ts, lib/repo.ts `CalinApiV1PosResponse`);
 * MPM (CalinSmartMeterApi::chargeDevice via checkApiResult) takes `result` itself as the token. Both are read.
 */
function posToken(result: unknown): unknown {
  return typeof result === 'string' ? result : (result as { token?: unknown } | null | undefined)?.token;
}
