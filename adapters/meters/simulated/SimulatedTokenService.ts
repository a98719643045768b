import type { TokenService } from '../types';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { encodeSimToken } from './tokenCodec';

type TokenRequest = Parameters<TokenService['generate']>[0];

/**
 * Offline token issuer for the simulated fleet: tokens the simulated meters accept. Same idempotency key →
 * same token; `issued` counts distinct issues (a "purchase" each).
 */
export class SimulatedTokenService implements TokenService {
  private readonly byKey = new Map<string, string>();
  issued = 0;

  async generate(req: TokenRequest): Promise<{ token: string }> {
    return { token: this.generateSync(req) };
  }

  /** Synchronous variant for hot paths (the zero-latency benchmark). */
  generateSync(req: TokenRequest): string {
    const known = this.byKey.get(req.idempotencyKey);
    if (known !== undefined) return known;
    if (req.type === 'TOP_UP' && !(typeof req.kwh === 'number' && req.kwh > 0)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'TOP_UP needs kwh > 0');
    }
    if (req.type === 'SET_POWER_LIMIT' && !(typeof req.powerLimitW === 'number' && req.powerLimitW >= 0)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'SET_POWER_LIMIT needs powerLimitW >= 0');
    }
    const token = encodeSimToken(req.meterSerial, { kind: req.type, kwh: req.kwh, powerLimitW: req.powerLimitW, idSource: req.idempotencyKey });
    this.byKey.set(req.idempotencyKey, token);
    this.issued++;
    return token;
  }
}
