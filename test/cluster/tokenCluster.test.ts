import { Writable } from 'node:stream';
import { connect, headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmliteMeterDriver, MediatorPool, startMediatorSimulator, type MediatorSimulator } from '../../adapters/emlite';
import { createMeterDriverRouter } from '../../adapters/meters/router';
import { SimulatedFleetDriver, SimulatedTokenService } from '../../adapters/meters/simulated';
import type { MeterDriver, UnsolicitedReport } from '../../adapters/meters/types';
import { parseConfig } from '../../core/config';
import { createMetrics } from '../../core/metrics';
import { subjects as makeSubjects, type Subjects } from '../../core/subjects';
import { startNode, type GridtwinNode } from '../../gateway/node';
import { mintNodeToken, verifyNodeToken } from '../../gateway/nodeToken';
import { emliteRepo, openDatabase, type Database } from '../../persistence';
import { createTestDatabase } from '../helpers/db';
import { NATS_URL, testPrefix } from '../helpers/nats';
import { eventually } from '../helpers/world';
import { SECRET, token } from '../gateway/helpers';

const PARTITIONS = 16;
const KEY = new TextEncoder().encode(SECRET);
const METERS = Array.from({ length: 24 }, (_, i) => `tkm${i}`);
const EMLITE = Array.from({ length: 8 }, (_, i) => ({ id: `tke${i}`, serial: `EMLT${String(i).padStart(4, '0')}` }));
const SERVICES = ['gridtwin', 'gridtwin-plants', 'gridtwin-queries', 'gridtwin-sync'];

/** A driver whose uplinks the test makes up: `hear` is the broker delivering one uplink to this node. */
function hearingDriver(base: MeterDriver): MeterDriver & { hear(r: UnsolicitedReport): void } {
  const listeners = new Set<(r: UnsolicitedReport) => void>();
  return {
    name: 'hearing', execute: (cmd) => base.execute(cmd), close: () => base.close(),
    onUnsolicited: (l) => { listeners.add(l); return () => listeners.delete(l); },
    hear: (r) => { for (const l of listeners) l(r); },
  };
}

interface TestNode { id: string; node: GridtwinNode; hear(r: UnsolicitedReport): void; pool: MediatorPool }
type Answer = { data?: unknown; error?: { code: string; message: string } };

/**
 * NATS auth mode `token` in a two-node cluster (in this process, on the shared NATS with a prefix of its own and a
 * database of its own): a node's own requests (uplink delivery, sweep syncs) carry its node token, accepted only where a
 * node needs it; a caller's batch fans out with the caller's token.
 */
describe('a cluster in NATS auth mode token', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let nc: NatsConnection;
  let s: Subjects;
  let mediator: MediatorSimulator;
  const nodes: TestNode[] = [];
  const logLines: string[] = [];
  let admin: string;
  let operator: string;
  let viewer: string;

  const ask = async (subject: string, body: unknown, tk?: string): Promise<Answer> => {
    const h = natsHeaders();
    if (tk) h.set('Authorization', `Bearer ${tk}`);
    return (await nc.request(subject, JSON.stringify(body), { timeout: 30_000, headers: h })).json<Answer>();
  };
  const data = async <T>(subject: string, body: unknown, tk: string): Promise<T> => {
    const r = await ask(subject, body, tk);
    if (r.error) throw new Error(`${subject}: ${r.error.code} ${r.error.message}`);
    return r.data as T;
  };
  /** Requests seen on `subject` (a wildcard) with their Authorization header, until `stop`. */
  const watch = (subject: string) => {
    const seen: Array<{ subject: string; authorization: string | undefined }> = [];
    const sub = nc.subscribe(subject, { callback: (_e, m: Msg) => { seen.push({ subject: m.subject, authorization: m.headers?.get('Authorization') || undefined }); } });
    return { seen, stop: () => sub.unsubscribe(), ready: () => nc.flush() };
  };
  const ownerOf = (id: string) => nodes.find((n) => n.node.cluster!.owns(id))!;
  const counts = async () => db.sql.one<{ batches: number; interactions: number }>(
    'select (select count(*)::int from batch_executions) as batches, (select count(*)::int from meter_interactions) as interactions');

  beforeAll(async () => {
    tdb = await createTestDatabase('gttk');
    db = await openDatabase({ url: tdb.url, poolMax: 4 });
    await db.migrate();
    const prefix = testPrefix('tk');
    s = makeSubjects(prefix);
    nc = await connect({ servers: NATS_URL });
    mediator = await startMediatorSimulator({
      meters: EMLITE.map((m) => ({ serial: m.serial, registers: { importA: 10_000, exportA: 0, importB: 0, exportB: 0 } })),
    });
    // Every log line of both nodes, at debug: a node token must never be in one.
    const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }));
    for (const id of ['a', 'b']) {
      const config = parseConfig({
        nodeId: id, prefix, mode: 'production', logLevel: 'debug',
        database: { url: tdb.url, poolMax: 4 }, nats: { url: NATS_URL, auth: 'token' },
        gateway: { enabled: false, jwtSecret: SECRET, allowAnonymous: false }, simulators: { enabled: false },
        cluster: { enabled: true, partitions: PARTITIONS, leaseTtlMs: 1_500 },
        emlite: { deadlineMs: 5_000 }, interactions: { reconcileEveryMs: 60_000 },
      });
      const pool = new MediatorPool({ deadlineMs: 5_000, perMediatorConcurrency: 4 });
      const fleet = new SimulatedFleetDriver({});
      const driver = hearingDriver(createMeterDriverRouter({
        byProtocol: { CALIN_V2: fleet, EMLITE: new EmliteMeterDriver(pool) }, tokenService: new SimulatedTokenService(),
      }));
      const node = await startNode(config, { driver, mediators: pool, logger: logger.child({ node: id }), metrics: createMetrics(), autorun: false, guardProcess: false });
      nodes.push({ id, node, hear: driver.hear, pool });
    }
    // Both nodes own partitions, every partition once.
    await eventually(async () => {
      const owned = nodes.map((n) => n.node.cluster!.placement.partitions()?.owned ?? []);
      return owned.every((o) => o.length > 0) && new Set(owned.flat()).size === PARTITIONS && owned.flat().length === PARTITIONS;
    }, 60_000, 100);
    admin = await token({ org: 'org-a', role: 'admin', sub: 'a-admin' });
    operator = await token({ org: 'org-a', role: 'operator', sub: 'a-operator' });
    viewer = await token({ org: 'org-a', role: 'viewer', sub: 'a-viewer' });
    await data(s.registryUpsert('organization'), { id: 'org-a', name: 'Org A' }, admin);
    await data(s.registryUpsert('grid'), { id: 'tkg', name: 'Grid' }, admin);
    const now = new Date().toISOString();
    for (const [i, id] of METERS.entries()) {
      await data(s.registryUpsert('meter'), { id, serial: `TKS${i}`, protocol: 'CALIN_V2', gridId: 'tkg', lastSeenAt: now }, admin);
    }
    for (const m of EMLITE) {
      await data(s.registryUpsert('meter'), { id: m.id, serial: m.serial, protocol: 'EMLITE', esco: 'org-a', mediatorAddress: mediator.address, lastSeenAt: now }, admin);
    }
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes) {
      await n.node.stop();
      n.pool.close();
    }
    await mediator?.stop();
    await nc?.close();
    await db?.close();
    await tdb?.drop();
  }, 60_000);

  it('an uplink heard by a node that does not own the meter reaches the owner with a node token, and is recorded once', async () => {
    const meter = METERS.find((id) => ownerOf(id).id === 'b')!;
    const [a, b] = nodes as [TestNode, TestNode];
    // Where each delivered report was handed to a meter actor.
    const delivered: string[] = [];
    for (const n of nodes) {
      const report = n.node.runtime.report.bind(n.node.runtime);
      n.node.runtime.report = async (id, r) => {
        const out = await report(id, r);
        delivered.push(`${n.id}:${id}`);
        return out;
      };
    }
    const reports = watch(s.meterReport(meter));
    await reports.ready();
    const report: UnsolicitedReport = { type: 'READ_REPORT', meterExternalReference: `TKS${METERS.indexOf(meter)}`, result: { kwhCredit: 4.5, isOn: true }, receivedAt: new Date().toISOString() };
    a.hear(report);
    const rows = () => db.sql.all<{ status: string }>(`select status from meter_interactions where meter_id = ? and interaction_type = 'READ_REPORT'`, [meter]);
    await eventually(async () => (await rows()).length === 1 && (await rows())[0]!.status === 'SUCCESSFUL', 20_000, 50);
    // Every node hears the same uplink again: each delivers it to the owner, which records nothing new.
    a.hear(report);
    b.hear(report);
    await eventually(async () => delivered.length === 3, 20_000, 20);
    expect(delivered).toEqual([`b:${meter}`, `b:${meter}`, `b:${meter}`]);
    // The actor handles one message at a time: once this answers, the reports told to it before were handled.
    await b.node.runtime.meters.ask(meter, (reply) => ({ type: 'get', reply }));
    expect((await rows()).map((r) => r.status)).toEqual(['SUCCESSFUL']);
    expect(Number((await db.sql.one<{ kwh: string }>('select kwh_credit_available as kwh from meters where id = ?', [meter]))!.kwh)).toBe(4.5);
    reports.stop();
    expect(reports.seen).toHaveLength(3);
    const senders = await Promise.all(reports.seen.map(async (r) => (await verifyNodeToken(r.authorization!.replace(/^Bearer /, ''), KEY)).node));
    expect(senders.sort()).toEqual(['a', 'a', 'b']);
    expect(a.node.runtime.meters.ids()).not.toContain(meter);
  }, 60_000);

  it('an ESCO sweep on the elected node syncs, with its node token, meters the other node owns', async () => {
    const leader = await eventually(async () => nodes.find((n) => n.node.cluster!.member.isLeader()) ?? null, 20_000, 50);
    const other = nodes.find((n) => n !== leader)!;
    const theirs = EMLITE.map((m) => m.id).filter((id) => ownerOf(id) === other);
    expect(theirs.length).toBeGreaterThan(0);
    const syncs = watch(`${s.prefix}.meter.*.sync`);
    await syncs.ready();
    const status = await leader.node.sweeper.sweep('org-a', { syncers: ['SyncerReads'] }).done;
    syncs.stop();
    expect({ total: status.total, healthy: status.healthy, unhealthy: status.unhealthy, failures: status.failures }).toEqual({ total: EMLITE.length, healthy: EMLITE.length, unhealthy: 0, failures: [] });
    expect(syncs.seen.map((x) => x.subject).sort()).toEqual(EMLITE.map((m) => s.meterSync(m.id)).sort());
    for (const x of syncs.seen) expect((await verifyNodeToken(x.authorization!.replace(/^Bearer /, ''), KEY)).node).toBe(leader.id);
    for (const id of theirs) {
      expect((await emliteRepo.shadow(db.sql, id))?.health, id).toBe('healthy');
      expect(other.node.runtime.meters.ids()).toContain(id);
    }
  }, 60_000);

  it('a batch by an operator fans out across both nodes with the operator\'s own token; by a viewer it is FORBIDDEN and creates nothing', async () => {
    expect(new Set(METERS.map((id) => ownerOf(id).id))).toEqual(new Set(['a', 'b']));
    const creates = watch(`${s.prefix}.meter.*.interactions.create`);
    await creates.ready();
    const batch = await data<{ id: string; totalCount: number; interactions: Array<{ meterId: string }> }>(s.batchCreate(), { type: 'READ_CREDIT', meterIds: METERS }, operator);
    expect(batch.totalCount).toBe(METERS.length);
    expect(batch.interactions.map((i) => i.meterId).sort()).toEqual([...METERS].sort());
    await eventually(async () => creates.seen.length === METERS.length, 10_000, 20);
    expect(creates.seen.map((x) => x.subject).sort()).toEqual(METERS.map((id) => s.meterCreateInteraction(id)).sort());
    expect(new Set(creates.seen.map((x) => x.authorization))).toEqual(new Set([`Bearer ${operator}`]));
    const linked = await db.sql.one<{ n: number }>('select count(*)::int as n from batch_interactions where batch_execution_id = ?', [batch.id]);
    expect(linked!.n).toBe(METERS.length);

    const before = await counts();
    const refused = await ask(s.batchCreate(), { type: 'READ_CREDIT', meterIds: METERS }, viewer);
    expect(refused.error?.code).toBe('FORBIDDEN');
    expect(refused.data).toBeUndefined();
    await nc.flush();
    creates.stop();
    expect(creates.seen).toHaveLength(METERS.length);
    expect(await counts()).toEqual(before);
  }, 60_000);

  it('a node token is accepted only by meter.<id>.report and meter.<id>.sync: FORBIDDEN on every other endpoint', async () => {
    const nodeToken = await mintNodeToken(KEY, 'a', Math.floor(Date.now() / 1000));
    // Every endpoint of this cluster's services, from $SRV.INFO (other test files' nodes share the server: ours by prefix).
    const live = new Map<string, { subject: string; access: string }>();
    const answered = new Set<string>();
    const inbox = nc.subscribe(`_INBOX.${s.prefix}.info`, {
      callback: (_e, m) => {
        const info = m.json<{ name: string; endpoints: Array<{ name: string; subject: string; metadata?: Record<string, string> | null }> }>();
        if (!info.endpoints.some((e) => e.subject.startsWith(`${s.prefix}.`))) return;
        answered.add(info.name);
        for (const e of info.endpoints) live.set(e.name, { subject: e.subject, access: e.metadata?.['gridtwin.access'] ?? '' });
      },
    });
    for (const name of SERVICES) nc.publish(`$SRV.INFO.${name}`, '', { reply: `_INBOX.${s.prefix}.info` });
    await eventually(async () => SERVICES.every((n) => answered.has(n)), 10_000, 50);
    inbox.unsubscribe();
    expect([...live].filter(([, e]) => e.access.includes('node token:')).map(([name]) => name).sort()).toEqual(['meter-report', 'meter-sync']);

    const before = await counts();
    const misses: string[] = [];
    for (const [name, e] of live) {
      if (e.access.includes('node token:')) continue;
      const subject = e.subject.replaceAll('*', 'tkm0').replace(/>$/, 'x');
      const r = await ask(subject, {}, nodeToken);
      if (r.error?.code !== 'FORBIDDEN' || r.data !== undefined) misses.push(`${name}: ${JSON.stringify(r).slice(0, 160)}`);
    }
    expect(misses).toEqual([]);
    expect(await counts()).toEqual(before);
    expect((await ask(s.metersList(), { organizationId: 'org-a' }, nodeToken)).error).toMatchObject({ code: 'FORBIDDEN' });
    expect((await ask(s.metersList(), {}, nodeToken)).error).toMatchObject({ code: 'FORBIDDEN' });
  }, 60_000);

  it('a node token signed with another secret, or expired, is UNAUTHORIZED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await mintNodeToken(new TextEncoder().encode('another-cluster-secret-0123456789-abcdef'), 'a', now);
    const expired = await mintNodeToken(KEY, 'a', now - 400);
    const report = { type: 'READ_REPORT', meterExternalReference: 'TKS1', result: { kwhCredit: 9 }, receivedAt: new Date().toISOString() };
    const before = await counts();
    for (const tk of [forged, expired]) {
      expect((await ask(s.meterReport(METERS[1]!), report, tk)).error?.code).toBe('UNAUTHORIZED');
      expect((await ask(s.meterSync(EMLITE[0]!.id), {}, tk)).error?.code).toBe('UNAUTHORIZED');
    }
    expect(await counts()).toEqual(before);
  }, 30_000);

  it('no log line of either node carries a token', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((l) => /eyJ[A-Za-z0-9_-]+\.eyJ/.test(l))).toEqual([]);
  });
});
