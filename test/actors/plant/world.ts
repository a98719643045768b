import { randomBytes } from 'node:crypto';
import { NatsBus, type Bus, type ServiceHandle } from '../../../adapters/bus';
import {
  CredentialCipher, SIMULATOR_CREDENTIALS, createSolarAdapter, startSolarSimulator, type SolarAdapter,
  type RunningSimulator, type SimPlant, type SimulatorOptions, type SolarBrand,
} from '../../../adapters/solar';
import { startPlantRuntime, type AdapterFactory, type PlantRuntime, type PlantRuntimeOptions } from '../../../actors/plant';
import { parseConfig } from '../../../core/config';
import type { PlantAlertEvent, PlantStatusEvent } from '../../../core/events';
import { silentLogger } from '../../../core/logger';
import { createMetrics } from '../../../core/metrics';
import { unwrap, type Reply } from '../../../core/reply';
import { subjects as makeSubjects, type Subjects } from '../../../core/subjects';
import { servePlants } from '../../../gateway/nats/plantService';
import { createNatsGuard } from '../../../gateway/nats/access';
import { openDatabase, pollLogsRepo, registryRepo, type Database, type PollLogRow } from '../../../persistence';
import { createTestDatabase } from '../../helpers/db';
import { NATS_URL, testPrefix } from '../../helpers/nats';

export const ORG = 'org-solar';

/** The runtime's clock (pinned or real) and how far the vendor's clock lags behind it. */
export class TestClock {
  pinned: number | null = null;
  vendorLagMs = 0;
  now = (): number => this.pinned ?? Date.now();
  vendorNow = (): Date => new Date(this.now() - this.vendorLagMs);
  pin(at: Date | number): void { this.pinned = typeof at === 'number' ? at : at.getTime(); }
  real(): void { this.pinned = null; this.vendorLagMs = 0; }
}

export interface PlantWorld {
  db: Database;
  bus: Bus;
  s: Subjects;
  plants: PlantRuntime;
  clock: TestClock;
  sims: Map<SolarBrand, RunningSimulator>;
  statusEvents: PlantStatusEvent[];
  alertEvents: PlantAlertEvent[];
  orgAlertEvents: PlantAlertEvent[];
  request<T>(subject: string, body?: unknown): Promise<Reply<T>>;
  call<T>(subject: string, body?: unknown): Promise<T>;
  startSim(brand: SolarBrand, opts?: SimulatorOptions): Promise<RunningSimulator>;
  /** Registers a credential for the brand's simulator and the given simulated plants; returns plant ids by vendor id. */
  register(brand: SolarBrand, plants: SimPlant[], opts?: { credentialId?: string; timezoneOf?: (p: SimPlant) => string }): Promise<string[]>;
  logs(plantId: string): Promise<PollLogRow[]>;
  stop(): Promise<void>;
}

/**
 * These tests are about the poll (locks, rules, faults, time), polled far more often than a vendor's
 * per-account quotas and per-minute limits allow on the real clock: their adapters declare none, so every
 * poll reads its vendor at once. (GoodWe's 60 requests a minute: a 12-plant sweep whose tokens expire midway
 * makes 60 requests, so the last polls waited a minute for the window and passed their 15 s deadline.)
 * The limits have their own tests: quota.test.ts (quotas, shared reads), sweep.test.ts (per minute),
 * test/adapters/solar/limiter.test.ts (the window).
 */
const withoutQuotas: AdapterFactory = (brand, creds, opts) => {
  const a = createSolarAdapter(brand, creds, opts);
  const caps = a.getCapabilities();
  return Object.assign(Object.create(a) as SolarAdapter, { getCapabilities: () => ({ ...caps, quotas: undefined, requestsPerMinute: 1_000_000 }) });
};

/** A world of its own for one test file: a fresh PostgreSQL database, a NATS prefix, simulators, a plant runtime. */
export async function createPlantWorld(runtime: PlantRuntimeOptions = {}, config: Record<string, unknown> = {}): Promise<PlantWorld> {
  const tdb = await createTestDatabase('gtplant');
  const db = await openDatabase({ url: tdb.url, poolMax: 10 });
  await db.migrate();
  const prefix = testPrefix('p');
  const s = makeSubjects(prefix);
  const bus = await NatsBus.connect({ servers: NATS_URL });
  const clock = new TestClock();
  const cfg = parseConfig({ prefix, mode: 'production', logLevel: 'silent', gateway: { enabled: false }, ...config });
  const plants = startPlantRuntime(
    { db, bus, subjects: s, config: cfg, logger: silentLogger, metrics: createMetrics(), now: clock.now },
    { cipher: new CredentialCipher(randomBytes(32)), autorun: false, retry: { attempts: 2, baseMs: 20 }, adapterTimeoutMs: 1_000, createAdapter: withoutQuotas, ...runtime },
  );
  const service: ServiceHandle = await servePlants({ bus, subjects: s, plants, logger: silentLogger, version: '0.0.1', guard: createNatsGuard(cfg, db) });
  await registryRepo.upsertOrganization(db.sql, { id: ORG, name: 'Solar org' });
  await registryRepo.upsertOrganization(db.sql, { id: 'org-other', name: 'Other org' });
  const statusEvents: PlantStatusEvent[] = [];
  const alertEvents: PlantAlertEvent[] = [];
  const orgAlertEvents: PlantAlertEvent[] = [];
  bus.subscribe(s.evtPlantStatus.pattern, (m) => statusEvents.push(m.json<PlantStatusEvent>()));
  bus.subscribe(s.evtPlantAlert.pattern, (m) => alertEvents.push(m.json<PlantAlertEvent>()));
  bus.subscribe(s.evtOrgAlert(ORG), (m) => orgAlertEvents.push(m.json<PlantAlertEvent>()));
  const sims = new Map<SolarBrand, RunningSimulator>();
  const request = <T>(subject: string, body: unknown = {}) => bus.request<Reply<T>>(subject, body, { timeoutMs: 60_000 });
  const call = async <T>(subject: string, body: unknown = {}) => unwrap(await request<T>(subject, body));

  return {
    db, bus, s, plants, clock, sims, statusEvents, alertEvents, orgAlertEvents, request, call,
    async startSim(brand, opts = {}) {
      const sim = await startSolarSimulator(brand, { now: clock.vendorNow, ...opts });
      sims.set(brand, sim);
      return sim;
    },
    async register(brand, list, o = {}) {
      const sim = sims.get(brand)!;
      const credentialId = o.credentialId ?? `cred-${brand.toLowerCase()}`;
      await call(s.registryUpsert('credential'), { id: credentialId, organizationId: ORG, brand, credentials: SIMULATOR_CREDENTIALS[brand], baseUrl: sim.baseUrl });
      const ids: string[] = [];
      for (const p of list) {
        const id = `${credentialId}-p${p.index}`;
        await call(s.registryUpsert('plant'), {
          id, organizationId: ORG, credentialId, vendorPlantId: p.id, name: p.name, timezone: o.timezoneOf?.(p) ?? p.timezone, capacityKwp: p.capacityKwp,
        });
        ids.push(id);
      }
      return ids;
    },
    logs: (plantId) => pollLogsRepo.ofPlant(db.sql, plantId, 100),
    async stop() {
      await service.stop();
      await plants.stop();
      await Promise.all([...sims.values()].map((x) => x.close()));
      await bus.close();
      await db.close();
      await tdb.drop();
    },
  };
}
