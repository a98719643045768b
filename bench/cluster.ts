/**
 * bench:cluster — gridtwin node processes on the local NATS (127.0.0.1:4222) and PostgreSQL:
 *  1. interaction throughput with 1, 2 and 3 nodes (READ_CREDIT, simulated meters, 32 concurrent clients);
 *  2. a request served by the owner directly vs. forwarded by a non-owner;
 *  3. failover time over N kill -9 runs (time from the kill until a device of the killed node answers again).
 * Prints the machine and replaces the `## bench:cluster` section of BENCHMARKS.md.
 * Env: BENCH_FAILOVER_RUNS (20), BENCH_SECONDS (8 per throughput phase), BENCH_LEASE_TTL_MS (1500).
 */
import { randomBytes } from 'node:crypto';
import { partitionOf } from '../actors/cluster';
import { openDatabase } from '../persistence';
import { createTestDatabase } from '../test/helpers/db';
import { NATS_URL } from '../test/helpers/nats';
import { NodeProcess, clusterClient, registerFleet, type ClusterClient } from '../test/cluster/processes';
import { machine, runMain, writeSection } from './lib/report';

/** Partitions of the throughput and forwarding phases; the failover phase runs once per count in BENCH_PARTITIONS. */
const PARTITIONS = 64;
const FAILOVER_PARTITIONS = (process.env.BENCH_PARTITIONS ?? '256,1024').split(',').map(Number);
const TTL = Number(process.env.BENCH_LEASE_TTL_MS ?? 3000);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'throughput,failover').split(','));
const RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const METERS = Array.from({ length: 64 }, (_, i) => `bm${i}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/** A fresh database and prefix, `ids` started, all partitions owned, the fleet registered. */
async function cluster(ids: string[], partitions = PARTITIONS) {
  const tdb = await createTestDatabase('gtbench');
  const db = await openDatabase({ url: tdb.url, poolMax: 2 });
  await db.migrate();
  const prefix = `gtb${randomBytes(4).toString('hex')}`;
  const env = {
    DATABASE_URL: tdb.url, NATS_URL, GRIDTWIN_CLUSTER: 'true', GRIDTWIN_PREFIX: prefix, GRIDTWIN_PARTITIONS: String(partitions),
    GRIDTWIN_LEASE_TTL_MS: String(TTL), GATEWAY_PORT: '0', GRIDTWIN_SIMULATORS: 'true', LOG_LEVEL: 'error',
  };
  const nodes = new Map(ids.map((id) => [id, new NodeProcess(id, env).start()]));
  const c = await clusterClient(NATS_URL, prefix);
  const settled = async (want: string[]) => {
    for (const until = Date.now() + 300_000; Date.now() < until; await sleep(200)) {
      const st = await Promise.all(want.map((id) => c.nodeStatus(id)));
      if (st.every(Boolean) && st.reduce((a, s) => a + s!.partitions.filter((p) => p.state === 'owned').length, 0) === partitions) {
        const n = st.map((s) => s!.partitions.length);
        if (Math.max(...n) - Math.min(...n) <= 2) return st;
      }
    }
    throw new Error(`cluster ${want.join(',')} did not settle`);
  };
  await settled(ids);
  await registerFleet(c, { organization: 'o', grid: 'g', dcu: 'd', dcuReference: 'GW', meters: METERS, serial: (i) => `B${i}` });
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
      const r = await c.request(c.s.clusterForward(node, c.s.all.ids(c.s.meterGet(meter)).rest), {});
      if (!('data' in r)) throw new Error(JSON.stringify(r.error));
      if (i >= 100) xs.push(performance.now() - t);
    }
    return xs;
  };
  const direct = await time(owner);
  const forwarded = await time(other);
  return { direct: { p50: pct(direct, 0.5), p99: pct(direct, 0.99) }, forwarded: { p50: pct(forwarded, 0.5), p99: pct(forwarded, 0.99) } };
}

/** Time from kill -9 until a device of the killed node answers again, over RUNS kills (3 nodes, victims in turn). */
async function failover(partitions: number): Promise<number[]> {
  const cl = await cluster(['a', 'b', 'c'], partitions);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const now = await cl.settled(['a', 'b', 'c']);
    const victim = ['a', 'b', 'c'][run % 3]!;
    const owned = new Set(now.find((s) => s!.nodeId === victim)!.partitions.map((p) => p.partition));
    const probe = METERS.find((m) => owned.has(partitionOf(m, partitions)));
    if (!probe) throw new Error(`no bench meter on a partition of ${victim}: use more meters`);
    const node = cl.nodes.get(victim)!;
    const t0 = Date.now();
    node.kill('SIGKILL');
    await node.exited;
    for (;;) {
      const r = await cl.c.request(cl.c.s.meterGet(probe), {}, 500).catch(() => null);
      if (r && 'data' in r) break;
      await sleep(20);
    }
    times.push(Date.now() - t0);
    console.log(`${partitions} partitions, failover ${run + 1}/${RUNS}: ${times.at(-1)} ms`);
    node.start();
  }
  await cl.close();
  return times;
}

async function main() {
  console.log(`bench:cluster on ${machine()}`);
  const parts: string[] = [`Machine: ${machine()}. Local NATS 2.9 (JetStream, file store) and PostgreSQL 15 on the same machine; nodes are
\`node --import tsx bin/gridtwin.ts start\` processes with simulated meters (0 ms latency), lease TTL ${TTL} ms.
Run: \`npm run bench:cluster\` (${new Date().toISOString().slice(0, 10)}; env BENCH_PHASES=${[...PHASES].join(',')}).`];

  if (PHASES.has('throughput')) {
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
    await cl.close();
    parts.push(`| nodes (${PARTITIONS} partitions) | interactions accepted/s | completed/s | errors |
|---|---|---|---|
${tp.map((r) => `| ${r.k} | ${r.acked.toFixed(0)} | ${r.completed.toFixed(0)} | ${r.errors} |`).join('\n')}

32 concurrent clients send \`meter.<id>.interactions.create\` (READ_CREDIT over ${METERS.length} meters) for ${SECONDS} s after a 2 s warm-up; "completed"
counts SUCCESSFUL rows written in the window. With 2 cores the nodes, NATS, PostgreSQL and the client share the same CPUs,
so more nodes mostly add forwarding and lease traffic rather than capacity: the figures show the overhead, not scale-out.

| meter get | p50 | p99 |
|---|---|---|
| direct to the owner | ${fwd.direct.p50.toFixed(2)} ms | ${fwd.direct.p99.toFixed(2)} ms |
| forwarded by a non-owner | ${fwd.forwarded.p50.toFixed(2)} ms | ${fwd.forwarded.p99.toFixed(2)} ms |`);
  }

  if (PHASES.has('failover')) {
    const rows: string[] = [];
    for (const n of FAILOVER_PARTITIONS) {
      const sorted = (await failover(n)).sort((a, b) => a - b);
      rows.push(`| ${n} | ${RUNS} | ${sorted[0]} ms | ${pct(sorted, 0.5)} ms | ${sorted.at(-1)} ms | ${sorted.filter((t) => t < TTL + 1000).length} of ${RUNS} |`);
    }
    parts.push(`Failover, 3 nodes, kill -9 of each in turn (from the kill until a device of the killed node answers again; goal: < TTL + 1 s = ${TTL + 1000} ms):

| partitions | kills | min | median | max | under the goal |
|---|---|---|---|---|---|
${rows.join('\n')}`);
  }
  const body = parts.join('\n\n');
  writeSection('bench:cluster', body);
  console.log(body);
  process.exit(0);
}

runMain(main);
