import { NatsBus, type Bus } from '../../adapters/bus';
import { SimulatedFleetDriver, SimulatedTokenService } from '../../adapters/meters/simulated';
import { createMeterDriverRouter } from '../../adapters/meters/router';
import { OrderWebhookNotifier, createOrderWebhookSimulator, type HttpSinkSimulator } from '../../adapters/notify';
import { parseConfig, type Config } from '../../core/config';
import { silentLogger } from '../../core/logger';
import { createMetrics } from '../../core/metrics';
import { subjects as makeSubjects, type Subjects } from '../../core/subjects';
import { unwrap, type Reply } from '../../core/reply';
import { startNode, type GridtwinNode } from '../../gateway/node';
import { openDatabase, type Database } from '../../persistence';
import { createTestDatabase } from './db';
import { NATS_URL, testPrefix } from './nats';

export interface World {
  node: GridtwinNode;
  db: Database;
  /** The test database's URL (for a plain connection standing in for another service). */
  dbUrl: string;
  bus: Bus;
  s: Subjects;
  fleet: SimulatedFleetDriver;
  webhook: HttpSinkSimulator;
  config: Config;
  request<T>(subject: string, body?: unknown): Promise<Reply<T>>;
  call<T>(subject: string, body?: unknown): Promise<T>;
  seed(opts?: { meters?: number; protocol?: 'CALIN_V1' | 'CALIN_V2' | 'CALIN_LORAWAN'; orgSettings?: Record<string, unknown> }): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * A world of its own for one test file: a fresh PostgreSQL database, its own NATS subject prefix,
 * a simulated fleet and an order-webhook simulator; everything torn down by stop().
 */
export async function createWorld(overrides: Record<string, unknown> = {}, fleetOpts: ConstructorParameters<typeof SimulatedFleetDriver>[0] = {}): Promise<World> {
  const tdb = await createTestDatabase('gtw');
  const db = await openDatabase({ url: tdb.url, poolMax: 8 });
  await db.migrate();
  const prefix = testPrefix();
  const bus = await NatsBus.connect({ servers: NATS_URL });
  const webhook = await createOrderWebhookSimulator().start();
  const fleet = new SimulatedFleetDriver(fleetOpts);
  const config = parseConfig({
    prefix, mode: 'production', logLevel: 'silent', gateway: { enabled: false },
    notify: { orderWebhookUrl: webhook.url },
    interactions: { batchRecountThrottleMs: 5_000, reconcileEveryMs: 60_000, outboxLeaseMs: 2_000 },
    ...overrides,
  });
  const driver = createMeterDriverRouter({ byProtocol: { CALIN_V1: fleet, CALIN_V2: fleet, CALIN_LORAWAN: fleet, EMLITE: fleet }, tokenService: new SimulatedTokenService() });
  const notifier = new OrderWebhookNotifier({ url: webhook.url, retry: { maxAttempts: 5, initialBackoffMs: 10, maxBackoffMs: 50 } });
  const node = await startNode(config, {
    db, bus, driver, notifier, logger: silentLogger, metrics: createMetrics(), gateway: false, autorun: false,
    simulatedFleet: { fleet, protocols: ['CALIN_V1', 'CALIN_V2', 'CALIN_LORAWAN', 'EMLITE'] },
  });
  const s = makeSubjects(prefix);
  const request = <T>(subject: string, body: unknown = {}) => bus.request<Reply<T>>(subject, body, { timeoutMs: 20_000 });
  return {
    node, db, dbUrl: tdb.url, bus, s, fleet, webhook, config, request,
    call: async <T>(subject: string, body: unknown = {}) => unwrap(await request<T>(subject, body)),
    async seed(o = {}) {
      const n = o.meters ?? 3;
      await unwrap(await request(s.registryUpsert('organization'), { id: 'org1', name: 'Org', settings: o.orgSettings ?? {} }));
      await unwrap(await request(s.registryUpsert('grid'), { id: 'g1', organizationId: 'org1', name: 'Grid 1' }));
      await unwrap(await request(s.registryUpsert('dcu'), { id: 'd1', gridId: 'g1', externalReference: 'GW-1' }));
      await unwrap(await request(s.registryUpsert('dcu'), { id: 'd2', gridId: 'g1', externalReference: 'GW-2' }));
      const ids: string[] = [];
      const now = new Date().toISOString();
      for (let i = 0; i < n; i++) {
        const id = `m${i}`;
        await unwrap(await request(s.registryUpsert('meter'), {
          id, serial: `S${1000 + i}`, externalReference: `dev${i}`, protocol: o.protocol ?? 'CALIN_V2', gridId: 'g1', dcuId: 'd1',
          tariffPerKwh: 100, powerLimitShouldBe: 1500, lastSeenAt: now,
        }));
        ids.push(id);
      }
      return ids;
    },
    async stop() {
      await node.stop();
      await bus.close();
      await webhook.stop();
      await db.close();
      await tdb.drop();
    },
  };
}

/** Polls until `f` returns a truthy value (or throws after `ms`). For outcomes that arrive asynchronously. */
export async function eventually<T>(f: () => Promise<T | undefined | null | false>, ms = 10_000, every = 25): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`condition not met within ${ms} ms${last ? `: ${(last as Error).message}` : ''}`);
}
