import type { MeterDriver, TokenService } from './types';
import type { CommunicationProtocol } from '../../core/domain';
import type { Config } from '../../core/config';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { silentLogger, type Logger } from '../../core/logger';
import { CalinApiSimulator } from './calin/simulator';
import { CalinTokenService } from './calin/CalinTokenService';
import { CalinV1Driver } from './calin/CalinV1Driver';
import { CalinV2Driver } from './calin/CalinV2Driver';
import { CalinV2Session } from './calin/CalinV2Session';
import { CalinV2TokenService } from './calin/CalinV2TokenService';
import { ChirpstackDriver } from './chirpstack/ChirpstackDriver';
import { lorawanCodec } from './chirpstack/codecs';
import { createMeterDriverRouter } from './router';
import { SimulatedFleetDriver } from './simulated/SimulatedFleetDriver';
import { SimulatedTokenService } from './simulated/SimulatedTokenService';

export interface MeterAdapters {
  /** Routes by protocol; token types get their token first. */
  driver: MeterDriver;
  tokenService: TokenService;
  /** The simulated fleet, when simulators serve some protocol (for demo controls). */
  simulatedFleet?: SimulatedFleetDriver;
  /** The protocols the simulated fleet serves (real adapters and the Calin HTTP simulator take precedence). */
  simulatedProtocols: CommunicationProtocol[];
  /** The bundled Calin HTTP simulator, when it serves CALIN_V1 / CALIN_V2 (stopped by `driver.close()`). */
  calinSimulator?: CalinApiSimulator;
}

/** A token service that says plainly none is configured (no silent fallback to a simulator). */
const missingTokenService: TokenService = {
  generate: async () => { throw new GridtwinError(ErrorCode.UNAVAILABLE, 'no token service configured (set CALIN_BASE_URL, CALIN_COMPANY, CALIN_USER, CALIN_PASSWORD)'); },
};

const SIM_ACCOUNT = { company: 'demo', user: 'demo', password: 'demo-password' };

/**
 * Picks real or simulated adapters from configuration. Real ones win where configured (Calin API v1 for
 * CALIN_V1, v2 for CALIN_V2, ChirpStack for CALIN_LORAWAN); with `calinSimulator` the bundled Calin HTTP
 * simulator stands in for both Calin APIs; the in-process fleet serves the rest only when `useSimulators`.
 */
export async function createMeterAdapters(
  configured: Config['drivers'],
  opts: { useSimulators: boolean; seed?: number; logger?: Logger },
): Promise<MeterAdapters> {
  const logger = opts.logger ?? silentLogger;
  let drivers = configured;
  let calinSimulator: CalinApiSimulator | undefined;
  if (drivers.calinSimulator && !drivers.calinBaseUrl && !drivers.calinV2BaseUrl) {
    calinSimulator = await new CalinApiSimulator({ ...SIM_ACCOUNT, taskDelayMs: 500, v2CustomerId: 'demo-customer' }).start();
    const account = { calinCompany: SIM_ACCOUNT.company, calinUser: SIM_ACCOUNT.user, calinPassword: SIM_ACCOUNT.password };
    drivers = {
      ...drivers, ...account, calinBaseUrl: calinSimulator.url, calinPollMs: drivers.calinPollMs ?? 500,
      calinV2BaseUrl: calinSimulator.url, calinV2Company: SIM_ACCOUNT.company, calinV2User: SIM_ACCOUNT.user, calinV2Password: SIM_ACCOUNT.password,
      calinV2PosPassword: SIM_ACCOUNT.password, calinV2CustomerId: 'demo-customer',
    };
    logger.info({ url: calinSimulator.url }, 'Calin API v1 + v2 simulator serves CALIN_V1 and CALIN_V2 meters');
  }
  const simulatedFleet = opts.useSimulators
    ? new SimulatedFleetDriver({ seed: opts.seed, latencyMs: drivers.simulatedLatencyMs, failureRate: drivers.simulatedFailureRate })
    : undefined;
  const byProtocol: Partial<Record<CommunicationProtocol, MeterDriver>> = {};
  const tokenServices: Partial<Record<CommunicationProtocol, TokenService>> = {};
  if (simulatedFleet) {
    byProtocol.CALIN_V1 = simulatedFleet;
    byProtocol.CALIN_V2 = simulatedFleet;
    byProtocol.CALIN_LORAWAN = simulatedFleet;
  }
  const pollDelayMs = drivers.calinPollMs ? () => drivers.calinPollMs! : undefined;
  const { calinBaseUrl, calinCompany, calinUser, calinPassword } = drivers;
  if (calinBaseUrl && calinCompany && calinUser && calinPassword) {
    byProtocol.CALIN_V1 = new CalinV1Driver({
      baseUrl: calinBaseUrl, company: calinCompany, user: drivers.calinAdminUser ?? calinUser, password: drivers.calinAdminPassword ?? calinPassword, pollDelayMs, logger,
    });
    tokenServices.CALIN_V1 = new CalinTokenService({
      baseUrl: calinBaseUrl, company: calinCompany, user: calinUser, password: calinPassword,
      maintenanceUser: drivers.calinMaintenanceUser, maintenancePassword: drivers.calinMaintenancePassword, logger,
    });
  }
  const { calinV2BaseUrl, calinV2Company, calinV2User, calinV2Password, calinV2PosPassword, calinV2CustomerId } = drivers;
  if (calinV2BaseUrl && calinV2Company && calinV2User && calinV2Password && calinV2PosPassword && calinV2CustomerId) {
    const session = new CalinV2Session({ baseUrl: calinV2BaseUrl, company: calinV2Company, user: calinV2User, password: calinV2Password, logger });
    byProtocol.CALIN_V2 = new CalinV2Driver({ session, customerId: calinV2CustomerId, pollDelayMs, logger });
    tokenServices.CALIN_V2 = new CalinV2TokenService({ session, posPassword: calinV2PosPassword });
  }
  if (drivers.mqttUrl && drivers.chirpstackApplicationId) {
    byProtocol.CALIN_LORAWAN = await ChirpstackDriver.connect({
      mqttUrl: drivers.mqttUrl, applicationId: drivers.chirpstackApplicationId, codec: lorawanCodec(drivers.chirpstackCodec), logger,
    });
  }
  const tokenService: TokenService = tokenServices.CALIN_V1 ?? (opts.useSimulators ? new SimulatedTokenService() : missingTokenService);
  const router = createMeterDriverRouter({ byProtocol, tokenService, tokenServices });
  const driver: MeterDriver = calinSimulator
    ? { ...router, name: router.name, execute: (c) => router.execute(c), onUnsolicited: (l) => router.onUnsolicited(l), close: async () => { await router.close(); await calinSimulator.stop(); } }
    : router;
  const simulatedProtocols = (Object.keys(byProtocol) as CommunicationProtocol[]).filter((p) => simulatedFleet && byProtocol[p] === simulatedFleet);
  return { driver, tokenService, simulatedFleet, simulatedProtocols, calinSimulator };
}
