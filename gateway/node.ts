import { LocalBus, NatsBus, type Bus } from '../adapters/bus';
import type { MeterDriver } from '../adapters/meters/types';
import { createMeterAdapters } from '../adapters/meters/factory';
import type { SimulatedFleetDriver } from '../adapters/meters/simulated';
import { createNotifiers, type Notifiers } from '../adapters/notify';
import type { OrderNotifier } from '../adapters/notify/types';
import { EmliteMeterDriver, MediatorPool, startMediatorSimulator, type MediatorSimulator } from '../adapters/emlite';
import { createMeterDriverRouter } from '../adapters/meters/router';
import { SyncSweeper } from '../actors/sync';
import { ActorSystem } from '../actors/kinds';
import { startRuntime, type Runtime } from '../actors/system';
import { startPlantRuntime, type PlantRuntime } from '../actors/plant';
import type { RunningSimulator, SolarBrand } from '../adapters/solar';
import type { Config } from '../core/config';
import type { CommunicationProtocol } from '../core/domain';
import { setDetachedErrorReporter } from '../core/detached';
import { createLogger, type Logger } from '../core/logger';
import { createMetrics, type Metrics } from '../core/metrics';
import { guardUnhandledRejections } from '../core/process';
import { Scheduler } from '../core/scheduler';
import { subjects as makeSubjects } from '../core/subjects';
import { VERSION } from '../core/version';
import { emliteRepo, interactionsRepo, openDatabase, type Database } from '../persistence';
import { clusterTopology, standaloneTopology, type ClusterNode } from './cluster';
import { serveNats } from './nats/service';
import type { SimulatorHandles } from './nats/simulators';
import { createNatsGuard } from './nats/access';
import { serveCatchAll } from './nats/catchAll';
import { serveQueries } from './nats/queryService';
import { startDemoActivity, startDemoStory } from './demo';
import { servePlants } from './nats/plantService';
import { serveSyncNats } from './nats/syncService';
import { DEMO_EMLITE_METERS, seedDemoEmliteMeters, seedDemoFleet, seedDemoHistory, seedDemoPlants, repointDemoPlants, startDemoSolarSimulators } from './seed';
import { startGateway, type Gateway } from './server';
import { standaloneCipher } from './standalone';


export interface NodeOverrides {
  db?: Database;
  /**
   * The node's own database, already being opened from this config (bin starts PGlite while the node's modules
   * load): migrated, keyed and closed by the node as if it had opened it. Ignored when `db` is given.
   */
  opening?: Promise<Database>;
  bus?: Bus;
  driver?: MeterDriver;
  notifier?: OrderNotifier;
  /** Replaces all cascade sinks (order webhook, Telegram, analytics). */
  sinks?: Notifiers;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
  /** Skip the gateway (tests of the NATS surface only). */
  gateway?: boolean;
  autorun?: boolean;
  /** Emlite mediators (tests and benches pass their own pool). */
  mediators?: MediatorPool;
  /** With `driver`: the simulated fleet inside it and the protocols it serves (for the simulator controls). */
  simulatedFleet?: { fleet: SimulatedFleetDriver; protocols: CommunicationProtocol[] };
  /** Log and count unhandled promise rejections instead of exiting (default true). */
  guardProcess?: boolean;
}

export interface GridtwinNode {
  config: Config;
  db: Database;
  bus: Bus;
  runtime: Runtime;
  /** Solar plants (seed 002). */
  plants: PlantRuntime;
  solarSimulators: Record<SolarBrand, RunningSimulator> | null;
  gateway: Gateway | null;
  simulatedFleet: SimulatedFleetDriver | null;
  mediators: MediatorPool | null;
  mediatorSimulator: MediatorSimulator | null;
  sweeper: SyncSweeper;
  /** Membership, leases and routing when `cluster.enabled`. */
  cluster: ClusterNode | null;
  logger: Logger;
  metrics: Metrics;
  /** Milliseconds each start-up phase took, in order (logged at start; bench:startup reads them). */
  phases: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Assembles one gridtwin node: database (migrated), bus, drivers, actors, the NATS service and the
 * gateway. Standalone mode (no DATABASE_URL / NATS_URL) uses embedded PGlite, the in-process bus and the
 * bundled simulators — chosen explicitly by configuration, never as a fallback.
 */
export async function startNode(config: Config, o: NodeOverrides = {}): Promise<GridtwinNode> {
  const logger = o.logger ?? createLogger({ level: config.logLevel });
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - phaseStart);
    phaseStart = now;
  };
  const metrics = o.metrics ?? createMetrics({ defaultMetrics: true });
  const restoreDetachedReporter = setDetachedErrorReporter((err, what) => {
    metrics.detachedFailures.inc();
    logger.error({ err, what }, 'detached work failed');
  });
  const unguard = o.guardProcess === false ? () => undefined : guardUnhandledRejections(logger, metrics);
  const standalone = config.mode === 'standalone';
  const simulators = config.simulators.enabled ?? standalone;
  const subjects = makeSubjects(config.prefix);
  const bus = o.bus ?? (config.nats.url ? await NatsBus.connect({ servers: config.nats.url, name: `${config.nats.name}-${config.nodeId}` }) : new LocalBus());
  // What differs in a cluster comes as pieces of the topology: fenced connections, uplink delivery, placement, routing.
  const topology = config.cluster.enabled ? clusterTopology({ config, bus, subjects, logger }) : standaloneTopology;
  phase('bus');
  const db = o.db ?? (await (o.opening ?? openDatabase({ url: config.database.url, pgliteDir: config.database.pgliteDir, poolMax: config.database.poolMax, sessionSettings: topology.sessionSettings })));
  phase('open');
  if (!o.db) await db.migrate();
  phase('migrate');
  // Emlite (seed 001): a mediator pool when there are EMLITE meters or simulators; standalone simulates the mediator.
  const mediatorSimulator = standalone && simulators ? await startMediatorSimulator({ meters: DEMO_EMLITE_METERS }) : null;
  const mediators = o.mediators ?? (simulators || (await emliteRepo.hasEmliteMeters(db.sql)) ? MediatorPool.fromConfig(config.emlite) : null);
  let simulatedFleet: SimulatedFleetDriver | null = o.simulatedFleet?.fleet ?? null;
  let simulatedProtocols: CommunicationProtocol[] = o.simulatedFleet?.protocols ?? [];
  let driver = o.driver;
  if (!driver) {
    // Real adapters where configured (Calin API tokens, ChirpStack MQTT); simulators only when asked.
    const adapters = await createMeterAdapters(config.drivers, { useSimulators: simulators, logger });
    simulatedFleet = adapters.simulatedFleet ?? null;
    simulatedProtocols = adapters.simulatedProtocols;
    driver = adapters.driver;
    if (mediators) driver = withEmlite(driver, createMeterDriverRouter({ byProtocol: { EMLITE: new EmliteMeterDriver(mediators) }, tokenService: adapters.tokenService }));
  }
  const configured = createNotifiers(config, logger);
  const sinks: Notifiers = o.sinks ?? { ...configured, order: o.notifier ?? configured.order };
  phase('drivers');
  metrics.sampleOutboxBacklog(() => interactionsRepo.pendingOutboxCount(db.sql));
  // Every periodic job of the node; started once everything is wired, scoped by the cluster's placement when there is one.
  const scheduler = new Scheduler({ logger });
  // One actor system: the meter, batch, commissioning and plant kinds under one root.
  const system = new ActorSystem();
  const runtime = startRuntime({ db, bus, subjects, driver, config, logger, metrics, now: o.now ?? Date.now, mediators: mediators ?? undefined }, {
    sinks, scheduler, system, autorun: o.autorun, deliverReport: topology.deliverReport,
  });
  const joined = await topology.join({ db, runtime, metrics, scheduler });
  const { cluster, routing } = joined;
  // The solar clouds start further down; their controls see them once they run.
  const simulatorHandles: SimulatorHandles | null = simulators ? { fleet: simulatedFleet, fleetProtocols: simulatedProtocols, solar: null } : null;
  // NATS auth mode `token`: every request under the prefix carries the caller's JWT and is authorized per endpoint.
  const guard = createNatsGuard(config, db, logger);
  const service = await serveNats({ bus, subjects, runtime, db, logger, version: VERSION, guard, cluster: routing, nodeId: config.nodeId, simulators: simulatorHandles });
  const meterTimeoutMs = config.emlite.deadlineMs * 12;
  const sweeper = new SyncSweeper({ db, bus, subjects, logger, meters: joined.meters, now: o.now ?? Date.now, scheduler }, { windowPerMediator: config.emlite.perMediatorConcurrency * 2, meterTimeoutMs, autorun: o.autorun !== false && mediators !== null });
  sweeper.start();
  const queryService = await serveQueries({ bus, subjects, db, logger, version: VERSION, guard, now: o.now });
  const syncService = await serveSyncNats({ bus, subjects, runtime, sweeper, logger, version: VERSION, meterTimeoutMs, guard, cluster: routing });
  phase('services');
  if (standalone && config.simulators.seedFleet) await seedDemoFleet(db, logger);
  if (mediatorSimulator) await seedDemoEmliteMeters(db, logger, mediatorSimulator.address);
  // Solar (seed 002). Standalone without solar.credentialKey keeps a generated key in its data folder.
  // Simulators on in production (GRIDTWIN_SIMULATORS=true): the clouds run too, so an integrator registers a
  // credential at a logged base URL and drives its plants with sim.plant.* controls; only standalone seeds demo plants.
  const solarSimulators = simulators ? await startDemoSolarSimulators() : null;
  if (solarSimulators && !standalone) {
    for (const [brand, sim] of Object.entries(solarSimulators)) logger.info({ brand, baseUrl: sim.baseUrl, plants: sim.fleet.plants.map((p) => p.id) }, 'simulated vendor cloud listening');
  }
  const demoPlantsRegistered = standalone && solarSimulators ? await repointDemoPlants(db, logger, solarSimulators) : false;
  phase('demoFleet');
  if (simulatorHandles) simulatorHandles.solar = solarSimulators;
  const plants = startPlantRuntime({ db, bus, subjects, config, logger, metrics, now: o.now ?? Date.now }, {
    autorun: o.autorun, scheduler, system,
    ...(standalone && !config.solar.credentialKey ? { cipher: standaloneCipher(!o.db && db.kind === 'pglite' ? config.database.pgliteDir : null) } : {}),
  });
  phase('plants');
  const plantService = await servePlants({ bus, subjects, plants, logger, version: VERSION, guard, cluster: routing });
  // Every other request under the prefix gets INVALID_ID / UNKNOWN_SUBJECT; cluster subjects are the cluster's own.
  const catchAll = await serveCatchAll({
    bus, subjects, version: VERSION,
    served: () => [...service.subjects, ...syncService.subjects, ...plantService.subjects, ...queryService.subjects],
    ignore: topology.ignore,
  });
  if (standalone && solarSimulators && !demoPlantsRegistered) {
    await seedDemoPlants(db, logger, plants, solarSimulators);
    await seedDemoHistory(db, logger);
  }
  phase('solarSeed');
  // After the demo plants exist, so the start-up plant sweep sees them. In a cluster each node acts on what it owns.
  scheduler.start(joined.placement);
  const demo = standalone && simulators && config.simulators.seedFleet && o.autorun !== false;
  const stopActivity = demo ? startDemoActivity({ runtime, bus, subjects, logger }) : () => undefined;
  const stopStory = demo
    ? await startDemoStory({ runtime, sweeper, db, logger }).catch((e: unknown) => {
        logger.warn({ err: e }, 'demo: the story could not be set up');
        return () => undefined;
      })
    : () => undefined;
  const stopDemo = () => {
    stopActivity();
    stopStory();
  };
  phase('demo');
  let gateway: Gateway | null = null;
  let stopping = false;
  if (config.gateway.enabled && o.gateway !== false) {
    gateway = await startGateway({
      config, bus, metrics, logger,
      readiness: {
        database: () => db.ping(),
        bus: async () => bus.status === 'connected',
        actors: async () => !stopping && joined.ready(),
      },
    });
  }
  phase('gateway');
  return {
    config, db, bus, runtime, cluster, plants, solarSimulators, gateway, simulatedFleet, mediators, mediatorSimulator, sweeper, logger, metrics, phases,
    async stop() {
      stopping = true;
      stopDemo();
      await scheduler.stop();
      await gateway?.close();
      await joined.leave();
      await sweeper.stop();
      await catchAll.stop();
      await syncService.stop();
      await queryService.stop();
      await service.stop();
      await plantService.stop();
      await plants.stop();
      await joined.stop();
      await Promise.all(Object.values(solarSimulators ?? {}).map((sim) => sim.close()));
      await runtime.stop();
      system.stop();
      if (!o.bus) await bus.close();
      if (!o.driver) await driver!.close().catch(() => undefined);
      if (!o.mediators) mediators?.close();
      await mediatorSimulator?.stop();
      if (!o.db) await db.close();
      restoreDetachedReporter();
      unguard();
    },
  };
}

/** EMLITE commands go to the mediator driver (with its own token step); every other protocol to `base`. */
function withEmlite(base: MeterDriver, emlite: MeterDriver): MeterDriver {
  return {
    name: `${base.name}+${emlite.name}`,
    execute: (cmd) => (cmd.meter.protocol === 'EMLITE' ? emlite : base).execute(cmd),
    onUnsolicited: (listener) => base.onUnsolicited(listener),
    close: async () => {
      await Promise.all([base.close(), emlite.close()]);
    },
  };
}
