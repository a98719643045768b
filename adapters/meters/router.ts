import type { DriverCommand, DriverResponse, MeterDriver, TokenService, UnsolicitedReport } from './types';
import { GENERATE_TOKEN_TYPES, type CommunicationProtocol } from '../../core/domain';
import { ErrorCode, GridtwinError } from '../../core/errors';

export interface MeterDriverRouterOptions {
  byProtocol: Partial<Record<CommunicationProtocol, MeterDriver>>;
  /** Issues tokens for TOP_UP, CLEAR_CREDIT, CLEAR_TAMPER and SET_POWER_LIMIT before the driver sees them. */
  tokenService: TokenService;
  /** A protocol's own token issuer (Calin v1 and v2 tokens come from different APIs); default: `tokenService`. */
  tokenServices?: Partial<Record<CommunicationProtocol, TokenService>>;
}

type GenerateTokenType = (typeof GENERATE_TOKEN_TYPES)[number];
const needsToken = (t: DriverCommand['type']): t is GenerateTokenType => (GENERATE_TOKEN_TYPES as readonly string[]).includes(t);

/**
 * One MeterDriver in front of one driver per protocol. Token types get their token first (idempotency key =
 * interaction id, so a retried interaction delivers the same token rather than buying twice).
 */
export function createMeterDriverRouter(opts: MeterDriverRouterOptions): MeterDriver {
  const drivers = [...new Set(Object.values(opts.byProtocol).filter((d): d is MeterDriver => d !== undefined))];

  const driverFor = (cmd: DriverCommand): MeterDriver => {
    const d = opts.byProtocol[cmd.meter.protocol];
    if (!d) {
      const known = Object.keys(opts.byProtocol).join(', ') || 'none';
      throw new GridtwinError(ErrorCode.UNAVAILABLE, `no meter driver for protocol ${cmd.meter.protocol} (configured: ${known})`, {
        details: { protocol: cmd.meter.protocol, meterId: cmd.meter.id },
      });
    }
    return d;
  };

  return {
    name: `router(${drivers.map((d) => d.name).join(',')})`,
    async execute(cmd: DriverCommand): Promise<DriverResponse> {
      const driver = driverFor(cmd);
      if (!needsToken(cmd.type)) return driver.execute(cmd);
      const issuer = opts.tokenServices?.[cmd.meter.protocol] ?? opts.tokenService;
      const { token } = await issuer.generate({
        type: cmd.type,
        meterSerial: cmd.meter.serial,
        kwh: cmd.params.kwh,
        powerLimitW: cmd.params.powerLimitW,
        idempotencyKey: cmd.interactionId,
      });
      return driver.execute({ ...cmd, params: { ...cmd.params, token } });
    },
    onUnsolicited(listener: (r: UnsolicitedReport) => void): () => void {
      const offs = drivers.map((d) => d.onUnsolicited(listener));
      return () => offs.forEach((off) => off());
    },
    async close(): Promise<void> {
      await Promise.all(drivers.map((d) => d.close()));
    },
  };
}
