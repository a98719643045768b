import { readFileSync } from 'node:fs';
import { LocalBus, NatsBus, type Bus } from '../adapters/bus';
import type { MeterDriver, TokenService } from '../adapters/meters/types';
import { createMeterDriverRouter } from '../adapters/meters/router';
import { SimulatedFleetDriver, SimulatedTokenService } from '../adapters/meters/simulated';
import { OrderWebhookNotifier } from '../adapters/notify';
import type { OrderNotifier } from '../adapters/notify/types';
import { startRuntime, type Runtime } from '../actors/system';
import type { Config } from '../core/config';
import { createLogger, type Logger } from '../core/logger';
import { createMetrics, type Metrics } from '../core/metrics';
import { subjects as makeSubjects } from '../core/subjects';
import { openDatabase, type Database } from '../persistence';
import { serveNats } from './nats/service';
import { seedDemoFleet } from './seed';
import { startGateway, type Gateway } from './server';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface NodeOverrides {
  db?: Database;
  bus?: Bus;
  driver?: MeterDriver;
  notifier?: OrderNotifier;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
  /** Skip the gateway (tests of the NATS surface only). */
  gateway?: boolean;
  autorun?: boolean;
}

export interface GridtwinNode {
  config: Config;
  db: Database;
  bus: Bus;
  runtime: Runtime;
  gateway: Gateway | null;
  simulatedFleet: SimulatedFleetDriver | null;
  logger: Logger;
  metrics: Metrics;
  stop(): Promise<void>;
}

/**
 * Assembles one gridtwin node: database (migrated), bus, drivers, actors, the NATS service and the
 * gateway. Standalone mode (no DATABASE_URL / NATS_URL) uses embedded PGlite, the in-process bus and the
 * bundled simulators — chosen explicitly by configuration, never as a fallback.
 */
export async function startNode(config: Config, o: NodeOverrides = {}): Promise<GridtwinNode> {
  const logger = o.logger ?? createLogger({ level: config.logLevel });
  const metrics = o.metrics ?? createMetrics({ defaultMetrics: true });
  const standalone = config.mode === 'standalone';
  const simulators = config.simulators.enabled ?? standalone;
  const db = o.db ?? (await openDatabase({ url: config.database.url, pgliteDir: config.database.pgliteDir, poolMax: config.database.poolMax }));
  if (!o.db) await db.migrate();
  const bus = o.bus ?? (config.nats.url ? await NatsBus.connect({ servers: config.nats.url, name: `${config.nats.name}-${config.nodeId}` }) : new LocalBus());
  let simulatedFleet: SimulatedFleetDriver | null = null;
  let driver = o.driver;
  if (!driver) {
    if (!simulators && !config.drivers.calinBaseUrl) {
      logger.warn('no meter driver configured (set CALIN_BASE_URL / MQTT_URL, or GRIDTWIN_SIMULATORS=true): interactions will fail UNAVAILABLE');
    }
    simulatedFleet = simulators ? new SimulatedFleetDriver({ latencyMs: config.drivers.simulatedLatencyMs, failureRate: config.drivers.simulatedFailureRate }) : null;
    const tokenService: TokenService = new SimulatedTokenService();
    driver = createMeterDriverRouter({
      byProtocol: simulatedFleet ? { CALIN_V1: simulatedFleet, CALIN_V2: simulatedFleet, CALIN_LORAWAN: simulatedFleet, EMLITE: simulatedFleet } : {},
      tokenService,
    });
  }
  const notifier = o.notifier ?? (config.notify.orderWebhookUrl ? new OrderWebhookNotifier({ url: config.notify.orderWebhookUrl, logger }) : undefined);
  const subjects = makeSubjects(config.prefix);
  const runtime = startRuntime({ db, bus, subjects, driver, config, logger, metrics, now: o.now ?? Date.now }, { notifier, autorun: o.autorun });
  const service = await serveNats({ bus, subjects, runtime, db, logger, version: VERSION });
  if (standalone && config.simulators.seedFleet) await seedDemoFleet(db, logger);
  let gateway: Gateway | null = null;
  if (config.gateway.enabled && o.gateway !== false) {
    gateway = await startGateway({
      config, bus, metrics, logger,
      readiness: {
        database: () => db.ping(),
        bus: async () => bus.status === 'connected',
        actors: async () => true,
      },
    });
  }
  return {
    config, db, bus, runtime, gateway, simulatedFleet, logger, metrics,
    async stop() {
      await gateway?.close();
      await service.stop();
      await runtime.stop();
      if (!o.bus) await bus.close();
      if (!o.driver) await driver!.close().catch(() => undefined);
      if (!o.db) await db.close();
    },
  };
}
