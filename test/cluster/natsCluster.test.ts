import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { openDatabase } from '../../persistence';
import { createTestDatabase } from '../helpers/db';
import { testPrefix } from '../helpers/nats';
import { eventually } from '../helpers/world';
import { acked, startLoad } from './load';
import { NatsServerProcess, NodeProcess, clusterClient, freePort, registerFleet, type ClusterClient } from './processes';

const PARTITIONS = 32;
/** A node process compiles the project with tsx as it starts: on a loaded 2-core machine that alone can take a minute. */
const STARTUP_MS = 180_000;

/** Two gridtwin nodes on a 3-server NATS cluster (leases replicated): one server restarts under load. */
describe('gridtwin on a 3-node NATS cluster', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  const servers: NatsServerProcess[] = [];
  const nodes: NodeProcess[] = [];
  let c: ClusterClient;

  beforeAll(async () => {
    tdb = await createTestDatabase('gtnc');
    const db = await openDatabase({ url: tdb.url, poolMax: 2 });
    await db.migrate();
    await db.close();
    const ports = await Promise.all([0, 1, 2].map(async () => ({ client: await freePort(), route: await freePort() })));
    for (const [i, p] of ports.entries()) {
      servers.push(new NatsServerProcess(`n${i}`, p.client, { port: p.route, routes: ports.filter((_, j) => j !== i).map((x) => x.route) }));
    }
    await Promise.all(servers.map((s) => s.start()));
    // JetStream needs its meta leader before a replicated bucket can be created: wait until one can be.
    const probe = await connect({ servers: servers.map((x) => x.url) });
    await eventually(async () => {
      await new Kvm(probe).create('gtprobe', { replicas: 3 });
      return true;
    }, 60_000, 200);
    await probe.close();
    const prefix = testPrefix('nc');
    const env = {
      DATABASE_URL: tdb.url, GRIDTWIN_CLUSTER: 'true', GRIDTWIN_PREFIX: prefix, GRIDTWIN_PARTITIONS: String(PARTITIONS),
      GRIDTWIN_LEASE_TTL_MS: '1500', GATEWAY_PORT: '0', GRIDTWIN_SIMULATORS: 'true', LOG_LEVEL: 'warn',
    };
    nodes.push(new NodeProcess('x', { ...env, NATS_URL: servers[1]!.url }).start(), new NodeProcess('y', { ...env, NATS_URL: servers[2]!.url }).start());
    c = await clusterClient(servers.slice(1).map((s) => s.url), prefix);
    await eventually(async () => {
      const st = await Promise.all(nodes.map((n) => c.nodeStatus(n.id)));
      return st.every((x) => x && x.partitions.length >= PARTITIONS / 2 - 1) && st.reduce((a, x) => a + x!.partitions.length, 0) === PARTITIONS;
    }, STARTUP_MS, 250);
    await registerFleet(c, { organization: 'o', grid: 'g', dcu: 'd', dcuReference: 'GW', meters: Array.from({ length: 12 }, (_, i) => `nm${i}`), serial: (i) => `N${i}` });
  }, STARTUP_MS + 90_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await c?.close();
    await Promise.all(servers.map((s) => s.stop()));
    for (const s of servers) s.remove();
    await tdb?.drop();
  }, 60_000);

  it('keeps serving and keeps its leases while one NATS server restarts', async () => {
    const load = startLoad(c, Array.from({ length: 12 }, (_, i) => `nm${i}`), { workers: 4, timeoutMs: 3_000 });
    await acked(load, 5);
    await servers[1]!.stop(); // node x's server
    // The fault itself: node x's server stays away for 2 s (a deliberate outage, not a wait for a condition).
    await new Promise((r) => setTimeout(r, 2_000));
    await servers[1]!.start();
    await acked(load, 10);
    const r = await load.stop();
    expect(r.errors).toEqual([]);
    expect(r.acked.size).toBeGreaterThan(10);
    const st = await eventually(async () => {
      const s = await Promise.all(nodes.map((n) => c.nodeStatus(n.id)));
      return s.every(Boolean) && s.reduce((a, x) => a + x!.partitions.filter((p) => p.state === 'owned').length, 0) === PARTITIONS ? s : false;
    }, 20_000, 250);
    expect(st.map((x) => x!.nodeId).sort()).toEqual(['x', 'y']);
  }, 60_000);
});
