import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../actors/cluster';
import { openDatabase, type Database } from '../../persistence';
import { createTestDatabase } from '../helpers/db';
import { NATS_URL, testPrefix } from '../helpers/nats';
import { eventually } from '../helpers/world';
import { acked, startLoad } from './load';
import { NodeProcess, clusterClient, registerFleet, type ClusterClient } from './processes';

const PARTITIONS = 32;
const TTL = 1500;
const METERS = Array.from({ length: 24 }, (_, i) => `wm${i}`);
/** A node process compiles the project with tsx as it starts: on a loaded 2-core machine that alone can take a minute. */
const STARTUP_MS = 180_000;
const FINAL = ['SUCCESSFUL', 'FAILED', 'ABORTED', 'EXPIRED', 'SUPERSEDED'];

interface Received { key: string; orderId: string; at: number; held: boolean }

/**
 * An order webhook receiver (FlowXO stand-in) that holds — never answers — the requests of one order while told to,
 * and accepts each Idempotency-Key once: a replay of an accepted key is answered 200 and counted as a duplicate.
 */
class HoldingReceiver {
  readonly received: Received[] = [];
  /** Idempotency keys answered 200 as new deliveries, in order. */
  readonly accepted: string[] = [];
  duplicates = 0;
  holdOrder: string | undefined;
  url = '';
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { order_id?: string };
        const key = String(req.headers['idempotency-key'] ?? '');
        const held = body.order_id !== undefined && body.order_id === this.holdOrder;
        this.received.push({ key, orderId: body.order_id ?? '', at: Date.now(), held });
        if (held) return; // the sender waits; it is killed before an answer comes
        if (this.accepted.includes(key)) this.duplicates++;
        else this.accepted.push(key);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/orders`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/**
 * Issue 11: kill -9 of a cluster node in the middle of an order webhook. The owner has claimed the outbox row and
 * the receiver holds its request; the owner dies; the survivor takes the partition and delivers the same
 * notification (same Idempotency-Key); every order is notified once, and no acknowledged command is lost.
 */
describe('order webhook across a kill -9 of its sender', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let c: ClusterClient;
  let receiver: HoldingReceiver;
  const nodes = new Map<string, NodeProcess>();

  const owned = async (id: string) => {
    const st = await c.nodeStatus(id);
    return st ? st.partitions.filter((p) => p.state === 'owned').map((p) => p.partition) : null;
  };
  /** Every partition owned, each by exactly one of `ids`. */
  const settle = async (ids: string[], ms = STARTUP_MS) => eventually(async () => {
    const all = await Promise.all(ids.map(owned));
    if (all.some((x) => !x?.length)) return false;
    const flat = all.flat() as number[];
    return flat.length === PARTITIONS && new Set(flat).size === PARTITIONS;
  }, ms, 250).catch((e: Error) => {
    throw new Error(`${e.message}\n${[...nodes.values()].map((n) => `--- ${n.id}\n${n.log.slice(-2_000)}`).join('\n')}`);
  });

  beforeAll(async () => {
    tdb = await createTestDatabase('gtwh');
    db = await openDatabase({ url: tdb.url, poolMax: 4 });
    await db.migrate();
    receiver = await new HoldingReceiver().start();
    const prefix = testPrefix('wh');
    c = await clusterClient(NATS_URL, prefix);
    for (const id of ['a', 'b']) {
      // The outbox lease is short so that a survivor's sweep takes the dead node's claimed row soon after the failover.
      const config = {
        nodeId: id, prefix, mode: 'production', logLevel: 'warn',
        database: { url: tdb.url, poolMax: 4 }, nats: { url: NATS_URL },
        gateway: { enabled: false }, simulators: { enabled: true, seedFleet: false },
        notify: { orderWebhookUrl: receiver.url },
        cluster: { enabled: true, partitions: PARTITIONS, leaseTtlMs: TTL },
        interactions: { reconcileEveryMs: 500, outboxLeaseMs: 4_000 },
      };
      nodes.set(id, new NodeProcess(id, {}, ['test/faults/node.ts', JSON.stringify(config)]).start());
    }
    await settle(['a', 'b']);
    await registerFleet(c, { organization: 'worg', grid: 'wg', dcu: 'wd', dcuReference: 'WH-GW', meters: METERS, serial: (i) => `WS${i}` });
  }, STARTUP_MS + 60_000);

  afterAll(async () => {
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    await c?.close();
    await receiver?.stop();
    await db?.close();
    await tdb?.drop();
  }, 60_000);

  it('the survivor delivers the held notification with its key; each order is accepted once; no acknowledged command is lost', async () => {
    const load = startLoad(c, METERS, { workers: 4, timeoutMs: 3_000 });
    await acked(load, 10);

    // The target order goes to a meter whose partition node b owns: b runs its cascade and sends its webhook.
    const ofB = new Set((await owned('b'))!);
    const target = METERS.find((m) => ofB.has(partitionOf(m, PARTITIONS)))!;
    receiver.holdOrder = 'target-order';
    const created = await eventually(async () => {
      const r = await c.request<{ id: string }>(c.s.meterCreateInteraction(target), { type: 'TOP_UP', params: { kwh: 2 }, orderId: 'target-order', idempotencyKey: 'target-key' }, 3_000).catch(() => null);
      return r && 'data' in r ? r.data : null;
    }, 60_000, 100);
    const key = `order:${created.id}:SUCCESSFUL`;

    // Received and held; the outbox row is still PENDING, claimed by b.
    await eventually(async () => receiver.received.some((r) => r.held && r.key === key), 60_000, 25);
    const claim = await db.sql.one<{ status: string; claimed_by: string | null }>(
      `select status, claimed_by from cascade_outbox where interaction_id = ? and step = 'notifyOrder'`, [created.id]);
    expect(claim).toMatchObject({ status: 'PENDING', claimed_by: expect.stringMatching(/^b:/) });

    const b = nodes.get('b')!;
    b.kill('SIGKILL');
    await b.exited;
    const killedAt = Date.now();
    receiver.holdOrder = undefined;

    // The survivor takes b's partitions and its claimed row, and delivers the same notification.
    await settle(['a'], 60_000);
    await eventually(async () => receiver.accepted.includes(key), 60_000, 50);
    // The receiver answers before the survivor marks the row done.
    const done = await eventually(async () => {
      const row = await db.sql.one<{ status: string; claimed_by: string | null }>(
        `select status, claimed_by from cascade_outbox where interaction_id = ? and step = 'notifyOrder'`, [created.id]);
      return row?.status === 'DONE' ? row : null;
    }, 30_000, 50);
    expect(done.claimed_by).toMatch(/^a:/);
    const forTarget = receiver.received.filter((r) => r.orderId === 'target-order');
    expect(new Set(forTarget.map((r) => r.key))).toEqual(new Set([key]));
    expect(forTarget.filter((r) => !r.held).every((r) => r.at >= killedAt)).toBe(true);
    const deliveredMs = forTarget.find((r) => !r.held)!.at - killedAt;
    expect(receiver.accepted.filter((k) => k.startsWith(`order:${created.id}:`))).toEqual([key]);

    await acked(load, 10);
    const res = await load.stop();
    expect(res.errors).toEqual([]);

    // Every acknowledged command is final; every order that ended SUCCESSFUL or FAILED is accepted exactly once.
    const ids = [...res.acked.values(), created.id];
    const rows = await eventually(async () => {
      const q = await db.sql.all<{ id: string; status: string }>(`select id, status from meter_interactions where id in (${ids.map(() => '?').join(',')})`, ids);
      return q.length === new Set(ids).size && q.every((x) => FINAL.includes(x.status)) ? q : false;
    }, 60_000, 250);
    await eventually(async () => Number((await db.sql.one<{ n: string }>(`select count(*) as n from cascade_outbox where status = 'PENDING'`))!.n) === 0, 60_000, 250);
    const notified = (await db.sql.all<{ id: string; status: string }>(
      `select id, status from meter_interactions where order_id is not null and status in ('SUCCESSFUL', 'FAILED')`)).map((x) => `order:${x.id}:${x.status}`);
    expect(rows.filter((x) => x.status === 'SUCCESSFUL' || x.status === 'FAILED').every((x) => notified.includes(`order:${x.id}:${x.status}`))).toBe(true);
    expect([...receiver.accepted].sort()).toEqual([...notified].sort());
    expect(new Set(receiver.accepted).size).toBe(receiver.accepted.length);
    console.log(`webhook failover: ${ids.length} acknowledged, ${receiver.accepted.length} orders accepted once each, ${receiver.received.length} requests `
      + `(${receiver.received.filter((r) => r.held).length} held by the dead node, ${receiver.duplicates} replays answered as duplicates), the held order delivered by the survivor ${deliveredMs} ms after the kill`);
  }, 240_000);
});
