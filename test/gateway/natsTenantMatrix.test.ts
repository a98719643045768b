import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus } from '../../adapters/bus';
import { SimulatedFleetDriver, SimulatedTokenService } from '../../adapters/meters/simulated';
import { createMeterDriverRouter } from '../../adapters/meters/router';
import { parseConfig } from '../../core/config';
import { METER_SIM_ACTIONS, PLANT_SIM_ACTIONS } from '../../core/simulatorControls';
import { silentLogger } from '../../core/logger';
import { createMetrics } from '../../core/metrics';
import { subjects as makeSubjects, type Subjects } from '../../core/subjects';
import { GridtwinClient } from '../../gateway/client';
import { startNode, type GridtwinNode } from '../../gateway/node';
import { alertsRepo, batchesRepo, commissioningsRepo, credentialsRepo, openDatabase, plantsRepo, type Database } from '../../persistence';
import { createTestDatabase } from '../helpers/db';
import { NATS_URL, testPrefix } from '../helpers/nats';
import { loadReplyContract } from '../helpers/asyncapiContract';
import { eventually } from '../helpers/world';
import { Client, SECRET, token } from './helpers';

/**
 * Issue 11, tenant matrix of the NATS API: a plain nats.js client against a node in NATS auth mode `token`. The
 * endpoints come from the live $SRV.INFO; each must have an expectation here, and each organization-data endpoint is
 * tried with organization B's tokens (every role) on organization A's resources, and with A's own tokens per role.
 */
type Role = 'viewer' | 'operator' | 'admin';
const ROLES: Role[] = ['viewer', 'operator', 'admin'];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** One organization's resources (A's are the targets). */
interface Res { org: string; meter: string; grid: string; dcu: string; plant: string; alert: string; interaction: string; commissioning: string; batch: string; esco: string; credential: string; extRef: string }
type Request = { subject: string; body?: unknown };
interface Expectation {
  /** The role the endpoint declares (checked against $SRV.INFO); absent for endpoints not per organization. */
  need?: Role;
  /** `refused` (default): B's tokens get FORBIDDEN or NOT_FOUND; `filtered`: B gets data holding nothing of A's. */
  foreign?: 'refused' | 'filtered';
  request(s: Subjects, r: Res): Request;
}

const at = new Date().toISOString();
const EXPECT: Record<string, Expectation> = {
  // gridtwin (device runtime)
  'meter-interactions-create': { need: 'operator', request: (s, r) => ({ subject: s.meterCreateInteraction(r.meter), body: { type: 'READ_CREDIT' } }) },
  'meter-get': { need: 'viewer', request: (s, r) => ({ subject: s.meterGet(r.meter) }) },
  'meter-report': { need: 'operator', request: (s, r) => ({ subject: s.meterReport(r.meter), body: { type: 'READ_REPORT', meterExternalReference: r.extRef, result: {}, receivedAt: at } }) },
  'meter-desired-set': { need: 'operator', request: (s, r) => ({ subject: s.meterDesiredSet(r.meter), body: { relay: 'on' } }) },
  'interaction-get': { need: 'viewer', request: (s, r) => ({ subject: s.interactionGet(r.interaction) }) },
  'interaction-abort': { need: 'operator', request: (s, r) => ({ subject: s.interactionAbort(r.interaction), body: {} }) },
  'commissioning-create': { need: 'operator', request: (s, r) => ({ subject: s.commissioningCreate(), body: { meterId: r.meter, steps: [{ type: 'READ_CREDIT' }] } }) },
  'commissioning-get': { need: 'viewer', request: (s, r) => ({ subject: s.commissioningGet(r.commissioning) }) },
  'batch-create': { need: 'operator', request: (s, r) => ({ subject: s.batchCreate(), body: { type: 'READ_CREDIT', meterIds: [r.meter] } }) },
  'batch-get': { need: 'viewer', request: (s, r) => ({ subject: s.batchGet(r.batch) }) },
  'grid-get': { need: 'viewer', request: (s, r) => ({ subject: s.gridGet(r.grid) }) },
  'owners-get': { need: 'viewer', foreign: 'filtered', request: (s, r) => ({ subject: s.ownersGet(), body: { kind: 'meter', ids: [r.meter] } }) },
  'registry-organization': { need: 'admin', request: (s, r) => ({ subject: s.registryUpsert('organization'), body: { id: r.org, name: r.org } }) },
  'registry-grid': { need: 'admin', request: (s, r) => ({ subject: s.registryUpsert('grid'), body: { id: r.grid, organizationId: r.org, name: 'Grid A' } }) },
  'registry-dcu': { need: 'admin', request: (s, r) => ({ subject: s.registryUpsert('dcu'), body: { id: r.dcu, gridId: r.grid, externalReference: 'DCU-A' } }) },
  'registry-meter': {
    need: 'admin',
    request: (s, r) => ({ subject: s.registryUpsert('meter'), body: { id: r.meter, serial: 'SA1', protocol: 'CALIN_V2', gridId: r.grid, dcuId: r.dcu, externalReference: r.extRef } }),
  },
  'grid-online': { need: 'admin', request: (s, r) => ({ subject: s.gridOnlineSet(), body: { id: r.grid, online: true } }) },
  'dcu-online': { need: 'admin', request: (s, r) => ({ subject: s.dcuOnlineSet(), body: { id: r.dcu, online: true } }) },
  'meter-issues-open': { need: 'operator', request: (s, r) => ({ subject: s.meterIssuesOpen(r.meter), body: { type: 'UNEXPECTED_METER_STATUS' } }) },
  'meter-issues-close': { need: 'operator', request: (s, r) => ({ subject: s.meterIssuesClose(r.meter), body: { issueId: 'no-such-issue' } }) },
  'meter-issues-list': { need: 'viewer', request: (s, r) => ({ subject: s.meterIssuesList(r.meter) }) },
  'issues-list': { need: 'viewer', request: (s, r) => ({ subject: s.issuesList(), body: { organizationId: r.org } }) },
  'meter-interactions-list': { need: 'viewer', request: (s, r) => ({ subject: s.meterInteractionsList(r.meter) }) },
  'grid-interactions-list': { need: 'viewer', request: (s, r) => ({ subject: s.gridInteractionsList(r.grid) }) },
  'batches-list': { need: 'viewer', request: (s, r) => ({ subject: s.batchesList(), body: { organizationId: r.org } }) },
  'commissionings-list': { need: 'viewer', request: (s, r) => ({ subject: s.commissioningsList(), body: { organizationId: r.org } }) },
  'uplinks-ingest': { need: 'operator', request: (s, r) => ({ subject: s.uplinksIngest(), body: { type: 'READ_REPORT', meterExternalReference: r.extRef, result: {}, receivedAt: at } }) },
  'cluster-status': { request: (s) => ({ subject: s.clusterStatus() }) },
  // gridtwin-plants
  'plant-poll': { need: 'operator', request: (s, r) => ({ subject: s.plantPoll(r.plant), body: {} }) },
  'plant-get': { need: 'viewer', request: (s, r) => ({ subject: s.plantGet(r.plant) }) },
  'alert-ack': { need: 'operator', request: (s, r) => ({ subject: s.alertAck(r.alert), body: {} }) },
  'alerts-list': { need: 'viewer', request: (s, r) => ({ subject: s.alertsList(), body: { organizationId: r.org } }) },
  'registry-plant': {
    need: 'admin',
    request: (s, r) => ({ subject: s.registryUpsert('plant'), body: { id: `${r.plant}-new`, organizationId: r.org, credentialId: r.credential, vendorPlantId: 'v-new', name: 'Plant new', timezone: 'UTC' } }),
  },
  'registry-credential': {
    need: 'admin',
    request: (s, r) => ({ subject: s.registryUpsert('credential'), body: { id: `${r.credential}-new`, organizationId: r.org, brand: 'SOLIS', credentials: { keyId: 'k', keySecret: 's' } } }),
  },
  // gridtwin-queries
  'meters-list': { need: 'viewer', request: (s, r) => ({ subject: s.metersList(), body: { organizationId: r.org } }) },
  'plants-list': { need: 'viewer', request: (s, r) => ({ subject: s.plantsList(), body: { organizationId: r.org } }) },
  'fleet-overview': { need: 'viewer', request: (s, r) => ({ subject: s.fleetOverview(), body: { organizationId: r.org } }) },
  'history-meter-credit': { need: 'viewer', request: (s, r) => ({ subject: s.history('meter.credit', r.meter) }) },
  'history-meter-reads': { need: 'viewer', request: (s, r) => ({ subject: s.history('meter.reads', r.meter) }) },
  'history-meter-intervals': { need: 'viewer', request: (s, r) => ({ subject: s.history('meter.intervals', r.meter) }) },
  'history-plant-energy': { need: 'viewer', request: (s, r) => ({ subject: s.history('plant.energy', r.plant) }) },
  'history-plant-power': { need: 'viewer', request: (s, r) => ({ subject: s.history('plant.power', r.plant) }) },
  'history-polls': { need: 'viewer', request: (s, r) => ({ subject: s.history('polls'), body: { organizationId: r.org } }) },
  'history-interactions': { need: 'viewer', request: (s, r) => ({ subject: s.history('interactions'), body: { organizationId: r.org } }) },
  // gridtwin-sync
  'meter-sync': { need: 'operator', request: (s, r) => ({ subject: s.meterSync(r.meter), body: {} }) },
  'esco-sync': { need: 'operator', request: (s, r) => ({ subject: s.escoSync(r.esco), body: { async: true } }) },
  'esco-sync-status': { need: 'viewer', request: (s, r) => ({ subject: s.escoSyncStatus(r.esco) }) },
  // gridtwin-catchall: answers subjects no endpoint serves
  'catch-all': { request: (s) => ({ subject: `${s.prefix}.no.such.subject` }) },
  // simulator controls (this node runs none: an allowed control answers UNAVAILABLE)
  ...Object.fromEntries(METER_SIM_ACTIONS.map((action) => [`sim-meter-${action}`, { need: 'operator', request: (s: Subjects, r: Res) => ({ subject: s.simMeter(r.meter, action), body: {} }) }])),
  ...Object.fromEntries(PLANT_SIM_ACTIONS.map((action) => [`sim-plant-${action}`, { need: 'operator', request: (s: Subjects, r: Res) => ({ subject: s.simPlant(r.plant, action), body: {} }) }])),
};
const SERVICES = ['gridtwin', 'gridtwin-plants', 'gridtwin-queries', 'gridtwin-sync', 'gridtwin-catchall'];

/** Strings only A's resources hold: none may reach B unless B's own request carried it. */
const A_MARKERS = ['Grid A', 'SA1', 'EXT-A', 'DCU-A', 'EMLA0001', 'Plant a', 'org-a'];
/** Own requests whose "allowed" answer may be NOT_FOUND of something else than the resource (an issue id). */
const OWN_NOT_FOUND_OK = new Set(['meter-issues-close']);

let node: GridtwinNode;
let db: Database;
let dropDb: () => Promise<void>;
let nc: NatsConnection;
let s: Subjects;
let A: Res;
type Answer = { body: { data?: unknown; error?: { code: string; message: string } }; headers: Record<string, string>; text: string };

async function ask(req: Request, tk?: string | null): Promise<Answer> {
  const h = natsHeaders();
  if (tk) h.set('Authorization', `Bearer ${tk}`);
  const m = await nc.request(req.subject, JSON.stringify(req.body ?? {}), { timeout: 30_000, headers: h });
  const headers: Record<string, string> = {};
  for (const k of m.headers?.keys() ?? []) headers[k] = m.headers!.get(k);
  return { body: m.json(), headers, text: m.string() };
}
const tokenOf = (org: string, role: Role, extra: Record<string, unknown> = {}) => token({ org, role, sub: `${org}-${role}`, ...extra });
async function data<T>(req: Request, tk: string): Promise<T> {
  const r = await ask(req, tk);
  if (r.body.error) throw new Error(`${req.subject}: ${r.body.error.code} ${r.body.error.message}`);
  return r.body.data as T;
}

/** Everything a refused request could have written. */
async function writes(): Promise<unknown> {
  const q = (sql: string) => db.sql.all(sql);
  return {
    organizations: await q('select id, name from organizations order by id'),
    grids: await q('select id, organization_id, name, is_online from grids order by id'),
    dcus: await q('select id, grid_id, external_reference, is_online from dcus order by id'),
    meters: await q('select id, organization_id, grid_id, serial, external_reference, desired, row_version from meters order by id'),
    interactions: await q('select id, meter_id, status from meter_interactions order by id'),
    issues: await q('select count(*)::int as n from issues'),
    alerts: await q('select id, state, acked_by from alerts order by id'),
    batches: await q('select id, status from batch_executions order by id'),
    commissionings: await q('select id, status from meter_commissionings order by id'),
    plants: await q('select id, organization_id, last_polled_at from plants order by id'),
    credentials: await q('select id, organization_id from integration_credentials order by id'),
  };
}

/** $SRV.INFO of this node's services (other test files' nodes share the NATS server: ours are found by prefix). */
async function liveEndpoints(): Promise<Array<{ service: string; name: string; subject: string; access: string | undefined }>> {
  const infos = new Map<string, Array<{ name: string; subject: string; metadata?: Record<string, string> | null }>>();
  const inbox = `_INBOX.${s.prefix}.info`;
  const sub = nc.subscribe(inbox, {
    callback: (_e, m) => {
      const i = m.json<{ name: string; endpoints: Array<{ name: string; subject: string; metadata?: Record<string, string> | null }> }>();
      if (i.endpoints.some((e) => e.subject.startsWith(`${s.prefix}.`))) infos.set(i.name, i.endpoints);
    },
  });
  for (const name of SERVICES) nc.publish(`$SRV.INFO.${name}`, '', { reply: inbox });
  await eventually(async () => SERVICES.every((n) => infos.has(n)));
  sub.unsubscribe();
  return [...infos].flatMap(([service, eps]) => eps.map((e) => ({ service, name: e.name, subject: e.subject, access: e.metadata?.['gridtwin.access'] })));
}

beforeAll(async () => {
  const tdb = await createTestDatabase('gtna');
  dropDb = tdb.drop;
  db = await openDatabase({ url: tdb.url, poolMax: 6 });
  await db.migrate();
  const prefix = testPrefix('na');
  s = makeSubjects(prefix);
  const fleet = new SimulatedFleetDriver({});
  const config = parseConfig({
    prefix, mode: 'production', logLevel: 'silent', nats: { auth: 'token' },
    gateway: { enabled: true, port: 0, host: '127.0.0.1', jwtSecret: SECRET, allowAnonymous: false },
    interactions: { reconcileEveryMs: 60_000 },
  });
  const driver = createMeterDriverRouter({ byProtocol: { CALIN_V1: fleet, CALIN_V2: fleet, CALIN_LORAWAN: fleet, EMLITE: fleet }, tokenService: new SimulatedTokenService() });
  node = await startNode(config, { db, bus: await NatsBus.connect({ servers: NATS_URL }), driver, logger: silentLogger, metrics: createMetrics(), autorun: false });
  nc = await connect({ servers: NATS_URL });
  // Seeded through the API itself, each organization by its own admin.
  const now = new Date().toISOString();
  for (const o of ['a', 'b']) {
    const admin = await tokenOf(`org-${o}`, 'admin');
    const ask1 = (subject: string, body: unknown) => data({ subject, body }, admin);
    await ask1(s.registryUpsert('organization'), { id: `org-${o}`, name: `org-${o}` });
    await ask1(s.registryUpsert('grid'), { id: `g${o}`, name: o === 'a' ? 'Grid A' : 'Grid B' });
    await ask1(s.registryUpsert('dcu'), { id: `d${o}`, gridId: `g${o}`, externalReference: `DCU-${o.toUpperCase()}` });
    await ask1(s.registryUpsert('meter'), { id: `m${o}`, serial: `S${o.toUpperCase()}1`, protocol: 'CALIN_V2', gridId: `g${o}`, dcuId: `d${o}`, externalReference: `EXT-${o.toUpperCase()}`, lastSeenAt: now });
    await ask1(s.registryUpsert('meter'), { id: `e${o}`, serial: `EML${o.toUpperCase()}0001`, protocol: 'EMLITE', esco: `org-${o}`, mediatorAddress: '127.0.0.1:1', lastSeenAt: now });
  }
  await data({ subject: s.registryUpsert('grid'), body: { id: 'ga2', name: 'Grid A2' } }, await tokenOf('org-a', 'admin'));
  await data({ subject: s.registryUpsert('meter'), body: { id: 'ma2', serial: 'SA2', protocol: 'CALIN_V2', gridId: 'ga2', lastSeenAt: now } }, await tokenOf('org-a', 'admin'));
  await db.tx(async (sql) => {
    for (const o of ['a', 'b']) {
      await credentialsRepo.upsert(sql, { id: `cred-${o}`, organizationId: `org-${o}`, brand: 'SOLIS', encryptedCredentials: 'not-a-secret' });
      await plantsRepo.upsert(sql, { id: `p${o}`, organizationId: `org-${o}`, credentialId: `cred-${o}`, brand: 'SOLIS', vendorPlantId: `v-${o}`, name: `Plant ${o}`, timezone: 'UTC' });
      await alertsRepo.insert(sql, {
        id: `al${o}`, plantId: `p${o}`, organizationId: `org-${o}`, type: 'INVERTER_FAULT', vendorAlarmCode: '2032', deviceSn: 'INV-1',
        severity: 'MAJOR', message: 'overvoltage', firstSeenAt: new Date(), lastNotifiedAt: null,
      });
      await batchesRepo.create(sql, { id: `b${o}`, organizationId: `org-${o}`, type: 'READ_CREDIT', total: 1 });
      await commissioningsRepo.create(sql, { id: `c${o}`, meterId: `m${o}`, steps: [{ type: 'READ_CREDIT', params: {} }] });
    }
  });
  const operatorA = await tokenOf('org-a', 'operator');
  const ia = await data<{ id: string }>({ subject: s.meterCreateInteraction('ma'), body: { type: 'READ_CREDIT', idempotencyKey: 'seed-ia' } }, operatorA);
  await eventually(async () => ['SUCCESSFUL', 'FAILED', 'ABORTED', 'SUPERSEDED', 'EXPIRED'].includes((await data<{ status: string }>({ subject: s.interactionGet(ia.id) }, operatorA)).status), 20_000);
  // A sweep of org-a's ESCO, so that its status exists for every role.
  await data({ subject: s.escoSync('org-a'), body: { async: true } }, operatorA);
  A = { org: 'org-a', meter: 'ma', grid: 'ga', dcu: 'da', plant: 'pa', alert: 'ala', interaction: ia.id, commissioning: 'ca', batch: 'ba', esco: 'org-a', credential: 'cred-a', extRef: 'EXT-A' };
}, 180_000);

afterAll(async () => {
  await nc?.close();
  await node?.stop();
  await node?.bus.close();
  await db?.close();
  await dropDb?.();
});

describe('NATS tenant matrix (issue 11): auth mode token, plain nats.js client', () => {
  it('every live endpoint ($SRV.INFO) declares its access, and the matrix has an expectation for each, with the declared role', async () => {
    const live = await liveEndpoints();
    expect(live.filter((e) => !e.access).map((e) => e.name)).toEqual([]);
    expect(live.map((e) => e.name).sort()).toEqual(Object.keys(EXPECT).sort());
    for (const e of live) {
      const x = EXPECT[e.name]!;
      if (x.need) expect(e.access, e.name).toMatch(new RegExp(`^role ${x.need};`));
      else expect(e.access, e.name).toMatch(/^not per organization: /);
    }
  });

  it('without a token, or with an invalid or expired one, every endpoint answers UNAUTHORIZED with the micro error headers', async () => {
    const misses: string[] = [];
    const forged = await token({ org: 'org-a', role: 'admin' }, { secret: 'not-the-secret-0123456789-0123456789' });
    const expired = await token({ org: 'org-a', role: 'admin' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    for (const [name, x] of Object.entries(EXPECT)) {
      if (name === 'catch-all') continue;
      for (const [what, tk] of [['none', null], ['forged', forged], ['expired', expired], ['not a JWT', 'abc']] as const) {
        const r = await ask(x.request(s, A), tk);
        if (r.body.error?.code !== 'UNAUTHORIZED' || r.headers['Nats-Service-Error-Code'] !== '401' || r.body.data !== undefined) misses.push(`${name} ${what}: ${r.text.slice(0, 100)}`);
      }
    }
    expect(misses).toEqual([]);
    // The catch-all answers the shape of a subject, never data: no token needed to learn a subject is unknown.
    expect((await ask(EXPECT['catch-all']!.request(s, A))).body.error?.code).toBe('UNKNOWN_SUBJECT');
  });

  it('organization B\'s tokens (every role) on organization A\'s resources: FORBIDDEN or NOT_FOUND, nothing of A in the reply, nothing written', async () => {
    const before = await writes();
    const misses: string[] = [];
    let checked = 0;
    for (const role of ROLES) {
      const tk = await tokenOf('org-b', role);
      for (const [name, x] of Object.entries(EXPECT)) {
        if (!x.need) continue;
        const req = x.request(s, A);
        const r = await ask(req, tk);
        checked++;
        const sent = JSON.stringify(req);
        const leaked = A_MARKERS.filter((mk) => r.text.includes(mk) && !sent.includes(mk));
        if (leaked.length) misses.push(`${role} ${name}: leaks ${leaked.join(', ')}: ${r.text.slice(0, 160)}`);
        if ((x.foreign ?? 'refused') === 'refused') {
          if (!['FORBIDDEN', 'NOT_FOUND'].includes(r.body.error?.code ?? '') || r.body.data !== undefined) misses.push(`${role} ${name}: ${r.text.slice(0, 160)}`);
        } else if (r.body.data === undefined) {
          misses.push(`${role} ${name}: expected a filtered answer, got ${r.text.slice(0, 160)}`);
        }
      }
    }
    console.log(`NATS tenant matrix, foreign: ${checked} checks (${checked / ROLES.length} organization-data endpoints × ${ROLES.length} roles)`);
    expect(misses).toEqual([]);
    expect(await writes()).toEqual(before);
  });

  it('upserts cannot take over another organization\'s grid, DCU, meter, plant or credential by naming their own organization', async () => {
    const before = await writes();
    const admin = await tokenOf('org-b', 'admin');
    const takeovers: Request[] = [
      { subject: s.registryUpsert('grid'), body: { id: 'ga', organizationId: 'org-b', name: 'mine now' } },
      { subject: s.registryUpsert('grid'), body: { id: 'ga', name: 'mine now' } },
      { subject: s.registryUpsert('dcu'), body: { id: 'da', gridId: 'gb', externalReference: 'DCU-X' } },
      { subject: s.registryUpsert('meter'), body: { id: 'ma', serial: 'SX1', protocol: 'CALIN_V2', gridId: 'gb' } },
      { subject: s.registryUpsert('meter'), body: { id: 'ea', serial: 'EMLX0001', protocol: 'EMLITE', esco: 'org-b' } },
      { subject: s.registryUpsert('meter'), body: { id: 'ex', serial: 'EMLX0002', protocol: 'EMLITE', esco: 'org-a' } },
      { subject: s.registryUpsert('plant'), body: { id: 'pa', organizationId: 'org-b', credentialId: 'cred-b', vendorPlantId: 'v-x', name: 'x', timezone: 'UTC' } },
      { subject: s.registryUpsert('plant'), body: { id: 'px', organizationId: 'org-b', credentialId: 'cred-a', vendorPlantId: 'v-x', name: 'x', timezone: 'UTC' } },
      { subject: s.registryUpsert('credential'), body: { id: 'cred-a', organizationId: 'org-b', brand: 'SOLIS', credentials: { keyId: 'k', keySecret: 's' } } },
      { subject: s.batchCreate(), body: { type: 'READ_CREDIT', meterIds: ['mb', 'ma'] } },
    ];
    for (const req of takeovers) expect((await ask(req, admin)).body.error?.code, JSON.stringify(req)).toBe('FORBIDDEN');
    expect(await writes()).toEqual(before);
  });

  it('organization A\'s own tokens: allowed from the declared role up, FORBIDDEN below it (a viewer cannot command)', async () => {
    const misses: string[] = [];
    let checked = 0;
    for (const role of ROLES) {
      const tk = await tokenOf('org-a', role);
      for (const [name, x] of Object.entries(EXPECT)) {
        if (!x.need) continue;
        const r = await ask(x.request(s, A), tk);
        checked++;
        const code = r.body.error?.code;
        if (RANK[role] < RANK[x.need]) {
          if (code !== 'FORBIDDEN') misses.push(`${role} ${name}: expected FORBIDDEN, got ${r.text.slice(0, 160)}`);
        } else if (code === 'FORBIDDEN' || code === 'UNAUTHORIZED' || (code === 'NOT_FOUND' && !OWN_NOT_FOUND_OK.has(name))) {
          misses.push(`${role} ${name}: refused ${r.text.slice(0, 160)}`);
        }
      }
    }
    console.log(`NATS tenant matrix, own organization: ${checked} checks (${checked / ROLES.length} endpoints × ${ROLES.length} roles)`);
    expect(misses).toEqual([]);
    // Endpoints not per organization answer any valid token.
    expect(await data({ subject: s.clusterStatus() }, await tokenOf('org-b', 'viewer'))).toMatchObject({ clustered: false });
  });

  it('lists without an organization answer the token\'s own; owners.get describes only what the token reaches', async () => {
    const viewerB = await tokenOf('org-b', 'viewer');
    const meters = await data<{ items: Array<{ id: string; organizationId: string }> }>({ subject: s.metersList(), body: {} }, viewerB);
    expect(meters.items.map((m) => m.id).sort()).toEqual(['eb', 'mb']);
    const alerts = await data<{ items?: Array<{ id: string }> } | Array<{ id: string }>>({ subject: s.alertsList(), body: {} }, viewerB);
    expect(JSON.stringify(alerts)).toContain('alb');
    expect(JSON.stringify(alerts)).not.toContain('ala');
    const owners = await data<{ owners: Record<string, unknown>; refused: string[] }>({ subject: s.ownersGet(), body: { kind: 'meter', ids: ['ma', 'mb', 'nope'] } }, viewerB);
    expect(owners).toEqual({ owners: { mb: { organizationId: 'org-b', gridId: 'gb' } }, refused: ['ma'] });
  });

  it('a grid-limited token reaches its grid only, and names it for organization-wide lists', async () => {
    const tk = await tokenOf('org-a', 'operator', { grids: ['ga'] });
    expect((await ask({ subject: s.meterGet('ma2') }, tk)).body.error?.code).toBe('FORBIDDEN');
    expect((await ask({ subject: s.meterGet('ea') }, tk)).body.error?.code).toBe('FORBIDDEN');
    expect((await ask({ subject: s.gridGet('ga2') }, tk)).body.error?.code).toBe('FORBIDDEN');
    expect((await ask({ subject: s.metersList(), body: {} }, tk)).body.error?.code).toBe('FORBIDDEN');
    expect((await ask({ subject: s.metersList(), body: { gridId: 'ga2' } }, tk)).body.error?.code).toBe('FORBIDDEN');
    const own = await data<{ items: Array<{ id: string }> }>({ subject: s.metersList(), body: { gridId: 'ga' } }, tk);
    expect(own.items.map((m) => m.id)).toEqual(['ma']);
    expect(await data({ subject: s.meterGet('ma') }, tk)).toMatchObject({ meter: { id: 'ma', gridId: 'ga' } });
  });

  it('the gateway forwards its caller\'s own token: HTTP and WS work for A, are refused for B, and a bare NATS header is no way around', async () => {
    const url = node.gateway!.url;
    const get = async (path: string, tk: string) => {
      const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${tk}` } });
      return { status: r.status, body: (await r.json()) as any };
    };
    const viewerA = await tokenOf('org-a', 'viewer');
    const viewerB = await tokenOf('org-b', 'viewer');
    expect(await get('/api/meters/ma', viewerA)).toMatchObject({ status: 200, body: { data: { meter: { id: 'ma' } } } });
    expect(await get('/api/meters', viewerA)).toMatchObject({ status: 200, body: { data: { items: [{ id: 'ea' }, { id: 'ma' }, { id: 'ma2' }] } } });
    expect(await get('/api/meters/ma', viewerB)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const c = await Client.connect(`ws://127.0.0.1:${node.gateway!.port}/ws`, { token: viewerA });
    try {
      expect(await c.subscribe('meter/ma')).toMatchObject({ type: 'snapshot', data: { meter: { id: 'ma' } } });
      expect((await c.command('getGrid', { gridId: 'ga' })).data).toMatchObject({ grid: { id: 'ga' } });
    } finally {
      c.close();
    }
    // Headers a client might hope the gateway trusts change nothing: only the token decides.
    const h = natsHeaders();
    for (const [k, v] of [['Gridtwin-Hops', '1'], ['X-Gridtwin-Internal', 'true'], ['Authorization', 'Bearer']] as const) h.set(k, v);
    const m = await nc.request(s.meterGet('ma'), '{}', { timeout: 10_000, headers: h });
    expect(m.json<{ error?: { code: string } }>().error?.code).toBe('UNAUTHORIZED');
  });

  it('every reply matches the reply docs/asyncapi.yaml documents for its subject, and carries no undocumented field', async () => {
    const contract = await loadReplyContract();
    const admin = await tokenOf('org-a', 'admin');
    const misses: string[] = [];
    let checked = 0;
    for (const [name, x] of Object.entries(EXPECT)) {
      const req = x.request(s, A);
      const found = contract.schemaFor(req.subject, s.prefix);
      if (!found) {
        if (name !== 'catch-all' && name !== 'meter-report' && name !== 'uplinks-ingest') misses.push(`${name}: no documented reply for ${req.subject}`);
        continue;
      }
      const r = await ask(req, admin);
      checked++;
      for (const p of contract.problems(found.schema, r.body)) misses.push(`${name} (${found.channel}) ${p}`);
    }
    console.log(`AsyncAPI reply contract: ${checked} replies checked`);
    expect(misses).toEqual([]);
    expect(checked).toBeGreaterThan(55);
  });

  it('gridtwin/client sends its token option as the header', async () => {
    const bus = await NatsBus.connect({ servers: NATS_URL });
    try {
      const viewerA = await tokenOf('org-a', 'viewer');
      expect(await new GridtwinClient(bus, { prefix: s.prefix, token: viewerA }).getMeter('ma')).toMatchObject({ meter: { id: 'ma' } });
      await expect(new GridtwinClient(bus, { prefix: s.prefix }).getMeter('ma')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(new GridtwinClient(bus, { prefix: s.prefix, token: viewerA }).createInteraction('ma', { type: 'TURN_OFF' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await bus.close();
    }
  });
});
