/**
 * `npm run bench:interactions` — end-to-end interactions per second and latency:
 * NATS request → meter actor → driver (simulated, zero latency) → cascade persisted → grid event received.
 * Also: heap per hot meter actor, and the meter twin's stacked-batches workload with and without coalescing.
 * Real PostgreSQL (a fresh database) and the local NATS server; the runtime and the load generator share
 * this process (2 cores in all).
 */
import { build } from 'hdr-histogram-js';
import { NatsBus } from '../adapters/bus';
import { SimulatedFleetDriver, SimulatedTokenService } from '../adapters/meters/simulated';
import { createMeterDriverRouter } from '../adapters/meters/router';
import { parseConfig } from '../core/config';
import type { MeterInteractionEvent } from '../core/events';
import { silentLogger } from '../core/logger';
import { createMetrics } from '../core/metrics';
import { subjects } from '../core/subjects';
import { startNode } from '../gateway/node';
import { openDatabase } from '../persistence';
import { createTestDatabase } from '../test/helpers/db';
import { NATS_URL, testPrefix } from '../test/helpers/nats';
import { databaseCpu, pgbenchTps } from './lib/pgcost';
import { machine, writeSection } from './lib/report';

const arg = (name: string, d: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const DURATION_S = arg('seconds', 10);
const CONCURRENCY = arg('concurrency', 256);
/** Group commit window (ms) of the node under test; `--window=0` closes every group at the end of its turn. */
const WINDOW_MS = arg('window', 2);

async function world(meters: number, latencyMs = 0, twin: Record<string, unknown> = {}) {
  const tdb = await createTestDatabase('bench');
  const db = await openDatabase({ url: tdb.url, poolMax: 16 });
  await db.migrate();
  const prefix = testPrefix('b');
  const bus = await NatsBus.connect({ servers: NATS_URL });
  const fleet = new SimulatedFleetDriver({ latencyMs });
  const driver = createMeterDriverRouter({ byProtocol: { CALIN_V2: fleet }, tokenService: new SimulatedTokenService() });
  // A loaded machine may keep a first (rehydrating) answer waiting past the default ask timeout: the bench measures, it does not fail.
  const config = parseConfig({ prefix, mode: 'production', logLevel: 'silent', gateway: { enabled: false }, interactions: { reconcileEveryMs: 3_600_000 }, actors: { askTimeoutMs: 120_000 }, database: { groupCommitWindowMs: WINDOW_MS } });
  const node = await startNode(config, { db, bus, driver, logger: silentLogger, metrics: createMetrics(), gateway: false, autorun: false });
  // Registry rows in bulk (the registry API is not what is measured here).
  await db.sql.run(`insert into organizations(id, name, settings) values ('o', 'Org', ?::jsonb)`, [JSON.stringify({ twin })]);
  await db.sql.run(`insert into grids(id, organization_id, name) values ('g', 'o', 'Grid')`);
  await db.sql.run(
    `insert into meters(id, serial, communication_protocol, grid_id, organization_id, tariff_per_kwh, last_seen_at)
     select 'm' || i, 'S' || i, 'CALIN_V2', 'g', 'o', 100, now() from generate_series(0, ?::int - 1) i`, [meters]);
  const s = subjects(prefix);
  return {
    node, bus, s, fleet,
    async stop() {
      await node.stop();
      await bus.close();
      await db.close();
      await tdb.drop();
    },
  };
}

type World = Awaited<ReturnType<typeof world>>;

/** Waits for the SUCCESSFUL/FAILED event of each interaction; resolves per id. */
function eventWaiter(w: World) {
  const waiting = new Map<string, (at: number) => void>();
  const early = new Map<string, number>();
  w.bus.subscribe(w.s.evtGridMeterInteraction('g'), (m) => {
    const e = m.json<MeterInteractionEvent>();
    const now = performance.now();
    const f = waiting.get(e.interaction.id);
    if (f) {
      waiting.delete(e.interaction.id);
      f(now);
    } else early.set(e.interaction.id, now);
  });
  return (id: string) => new Promise<number>((resolve) => {
    const t = early.get(id);
    if (t !== undefined) {
      early.delete(id);
      resolve(t);
    } else waiting.set(id, resolve);
  });
}

const TYPES = ['READ_CREDIT', 'TURN_ON', 'READ_VERSION', 'TURN_OFF', 'READ_POWER'];

async function oneInteraction(w: World, waitFor: (id: string) => Promise<number>, meter: string, k: number) {
  const t0 = performance.now();
  const r = await w.bus.request<{ data?: { id: string }; error?: unknown }>(w.s.meterCreateInteraction(meter), { type: TYPES[k % TYPES.length] }, { timeoutMs: 60_000 });
  if (!r.data) throw new Error(`create failed: ${JSON.stringify(r.error)}`);
  const t1 = await waitFor(r.data.id);
  return t1 - t0;
}

/** Closed loop at fixed concurrency: throughput at saturation. */
async function saturate(w: World, meters: number, seconds: number) {
  const waitFor = eventWaiter(w);
  const dbCpu = await databaseCpu(w.node.db);
  const hist = build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });
  let done = 0;
  let k = 0;
  const until = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < until) {
      const i = k++;
      hist.recordValue(Math.max(1, Math.round((await oneInteraction(w, waitFor, `m${(i * 7919) % meters}`, i)) * 1000)));
      done++;
    }
  }));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pg = await dbCpu.stop();
  const nodeCpuS = (cpu.user + cpu.system) / 1e6;
  return {
    rate: done / wall, done, p50: hist.getValueAtPercentile(50) / 1000, p99: hist.getValueAtPercentile(99) / 1000, cpuPct: (nodeCpuS / wall) * 100,
    nodeMsPer: (nodeCpuS * 1000) / done, dbMsPer: (pg.cpuSeconds * 1000) / done, commitsPer: pg.commits / done,
  };
}

/** Open loop at a fixed arrival rate: latency at a given load. */
async function atRate(w: World, meters: number, rate: number, seconds: number) {
  const waitFor = eventWaiter(w);
  const hist = build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(oneInteraction(w, waitFor, `m${(i * 7919) % meters}`, i).then((ms) => hist.recordValue(Math.max(1, Math.round(ms * 1000)))));
  }
  await Promise.all(pending);
  const wall = (performance.now() - t0) / 1000;
  return { offered: rate, achieved: total / wall, p50: hist.getValueAtPercentile(50) / 1000, p99: hist.getValueAtPercentile(99) / 1000 };
}

async function heapPerActor(w: World, actors: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await settle();
  const before = process.memoryUsage().heapUsed;
  const ids = Array.from({ length: actors }, (_, i) => `m${i}`);
  for (let i = 0; i < ids.length; i += 500) await Promise.all(ids.slice(i, i + 500).map((id) => w.node.runtime.getMeter(id)));
  await settle();
  const after = process.memoryUsage().heapUsed;
  return { actors: w.node.runtime.meters.alive(), bytesPerActor: (after - before) / actors, gcExposed: Boolean(gc) };
}

async function stackedBatches(coalescing: boolean) {
  const w = await world(100, 20, { coalescing });
  const ids = Array.from({ length: 100 }, (_, i) => `m${i}`);
  for (const id of ids) w.fleet.addMeter(id, `S${id.slice(1)}`, { isOn: true });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 10 }, () => w.node.runtime.createBatch({ type: 'TURN_OFF', params: {}, meterIds: ids })));
  const db = w.node.db;
  for (;;) {
    const r = await db.sql.one<{ n: string }>(`select count(*) as n from meter_interactions where status not in ('SUCCESSFUL','FAILED','ABORTED','SUPERSEDED','EXPIRED')`);
    if (Number(r!.n) === 0) break;
    await new Promise((r2) => setTimeout(r2, 20));
  }
  const wall = (performance.now() - t0) / 1000;
  const commands = ids.reduce((n, id) => n + w.fleet.executedCount(id, 'TURN_OFF'), 0);
  await w.stop();
  return { commands, wall };
}

/** The stacked-batches workload without and with coalescing, logged. */
async function stackedPair() {
  const without = await stackedBatches(false);
  const withC = await stackedBatches(true);
  console.log(`stacked batches: without coalescing ${without.commands} commands in ${without.wall.toFixed(2)} s; with ${withC.commands} in ${withC.wall.toFixed(2)} s`);
  return { without, withC };
}

async function main() {
  console.log(`machine: ${machine()}`);
  const rows: string[] = [];
  const results: Record<string, unknown> = {};
  const only = process.argv.find((a) => a.startsWith('--meters='));
  const sizes = only ? [arg('meters', 1_000)] : process.argv.includes('--quick') ? [1_000] : [1_000, 100_000];
  if (process.argv.includes('--stacked-only')) {
    // the meter twin's stacked-batches workload alone (no pgbench, no saturation runs)
    await stackedPair();
    process.exit(0);
  }
  const tps = await pgbenchTps(10);
  console.log(`pgbench -N -c 8 -j 2 -T 10: ${tps.toFixed(0)} tps (ratio base, same run)`);
  for (const meters of sizes) {
    const w = await world(meters);
    if (meters >= 10_000 || process.argv.includes('--quick')) {
      // measured on fresh actors, before any load has activated them
      const heap = await heapPerActor(w, Math.min(10_000, meters));
      results.heap = heap;
      console.log(`heap per hot meter actor: ${heap.bytesPerActor.toFixed(0)} B over ${heap.actors} live actors (gc exposed: ${heap.gcExposed})`);
    }
    // warm-up activates actors (each loads from the database once)
    await saturate(w, meters, 2);
    const sat = await saturate(w, meters, DURATION_S);
    const half = await atRate(w, meters, Math.max(50, Math.round(sat.rate / 2)), Math.min(DURATION_S, 8));
    console.log(`${meters} meters: saturation ${sat.rate.toFixed(0)}/s = ${(sat.rate / tps).toFixed(2)} × pgbench (p50 ${sat.p50.toFixed(1)} ms, p99 ${sat.p99.toFixed(1)} ms, node CPU ${sat.cpuPct.toFixed(0)} %, ${sat.nodeMsPer.toFixed(2)} ms node CPU and ${sat.dbMsPer.toFixed(2)} ms database CPU per interaction, ${sat.commitsPer.toFixed(2)} commits per interaction); at ${half.offered}/s p50 ${half.p50.toFixed(1)} ms p99 ${half.p99.toFixed(1)} ms`);
    rows.push(`| ${meters.toLocaleString('en')} | ${sat.rate.toFixed(0)} | **${(sat.rate / tps).toFixed(2)} ×** | ${sat.p50.toFixed(1)} / ${sat.p99.toFixed(1)} | ${sat.nodeMsPer.toFixed(2)} | ${sat.dbMsPer.toFixed(2)} | ${sat.commitsPer.toFixed(2)} | ${half.offered} | ${half.p50.toFixed(1)} / ${half.p99.toFixed(1)} |`);
    results[meters] = { sat, half };
    await w.stop();
  }
  if (process.argv.includes('--quick') || only) process.exit(0);
  const heap = results.heap as { bytesPerActor: number; actors: number };
  const { without, withC } = await stackedPair();
  writeSection('bench:interactions', `
\`npm run bench:interactions\` — ${new Date().toISOString().slice(0, 10)} — ${machine()}

End to end: NATS request \`meter.<id>.interactions.create\` → meter actor → simulated driver (zero latency) → cascade
committed (interaction + meter + outbox in one transaction) → \`meter-interaction\` UPDATE event received by the
load generator. Real PostgreSQL 15 and NATS 2.9 on this machine; the runtime and the load generator share one
Node process. Saturation: closed loop, ${CONCURRENCY} requests in flight, ${DURATION_S} s. Half load: open loop at half
the saturation rate. Interaction types rotate over READ_CREDIT, TURN_ON, READ_VERSION, TURN_OFF, READ_POWER.
Group commit window ${WINDOW_MS} ms, at most 500 rows per statement.

\`pgbench -N -c 8 -j 2 -T 10\` on a fresh database of the same server, in the same run: **${tps.toFixed(0)} tps** (the ratio base).
Node CPU counts the gridtwin process, which also runs the load generator; database CPU counts only the PostgreSQL
backends of the bench's own database (\`/proc/<pid>/stat\`), so other work on the shared server is not in it;
commits are \`pg_stat_database.xact_commit\` of that database (writes and reads alike) per interaction.

| meters | saturation interactions/s | ÷ pgbench tps | p50 / p99 ms at saturation | node CPU ms / interaction | database CPU ms / interaction | commits / interaction | half load /s | p50 / p99 ms at half load |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Heap per hot meter actor: **${heap.bytesPerActor.toFixed(0)} B** (heap growth after activating ${heap.actors} meter actors, after GC).

Meter twin, 10 stacked batches of TURN_OFF over the same 100 meters (simulated meter latency 20 ms):

| | commands sent to meters | wall time |
| --- | --- | --- |
| without coalescing | ${without.commands} | ${without.wall.toFixed(2)} s |
| with coalescing | ${withC.commands} | ${withC.wall.toFixed(2)} s |
| ratio | ${(without.commands / Math.max(1, withC.commands)).toFixed(1)} × fewer | ${(without.wall / withC.wall).toFixed(1)} × faster |

Coalescing joins a request into an equal interaction that is still queued or in flight. The ten batches reach
each meter over the time it takes to create 1,000 interactions, so how many arrive while the first TURN_OFF is still
in flight depends on the machine: a request after it ended is a new command (100 = all joined; 200 = a second
wave after the first ended). \`--stacked-only\` runs this workload alone.
`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
