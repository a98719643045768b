import type { MeterDriver, TokenService } from './types';
import type { CommunicationProtocol } from '../../core/domain';
import type { Config } from '../../core/config';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { silentLogger, type Logger } from '../../core/logger';
import { CalinTokenService } from './calin/CalinTokenService';
import { ChirpstackDriver } from './chirpstack/ChirpstackDriver';
import { createMeterDriverRouter } from './router';
import { SimulatedFleetDriver } from './simulated/SimulatedFleetDriver';
import { SimulatedTokenService } from './simulated/SimulatedTokenService';

export interface MeterAdapters {
  /** Routes by protocol; token types get their token first. */
  driver: MeterDriver;
  tokenService: TokenService;
  /** The simulated fleet, when simulators serve some protocol (for demo controls). */
  simulatedFleet?: SimulatedFleetDriver;
}

/** A token service that says plainly none is configured (no silent fallback to a simulator). */
const missingTokenService: TokenService = {
  generate: async () => { throw new GridtwinError(ErrorCode.UNAVAILABLE, 'no token service configured (set CALIN_BASE_URL, CALIN_COMPANY, CALIN_USER, CALIN_PASSWORD)'); },
};

/**
 * Picks real or simulated adapters from configuration. Real ones win where configured (Calin API for
 * tokens, ChirpStack for CALIN_LORAWAN); simulators serve the rest only when `useSimulators` is set.
 */
export async function createMeterAdapters(
  drivers: Config['drivers'],
  opts: { useSimulators: boolean; seed?: number; logger?: Logger },
): Promise<MeterAdapters> {
  const logger = opts.logger ?? silentLogger;
  const simulatedFleet = opts.useSimulators
    ? new SimulatedFleetDriver({ seed: opts.seed, latencyMs: drivers.simulatedLatencyMs, failureRate: drivers.simulatedFailureRate })
    : undefined;
  const byProtocol: Partial<Record<CommunicationProtocol, MeterDriver>> = {};
  if (simulatedFleet) {
    byProtocol.CALIN_V1 = simulatedFleet;
    byProtocol.CALIN_V2 = simulatedFleet;
    byProtocol.CALIN_LORAWAN = simulatedFleet;
  }
  if (drivers.mqttUrl && drivers.chirpstackApplicationId) {
    byProtocol.CALIN_LORAWAN = await ChirpstackDriver.connect({ mqttUrl: drivers.mqttUrl, applicationId: drivers.chirpstackApplicationId, logger });
  }
  const { calinBaseUrl, calinCompany, calinUser, calinPassword } = drivers;
  const tokenService: TokenService =
    calinBaseUrl && calinCompany && calinUser && calinPassword
      ? new CalinTokenService({ baseUrl: calinBaseUrl, company: calinCompany, user: calinUser, password: calinPassword, logger })
      : opts.useSimulators ? new SimulatedTokenService() : missingTokenService;
  return { driver: createMeterDriverRouter({ byProtocol, tokenService }), tokenService, simulatedFleet };
}
