import { NatsBus, type Bus } from '../../../adapters/bus';
import { EmliteMeterDriver, MediatorPool, startMediatorSimulator, type MediatorSimulator, type SimulatedMeterSpec } from '../../../adapters/emlite';
import { createMeterDriverRouter } from '../../../adapters/meters/router';
import { SimulatedTokenService } from '../../../adapters/meters/simulated';
import { parseConfig } from '../../../core/config';
import { silentLogger } from '../../../core/logger';
import { createMetrics } from '../../../core/metrics';
import { unwrap, type Reply } from '../../../core/reply';
import { subjects as makeSubjects, type Subjects } from '../../../core/subjects';
import { startNode, type GridtwinNode } from '../../../gateway/node';
import { openDatabase, registryRepo, type Database } from '../../../persistence';
import { createTestDatabase } from '../../helpers/db';
import { NATS_URL, testPrefix } from '../../helpers/nats';

export const T0 = Date.UTC(2026, 10, 23, 8, 5, 0);

export interface SyncWorld {
  node: GridtwinNode;
  db: Database;
  bus: Bus;
  s: Subjects;
  sims: MediatorSimulator[];
  pool: MediatorPool;
  /** The clock shared by the node and the simulators; move it with `advance`. */
  clock: { now: number };
  advance(ms: number): void;
  addMeters(meters: Array<{ id: string; serial: string; mediatorAddress: string | null; esco?: string; mode?: 'active' | 'passive' | 'virtual' }>): Promise<void>;
  request<T>(subject: string, body?: unknown, timeoutMs?: number): Promise<Reply<T>>;
  call<T>(subject: string, body?: unknown, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * A world for Emlite sync tests: a fresh PostgreSQL database, a NATS prefix of its own, mediator
 * simulators on 127.0.0.1:0 sharing one controllable clock with the node, and a node whose EMLITE
 * commands go through the mediator pool.
 */
export async function createSyncWorld(o: {
  mediators: Array<SimulatedMeterSpec[]>;
  latencyMs?: number;
  perMediatorConcurrency?: number;
}): Promise<SyncWorld> {
  const clock = { now: T0 };
  const now = () => clock.now;
  const tdb = await createTestDatabase('gtsync');
  const db = await openDatabase({ url: tdb.url, poolMax: 8 });
  await db.migrate();
  const prefix = testPrefix('sync');
  const bus = await NatsBus.connect({ servers: NATS_URL });
  const sims = await Promise.all(o.mediators.map((meters) => startMediatorSimulator({ meters, latencyMs: o.latencyMs ?? 0, now })));
  const perMediatorConcurrency = o.perMediatorConcurrency ?? 16;
  const pool = new MediatorPool({ deadlineMs: 5_000, perMediatorConcurrency });
  const driver = createMeterDriverRouter({ byProtocol: { EMLITE: new EmliteMeterDriver(pool, now) }, tokenService: new SimulatedTokenService() });
  const config = parseConfig({
    prefix, mode: 'production', logLevel: 'silent', gateway: { enabled: false },
    emlite: { deadlineMs: 5_000, perMediatorConcurrency },
    interactions: { reconcileEveryMs: 60_000 },
  });
  const node = await startNode(config, { db, bus, driver, mediators: pool, logger: silentLogger, metrics: createMetrics(), gateway: false, autorun: false, now });
  await registryRepo.upsertOrganization(db.sql, { id: 'esco1', name: 'ESCO 1' });
  const s = makeSubjects(prefix);
  const request = <T>(subject: string, body: unknown = {}, timeoutMs = 30_000) => bus.request<Reply<T>>(subject, body, { timeoutMs });
  return {
    node, db, bus, s, sims, pool, clock,
    advance: (ms) => { clock.now += ms; },
    async addMeters(meters) {
      await db.tx(async (sql) => {
        for (const m of meters) {
          await registryRepo.upsertMeter(sql, { id: m.id, serial: m.serial, protocol: 'EMLITE', esco: m.esco ?? 'esco1', mediatorAddress: m.mediatorAddress, mode: m.mode ?? 'active' });
        }
      });
    },
    request,
    call: async <T>(subject: string, body: unknown = {}, timeoutMs?: number) => unwrap(await request<T>(subject, body, timeoutMs)),
    async stop() {
      await node.stop();
      pool.close();
      await Promise.all(sims.map((x) => x.stop()));
      await bus.close();
      await db.close();
      await tdb.drop();
    },
  };
}

/** Rows of a table for one meter's registers (history and intervals). */
export async function registerRows(db: Database, table: 'register_import' | 'register_export' | 'register_interval_hh', meterId: string) {
  return db.sql.all<Record<string, unknown>>(
    `select r.element, t.* from ${table} t join meter_registers r using (register_id) where r.meter_id = ? order by r.element, t.timestamp`,
    [meterId],
  );
}
