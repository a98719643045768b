/**
 * `npm run bench:soak` — memory at fleet scale (issue 11): 1,000,000 meters registered (bulk SQL), 100,000 of
 * them kept hot (an actor each, touched again and again with interactions), a flood of unknown ids on the side.
 * Reports the heap with the machine line and a `pgbench -N` figure of the same run. Goal: heap < 1 GB.
 * Real PostgreSQL (a fresh database) and the local NATS server; node and load share this process.
 */
import pLimit from 'p-limit';
import { NatsBus } from '../adapters/bus';
import { SimulatedFleetDriver, SimulatedTokenService } from '../adapters/meters/simulated';
import { createMeterDriverRouter } from '../adapters/meters/router';
import { parseConfig } from '../core/config';
import { silentLogger } from '../core/logger';
import { createMetrics } from '../core/metrics';
import { startNode } from '../gateway/node';
import { openDatabase } from '../persistence';
import { createTestDatabase } from '../test/helpers/db';
import { NATS_URL, testPrefix } from '../test/helpers/nats';
import { pgbenchTps } from './lib/pgcost';
import { machine, runMain, writeSection } from './lib/report';

const arg = (name: string, d: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const REGISTERED = arg('meters', 1_000_000);
const HOT = arg('hot', 100_000);
const LOAD_S = arg('seconds', 60);
const UNKNOWN = arg('unknown', 100_000);

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const mb = (n: number) => `${n.toFixed(0)} MB`;

async function main() {
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:soak)');
  const tdb = await createTestDatabase('soak');
  const db = await openDatabase({ url: tdb.url, poolMax: 16 });
  await db.migrate();
  const bus = await NatsBus.connect({ servers: NATS_URL });
  const fleet = new SimulatedFleetDriver({});
  const driver = createMeterDriverRouter({ byProtocol: { CALIN_V2: fleet }, tokenService: new SimulatedTokenService() });
  const config = parseConfig({ prefix: testPrefix('soak'), mode: 'production', logLevel: 'silent', gateway: { enabled: false }, actors: { askTimeoutMs: 120_000 } });
  const node = await startNode(config, { db, bus, driver, logger: silentLogger, metrics: createMetrics(), gateway: false, autorun: false });
  const runtime = node.runtime;
  const t0 = performance.now();
  await db.sql.run(`insert into organizations(id, name) values ('o', 'Org')`);
  await db.sql.run(`insert into grids(id, organization_id, name) values ('g', 'o', 'Grid')`);
  for (let from = 0; from < REGISTERED; from += 100_000) {
    await db.sql.run(
      `insert into meters(id, serial, communication_protocol, grid_id, organization_id, tariff_per_kwh, last_seen_at)
       select 'm' || i, 'S' || i, 'CALIN_V2', 'g', 'o', 100, now() from generate_series(?::int, ?::int - 1) i`, [from, Math.min(REGISTERED, from + 100_000)]);
  }
  const registerS = (performance.now() - t0) / 1000;
  const idle = heapMb();

  const limit = pLimit(500);
  const t1 = performance.now();
  await Promise.all(Array.from({ length: HOT }, (_, i) => limit(() => runtime.getMeter(`m${i}`))));
  const warmS = (performance.now() - t1) / 1000;
  const hotHeap = heapMb();

  let done = 0;
  let failed = 0;
  const until = performance.now() + LOAD_S * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (performance.now() < until) {
      const id = `m${(n++ * 7919) % HOT}`;
      await runtime.createInteraction(id, { type: 'READ_CREDIT' }).then(() => done++, () => failed++);
    }
  }));
  const loadHeap = heapMb();

  let notFound = 0;
  await Promise.all(Array.from({ length: UNKNOWN }, (_, i) => limit(() => runtime.getMeter(`ghost-${i}`).catch(() => { notFound++; }))));
  const afterUnknown = heapMb();
  const alive = runtime.meters.alive();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await node.stop();
  await bus.close();
  await db.close();
  await tdb.drop();
  const tps = await pgbenchTps(10);

  const body = `Machine: ${machine()}. PostgreSQL \`pgbench -N\` (8 clients, 10 s) in the same run: ${tps.toFixed(0)} tps.
Command: \`npm run bench:soak\` (${REGISTERED.toLocaleString('en')} meters registered, ${HOT.toLocaleString('en')} hot, ${LOAD_S} s of READ_CREDIT over the hot set at concurrency 64, then ${UNKNOWN.toLocaleString('en')} unknown ids).

| stage | heap used (after GC) |
|---|---|
| ${REGISTERED.toLocaleString('en')} meters registered, no actor (${registerS.toFixed(0)} s bulk insert) | ${mb(idle)} |
| ${HOT.toLocaleString('en')} meter actors hot (loaded in ${warmS.toFixed(0)} s) | ${mb(hotHeap)} (${(((hotHeap - idle) * 2 ** 20) / HOT / 1024).toFixed(1)} KiB per actor) |
| after ${done.toLocaleString('en')} interactions (${(done / LOAD_S).toFixed(0)}/s, ${failed} failed) | ${mb(loadHeap)} |
| after ${UNKNOWN.toLocaleString('en')} unknown ids (${notFound.toLocaleString('en')} NOT_FOUND, no actor) | ${mb(afterUnknown)} |

Live meter actors at the end: ${alive.toLocaleString('en')}; RSS ${mb(rssMb)}. Goal: heap < 1 GB — ${Math.max(hotHeap, loadHeap, afterUnknown) < 1024 ? 'met' : 'NOT met'}.
Interactions per second relative to pgbench -N: ${(done / LOAD_S / tps).toFixed(3)}.`;
  console.log(body);
  writeSection('Soak (bench:soak)', body);
}

runMain(main);
