import type { TokenService } from '../types';
import { ErrorCode, GridtwinError } from '../../../core/errors';

export type TokenRequest = Parameters<TokenService['generate']>[0];

/**
 * Same idempotency key → same token, never a second purchase: a key's first request is remembered (in
 * flight and done) and a later request under the key must be the same request. A failed request is
 * forgotten so the caller may try again with the key. Memory only: it does not survive a restart.
 */
export class TokenMemory {
  private readonly byKey = new Map<string, { fingerprint: string; token: Promise<string> }>();

  constructor(private readonly max: number) {}

  once(req: TokenRequest, issue: () => Promise<string>): Promise<string> {
    const fingerprint = `${req.type}|${req.meterSerial}|${req.kwh ?? ''}|${req.powerLimitW ?? ''}`;
    const known = this.byKey.get(req.idempotencyKey);
    if (known) {
      if (known.fingerprint !== fingerprint) {
        return Promise.reject(new GridtwinError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'idempotency key already used for a different token request'));
      }
      return known.token;
    }
    const token = issue();
    this.byKey.set(req.idempotencyKey, { fingerprint, token });
    token.catch(() => { if (this.byKey.get(req.idempotencyKey)?.token === token) this.byKey.delete(req.idempotencyKey); });
    while (this.byKey.size > this.max) this.byKey.delete(this.byKey.keys().next().value as string);
    return token;
  }
}

/** Refuses a request no vendor should see (VALIDATION_FAILED, no call made). */
export function validateTokenRequest(req: TokenRequest, limits: { maxKwh: number; maxPowerLimitW: number }): void {
  const fail = (message: string) => { throw new GridtwinError(ErrorCode.VALIDATION_FAILED, message, { details: { type: req.type } }); };
  if (!req.meterSerial) fail('meterSerial is required');
  if (!req.idempotencyKey) fail('idempotencyKey is required');
  if (req.type === 'TOP_UP' && !(typeof req.kwh === 'number' && req.kwh > 0 && req.kwh <= limits.maxKwh)) fail(`kwh must be in (0, ${limits.maxKwh}]`);
  if (req.type === 'SET_POWER_LIMIT' && !(Number.isInteger(req.powerLimitW) && req.powerLimitW! >= 0 && req.powerLimitW! <= limits.maxPowerLimitW)) {
    fail(`powerLimitW must be an integer in [0, ${limits.maxPowerLimitW}]`);
  }
}

/** A vendor's token string: 20 digits (spaces allowed), or INVALID_DATA_FORMAT. */
export function tokenDigits(token: unknown, vendor: string, details: Record<string, unknown>): string {
  const digits = typeof token === 'string' ? token.replace(/\s/g, '') : '';
  if (!/^\d{20}$/.test(digits)) throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `${vendor} answered OK without a 20-digit token`, { details });
  return digits;
}
