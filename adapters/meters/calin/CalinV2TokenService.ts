import { createHash } from 'node:crypto';
import type { TokenService } from '../types';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { CalinV2Session } from './CalinV2Session';
import { TokenMemory, tokenDigits, validateTokenRequest, type TokenRequest } from './tokenMemory';
import { V2_TOKEN_PATHS } from './v2Protocol';

export interface CalinV2TokenServiceOptions {
  session: CalinV2Session;
  /** `authorizationPassword` of credit tokens: the origin's CALIN_API_V2_POS_PASSWORD. */
  posPassword: string;
  rememberKeys?: number;
  maxKwh?: number;
  maxPowerLimitW?: number;
}

/** A UUID-shaped serial number fixed by the idempotency key, so a retried purchase carries the same one. */
export function serialNumberFor(idempotencyKey: string): string {
  const h = createHash('sha256').update(`calin-v2:${idempotencyKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Calin API v2 token issuer (the origin's calin-api-v2 token.ts): CreditToken (kWh, not by total paid),
 * SetMaximumPowerLimitToken, ClearTamperToken, ClearCreditToken, each answering `result.token`. The credit
 * token's `serialNumber` is derived from the idempotency key (the origin sends a fresh UUID; whether Calin
 * deduplicates on it is not public — assumed harmless, possibly protective).
 */
export class CalinV2TokenService implements TokenService {
  private readonly memory: TokenMemory;
  private readonly limits: { maxKwh: number; maxPowerLimitW: number };

  constructor(private readonly opts: CalinV2TokenServiceOptions) {
    if (!opts.posPassword) throw new RangeError('calin v2 posPassword is required');
    this.memory = new TokenMemory(opts.rememberKeys ?? 10_000);
    this.limits = { maxKwh: opts.maxKwh ?? 100_000, maxPowerLimitW: opts.maxPowerLimitW ?? 100_000 };
  }

  async generate(req: TokenRequest): Promise<{ token: string }> {
    validateTokenRequest(req, this.limits);
    return { token: await this.memory.once(req, () => this.request(req)) };
  }

  private async request(req: TokenRequest): Promise<string> {
    const { session, posPassword } = this.opts;
    const base = { meterId: req.meterSerial, company: session.opts.company };
    const body =
      req.type === 'TOP_UP' ? { ...base, amount: req.kwh, authorizationPassword: posPassword, isPreview: false, isVendByTotalPaid: false, serialNumber: serialNumberFor(req.idempotencyKey) }
      : req.type === 'SET_POWER_LIMIT' ? { ...base, maximumPower: req.powerLimitW }
      : base;
    const r = await session.post(V2_TOKEN_PATHS[req.type], body, { idempotencyKey: req.idempotencyKey, secrets: [posPassword] });
    const token = (r.result as { token?: unknown } | null | undefined)?.token;
    const details = { type: req.type, code: r.code, reason: r.reason };
    if (!token) throw new GridtwinError(ErrorCode.VENDOR_ERROR, `calin v2 issued no ${req.type} token: ${String(r.reason ?? 'no reason')}`, { details });
    return tokenDigits(token, 'calin v2', details);
  }
}
