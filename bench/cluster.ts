/**
 * bench:cluster — gridtwin node processes on the local NATS (127.0.0.1:4222) and PostgreSQL:
 *  1. interaction throughput with 1, 2 and 3 nodes (READ_CREDIT, simulated meters, 32 concurrent clients);
 *  2. a request served by the owner directly vs. forwarded by a non-owner;
 *  3. failover time over N kill -9 runs (time from the kill until a device of the killed node answers again).
 * Prints the machine and replaces the `## bench:cluster` section of BENCHMARKS.md.
 * Env: BENCH_FAILOVER_RUNS (20), BENCH_SECONDS (8 per throughput phase), BENCH_LEASE_TTL_MS (1500).
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { partitionOf } from '../actors/cluster';
import { openDatabase } from '../persistence';
import { createTestDatabase } from '../test/helpers/db';
import { NATS_URL } from '../test/helpers/nats';
import { NodeProcess, clusterClient, type ClusterClient } from '../test/cluster/processes';

const PARTITIONS = 64;
const TTL = Number(process.env.BENCH_LEASE_TTL_MS ?? 1500);
const RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const METERS = Array.from({ length: 64 }, (_, i) => `bm${i}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'cpu'} × ${c.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

function writeSection(name: string, body: string, file = 'BENCHMARKS.md') {
  const header = `## ${name}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(`${header}\n`);
  const section = `${header}\n\n${body.trim()}\n`;
  if (start === -1) return writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
  const next = text.indexOf('\n## ', start + header.length);
  writeFileSync(file, `${text.slice(0, start)}${section}${next === -1 ? '' : `\n${text.slice(next + 1)}`}`);
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/** A fresh database and prefix, `ids` started, all partitions owned, the fleet registered. */
async function cluster(ids: string[]) {
  const tdb = await createTestDatabase('gtbench');
  const db = await openDatabase({ url: tdb.url, poolMax: 2 });
  await db.migrate();
  const prefix = `gtb${randomBytes(4).toString('hex')}`;
  const env = {
    DATABASE_URL: tdb.url, NATS_URL, GRIDTWIN_CLUSTER: 'true', GRIDTWIN_PREFIX: prefix, GRIDTWIN_PARTITIONS: String(PARTITIONS),
    GRIDTWIN_LEASE_TTL_MS: String(TTL), GATEWAY_PORT: '0', GRIDTWIN_SIMULATORS: 'true', LOG_LEVEL: 'error',
  };
  const nodes = new Map(ids.map((id) => [id, new NodeProcess(id, env).start()]));
  const c = await clusterClient(NATS_URL, prefix);
  const settled = async (want: string[]) => {
    for (const until = Date.now() + 90_000; Date.now() < until; await sleep(200)) {
      const st = await Promise.all(want.map((id) => c.nodeStatus(id)));
      if (st.every(Boolean) && st.reduce((a, s) => a + s!.partitions.filter((p) => p.state === 'owned').length, 0) === PARTITIONS) {
        const n = st.map((s) => s!.partitions.length);
        if (Math.max(...n) - Math.min(...n) <= 2) return st;
      }
    }
    throw new Error(`cluster ${want.join(',')} did not settle`);
  };
  await settled(ids);
  const call = async (subject: string, body: unknown) => {
    const r = await c.request(subject, body);
    if (!('data' in r)) throw new Error(JSON.stringify(r.error));
  };
  await call(c.s.registryUpsert('organization'), { id: 'o', name: 'O' });
  await call(c.s.registryUpsert('grid'), { id: 'g', organizationId: 'o', name: 'G' });
  await call(c.s.registryUpsert('dcu'), { id: 'd', gridId: 'g', externalReference: 'GW' });
  const now = new Date().toISOString();
  await Promise.all(METERS.map((id, i) => call(c.s.registryUpsert('meter'), { id, serial: `B${i}`, protocol: 'CALIN_V2', gridId: 'g', dcuId: 'd', lastSeenAt: now })));
  return {
    c, db, env, nodes, settled,
    async close() {
      await Promise.all([...nodes.values()].map((n) => n.stop()));
      await c.close();
      await db.close();
      await tdb.drop();
    },
  };
}

async function throughput(k: number) {
  const ids = ['a', 'b', 'c'].slice(0, k);
  const cl = await cluster(ids);
  const completedSince = async (t: Date) => Number((await cl.db.sql.one<{ n: string }>(`select count(*) as n from meter_interactions where status = 'SUCCESSFUL' and updated_at >= ?`, [t]))!.n);
  const run = async (seconds: number) => {
    let acked = 0;
    let errors = 0;
    let running = true;
    const t0 = new Date();
    const worker = async () => {
      while (running) {
        const m = METERS[Math.floor(Math.random() * METERS.length)]!;
        const r = await cl.c.request(cl.c.s.meterCreateInteraction(m), { type: 'READ_CREDIT' }, 10_000).catch(() => null);
        if (r && 'data' in r) acked++; else errors++;
      }
    };
    const ws = Array.from({ length: 32 }, worker);
    await sleep(seconds * 1000);
    running = false;
    await Promise.all(ws);
    const elapsed = (Date.now() - t0.getTime()) / 1000;
    return { acked: acked / elapsed, completed: (await completedSince(t0)) / elapsed, errors };
  };
  await run(2); // warm-up: actors loaded, JIT, pools
  const r = await run(SECONDS);
  await cl.close();
  return r;
}

async function forwarding(c: ClusterClient, owner: string, other: string, meter: string) {
  const time = async (node: string) => {
    const xs: number[] = [];
    for (let i = 0; i < 600; i++) {
      const t = performance.now();
      const r = await c.request(c.s.clusterForward(node, `meter.${meter}.get`), {});
      if (!('data' in r)) throw new Error(JSON.stringify(r.error));
      if (i >= 100) xs.push(performance.now() - t);
    }
    return xs;
  };
  const direct = await time(owner);
  const forwarded = await time(other);
  return { direct: { p50: pct(direct, 0.5), p99: pct(direct, 0.99) }, forwarded: { p50: pct(forwarded, 0.5), p99: pct(forwarded, 0.99) } };
}

async function main() {
  console.log(`bench:cluster on ${machine()}`);
  const tp: Array<{ k: number; acked: number; completed: number; errors: number }> = [];
  for (const k of [1, 2, 3]) {
    const r = await throughput(k);
    tp.push({ k, ...r });
    console.log(`${k} node(s): ${r.acked.toFixed(0)} interactions accepted/s, ${r.completed.toFixed(0)} completed/s, ${r.errors} errors`);
  }

  const cl = await cluster(['a', 'b', 'c']);
  const st = await cl.settled(['a', 'b', 'c']);
  const ownerOf = (m: string) => st.find((s) => s!.partitions.some((p) => p.partition === partitionOf(m, PARTITIONS)))!.nodeId;
  const fwd = await forwarding(cl.c, ownerOf(METERS[0]!), ['a', 'b', 'c'].find((n) => n !== ownerOf(METERS[0]!))!, METERS[0]!);
  console.log(`meter get, direct to the owner: p50 ${fwd.direct.p50.toFixed(2)} ms, p99 ${fwd.direct.p99.toFixed(2)} ms; forwarded: p50 ${fwd.forwarded.p50.toFixed(2)} ms, p99 ${fwd.forwarded.p99.toFixed(2)} ms`);

  const failovers: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const now = await cl.settled(['a', 'b', 'c']);
    const victim = ['a', 'b', 'c'][run % 3]!;
    const probe = METERS.find((m) => now.find((s) => s!.nodeId === victim)!.partitions.some((p) => p.partition === partitionOf(m, PARTITIONS)))!;
    const node = cl.nodes.get(victim)!;
    const t0 = Date.now();
    node.kill('SIGKILL');
    await node.exited;
    for (;;) {
      const r = await cl.c.request(cl.c.s.meterGet(probe), {}, 500).catch(() => null);
      if (r && 'data' in r) break;
      await sleep(20);
    }
    failovers.push(Date.now() - t0);
    console.log(`failover ${run + 1}/${RUNS}: ${failovers.at(-1)} ms`);
    node.start();
  }
  await cl.close();

  const sorted = [...failovers].sort((a, b) => a - b);
  const body = `Machine: ${machine()}. Local NATS 2.9 (JetStream, file store) and PostgreSQL 15 on the same machine; nodes are
\`node --import tsx bin/gridtwin.ts start\` processes with simulated meters (0 ms latency), ${PARTITIONS} partitions, lease TTL ${TTL} ms.
Run: \`npm run bench:cluster\` (${new Date().toISOString().slice(0, 10)}).

| nodes | interactions accepted/s | completed/s | errors |
|---|---|---|---|
${tp.map((r) => `| ${r.k} | ${r.acked.toFixed(0)} | ${r.completed.toFixed(0)} | ${r.errors} |`).join('\n')}

32 concurrent clients send \`meter.<id>.interactions.create\` (READ_CREDIT over 64 meters) for ${SECONDS} s after a 2 s warm-up; "completed"
counts SUCCESSFUL rows written in the window. With 2 cores the nodes, NATS, PostgreSQL and the client share the same CPUs,
so more nodes mostly add forwarding and lease traffic rather than capacity: the figures show the overhead, not scale-out.

| meter get | p50 | p99 |
|---|---|---|
| direct to the owner | ${fwd.direct.p50.toFixed(2)} ms | ${fwd.direct.p99.toFixed(2)} ms |
| forwarded by a non-owner | ${fwd.forwarded.p50.toFixed(2)} ms | ${fwd.forwarded.p99.toFixed(2)} ms |

Failover over ${RUNS} kill -9 runs (from the kill until a device of the killed node answers again, 3 nodes):
min ${sorted[0]} ms, median ${pct(sorted, 0.5)} ms, max ${sorted.at(-1)} ms.`;
  writeSection('bench:cluster', body);
  console.log(body);
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
