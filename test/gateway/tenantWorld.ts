import { NatsBus } from '../../adapters/bus';
import { SimulatedFleetDriver, SimulatedTokenService } from '../../adapters/meters/simulated';
import { createMeterDriverRouter } from '../../adapters/meters/router';
import { parseConfig } from '../../core/config';
import { silentLogger } from '../../core/logger';
import { createMetrics } from '../../core/metrics';
import { unwrap, type Reply } from '../../core/reply';
import { subjects as makeSubjects, type Subjects } from '../../core/subjects';
import { startNode, type GridtwinNode } from '../../gateway/node';
import { alertsRepo, batchesRepo, commissioningsRepo, credentialsRepo, openDatabase, plantsRepo, type Database } from '../../persistence';
import { createTestDatabase } from '../helpers/db';
import { NATS_URL, testPrefix } from '../helpers/nats';
import { SECRET, token } from './helpers';

/**
 * A real node (PostgreSQL, NATS, actors, simulated meters) with its gateway, and two organizations:
 *
 *   org-a: grid ga (meter ma, dcu da), grid ga2 (meter ma2), EMLITE meter ea (no grid, ESCO org-a), plant pa, alert ala
 *   org-b: grid gb (meter mb, dcu db), EMLITE meters eb (no grid, ESCO org-b) and eb2 (no grid, ESCO esco-b, organization
 *          given), plant pb, alert alb,
 *          batch bb, commissioning cb (meter mb), interaction ib (meter mb)
 *   each organization also has issues on its grid meter and its EMLITE meter, a batch / commissioning / final
 *   interaction (ba, ca, ia on ma; ieb on eb), poll logs, and names, references and messages no other organization shares
 *   (`sentinels`: what must never appear in another organization's answer).
 */
export interface TenantWorld {
  node: GridtwinNode;
  db: Database;
  s: Subjects;
  url: string;
  wsUrl: string;
  ids: { interactionB: string; interactionA: string; interactionEb: string; issues: Record<string, string> };
  /** Per organization: strings of its resources that another organization must never see. */
  sentinels: Record<'org-a' | 'org-b', string[]>;
  call<T>(subject: string, body?: unknown): Promise<T>;
  tokenFor(org: string, role: 'viewer' | 'operator' | 'admin' | undefined, extra?: Record<string, unknown>): Promise<string>;
  http(method: string, path: string, tk: string | undefined, body?: unknown): Promise<{ status: number; body: any; text: string }>;
  /** Everything a refused request could have written (rows and their states). */
  writes(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function createTenantWorld(): Promise<TenantWorld> {
  const tdb = await createTestDatabase('gttn');
  const db = await openDatabase({ url: tdb.url, poolMax: 6 });
  await db.migrate();
  const prefix = testPrefix('tn');
  const bus = await NatsBus.connect({ servers: NATS_URL });
  const fleet = new SimulatedFleetDriver({});
  const config = parseConfig({
    prefix, mode: 'production', logLevel: 'silent',
    gateway: { enabled: true, port: 0, host: '127.0.0.1', jwtSecret: SECRET },
    interactions: { reconcileEveryMs: 60_000 },
  });
  const driver = createMeterDriverRouter({ byProtocol: { CALIN_V1: fleet, CALIN_V2: fleet, CALIN_LORAWAN: fleet, EMLITE: fleet }, tokenService: new SimulatedTokenService() });
  const node = await startNode(config, { db, bus, driver, logger: silentLogger, metrics: createMetrics(), autorun: false });
  const s = makeSubjects(prefix);
  const call = async <T>(subject: string, body: unknown = {}) => unwrap(await bus.request<Reply<T>>(subject, body, { timeoutMs: 20_000 }));
  const now = new Date().toISOString();
  for (const org of ['org-a', 'org-b']) await call(s.registryUpsert('organization'), { id: org, name: `Organization ${org} Ltd` });
  for (const [grid, org] of [['ga', 'org-a'], ['ga2', 'org-a'], ['gb', 'org-b']] as const) await call(s.registryUpsert('grid'), { id: grid, organizationId: org, name: `Grid ${grid} of ${org}` });
  await call(s.registryUpsert('dcu'), { id: 'da', gridId: 'ga', externalReference: 'DCU-A' });
  await call(s.registryUpsert('dcu'), { id: 'db', gridId: 'gb', externalReference: 'DCU-B' });
  await call(s.registryUpsert('meter'), { id: 'ma', serial: 'SA1', protocol: 'CALIN_V2', gridId: 'ga', dcuId: 'da', lastSeenAt: now });
  await call(s.registryUpsert('meter'), { id: 'ma2', serial: 'SA2', protocol: 'CALIN_V2', gridId: 'ga2', lastSeenAt: now });
  await call(s.registryUpsert('meter'), { id: 'mb', serial: 'SB1', externalReference: 'XREF-MB-0001', protocol: 'CALIN_V2', gridId: 'gb', dcuId: 'db', lastSeenAt: now });
  await call(s.registryUpsert('meter'), { id: 'ea', serial: 'EMLA0001', protocol: 'EMLITE', esco: 'org-a', mediatorAddress: '127.0.0.1:1', lastSeenAt: now });
  await call(s.registryUpsert('meter'), { id: 'eb', serial: 'EMLB0001', protocol: 'EMLITE', esco: 'org-b', mediatorAddress: '127.0.0.1:1', lastSeenAt: now });
  await call(s.registryUpsert('meter'), { id: 'eb2', serial: 'EMLB0002', protocol: 'EMLITE', esco: 'esco-b', organizationId: 'org-b', mediatorAddress: '127.0.0.1:1', lastSeenAt: now });
  await db.tx(async (sql) => {
    for (const org of ['a', 'b']) {
      await credentialsRepo.upsert(sql, { id: `cred-${org}`, organizationId: `org-${org}`, brand: 'SOLIS', encryptedCredentials: `not-a-secret-${org}` });
      await plantsRepo.upsert(sql, { id: `p${org}`, organizationId: `org-${org}`, credentialId: `cred-${org}`, brand: 'SOLIS', vendorPlantId: `vendor-plant-${org}`, name: `Plant ${org} solar farm`, timezone: 'UTC' });
      await alertsRepo.insert(sql, {
        id: `al${org}`, plantId: `p${org}`, organizationId: `org-${org}`, type: 'INVERTER_FAULT', vendorAlarmCode: '2032', deviceSn: 'INV-1',
        severity: 'MAJOR', message: `overvoltage at plant p${org}`, firstSeenAt: new Date(), lastNotifiedAt: null,
      });
      const at = new Date(Date.now() - 3_600_000).toISOString();
      await sql.run(`insert into poll_logs(id, plant_id, started_at, finished_at, duration_ms, status) values (?, ?, ?, ?, ?, 'SUCCESS')`, [`pl-${org}`, `p${org}`, at, at, org === 'a' ? 100 : 900]);
    }
    await batchesRepo.create(sql, { id: 'bb', organizationId: 'org-b', type: 'READ_CREDIT', total: 1 });
    await commissioningsRepo.create(sql, { id: 'cb', meterId: 'mb', steps: [{ type: 'READ_CREDIT', params: {} }] });
    await batchesRepo.create(sql, { id: 'ba', organizationId: 'org-a', type: 'READ_CREDIT', total: 1 });
    await commissioningsRepo.create(sql, { id: 'ca', meterId: 'ma', steps: [{ type: 'READ_CREDIT', params: {} }] });
    await commissioningsRepo.create(sql, { id: 'ceb', meterId: 'eb', steps: [{ type: 'READ_CREDIT', params: {} }] });
  });
  const ib = await call<{ id: string }>(s.meterCreateInteraction('mb'), { type: 'READ_CREDIT', idempotencyKey: 'seed-ib-key-of-org-b' });
  const ia = await call<{ id: string }>(s.meterCreateInteraction('ma'), { type: 'READ_CREDIT', idempotencyKey: 'seed-ia-key-of-org-a' });
  const ieb = await call<{ id: string }>(s.meterCreateInteraction('eb'), { type: 'READ_CREDIT', idempotencyKey: 'seed-ieb-key-of-org-b' });
  // The seed interactions must be final before tests compare what was written.
  const FINAL = ['SUCCESSFUL', 'FAILED', 'ABORTED', 'SUPERSEDED', 'EXPIRED'];
  for (const i of [ib, ia, ieb]) {
    for (let done = false; !done;) {
      done = FINAL.includes((await call<{ status: string }>(s.interactionGet(i.id))).status);
      if (!done) await new Promise((r) => setTimeout(r, 20));
    }
  }
  const issues: Record<string, string> = {};
  for (const meter of ['ma', 'ea', 'mb', 'eb']) {
    const r = await call<{ id: string }>(s.meterIssuesOpen(meter), { type: 'UNEXPECTED_METER_STATUS', details: { note: `issue-note-of-${meter}` } });
    issues[meter] = r.id;
  }
  const url = node.gateway!.url;

  return {
    node, db, s, url, wsUrl: `ws://127.0.0.1:${node.gateway!.port}/ws`, ids: { interactionB: ib.id, interactionA: ia.id, interactionEb: ieb.id, issues }, call,
    sentinels: {
      'org-a': ['Organization org-a Ltd', 'Grid ga of org-a', 'Grid ga2 of org-a', 'DCU-A', 'SA1', 'SA2', 'EMLA0001', 'Plant a solar farm', 'vendor-plant-a',
        'overvoltage at plant pa', 'seed-ia-key-of-org-a', 'issue-note-of-ma', 'issue-note-of-ea', 'not-a-secret-a',
        ia.id, issues.ma!, issues.ea!],
      'org-b': ['Organization org-b Ltd', 'Grid gb of org-b', 'DCU-B', 'SB1', 'XREF-MB-0001', 'EMLB0001', 'EMLB0002', 'Plant b solar farm', 'vendor-plant-b',
        'overvoltage at plant pb', 'seed-ib-key-of-org-b', 'seed-ieb-key-of-org-b', 'issue-note-of-mb', 'issue-note-of-eb', 'not-a-secret-b',
        ib.id, ieb.id, issues.mb!, issues.eb!],
    },
    tokenFor: (org, role, extra = {}) => token({ org, role, ...extra }),
    async http(method, path, tk, body) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(tk ? { authorization: `Bearer ${tk}` } : {}) };
      const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text };
    },
    async writes() {
      const q = async (sqlText: string) => db.sql.all(sqlText);
      return {
        interactions: await q(`select id, meter_id, interaction_type, status from meter_interactions order by id`),
        meters: await q(`select id, organization_id, is_on, kwh_credit_available, desired, row_version from meters order by id`),
        alerts: await q(`select id, state, acked_by from alerts order by id`),
        batches: await q(`select id, organization_id, status, total_count from batch_executions order by id`),
        commissionings: await q(`select id, status from meter_commissionings order by id`),
        plants: await q(`select id, organization_id, last_polled_at from plants order by id`),
        pollLogs: await q(`select count(*)::int as n from poll_logs`),
      };
    },
    async stop() {
      await node.stop();
      await bus.close();
      await db.close();
      await tdb.drop();
    },
  };
}
