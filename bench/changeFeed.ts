/**
 * bench:change-feed — the change feed of issue 13 (PostgreSQL trigger + NOTIFY on meters, issues, grids, dcus).
 *
 * 1. Delay: another service's connection updates one meter row at a time; the delay is from sending the
 *    UPDATE (autocommit) to the notification arriving at gridtwin's listener, p50/p99 over `--writes`.
 *    The same on PGlite (in-process listener). The actor's reload that follows is a loadMeterContext,
 *    timed separately.
 * 2. Cost per write: `pgbench -n -c 2 -T <s>` with one UPDATE of a random meter per transaction, three ways:
 *    announced (another writer), gridtwin's own (trigger returns at once) and trigger disabled; plus the
 *    `pgbench -N` figure of the same run as the ratio base.
 *
 *   npm run bench:change-feed -- [--writes 2000] [--seconds 15]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CHANGE_CHANNEL } from '../actors/changeFeed';
import { openDatabase, registryRepo, type Database } from '../persistence';
import { createTestDatabase } from '../test/helpers/db';
import { machine, runMain, writeSection } from './lib/report';

const { values: args } = parseArgs({ options: { writes: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '15' }, meters: { type: 'string', default: '1000' } } });
const WRITES = Number(args.writes);
const SECONDS = Number(args.seconds);
const METERS = Number(args.meters);
const ROWS = 20;
const ROUNDS = 3;

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const fmt = (xs: number[]) => `p50 ${pct(xs, 0.5).toFixed(2)} ms, p99 ${pct(xs, 0.99).toFixed(2)} ms`;

async function seed(db: Database) {
  await registryRepo.upsertOrganization(db.sql, { id: 'o', name: 'O' });
  await registryRepo.upsertGrid(db.sql, { id: 'g', organizationId: 'o', name: 'G' });
  for (let i = 0; i < METERS; i++) await registryRepo.upsertMeter(db.sql, { id: `m${i}`, serial: `S${i}`, protocol: 'CALIN_V2', gridId: 'g' });
}

/** Sends `writes` updates one after another, each waiting for its own notification. */
async function delays(db: Database, write: (i: number) => Promise<unknown>): Promise<number[]> {
  let waiting: (() => void) | null = null;
  const stop = await db.listen(CHANGE_CHANNEL, () => waiting?.());
  const out: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const heard = new Promise<void>((r) => (waiting = r));
    const t0 = performance.now();
    await write(i);
    await heard;
    out.push(performance.now() - t0);
  }
  await stop();
  return out;
}

/** pgbench with a custom script, or a builtin (`-N`) when `script` is null; returns tps. */
function pgbench(url: string, script: string | null): number {
  const file = join(tmpdir(), `gt-feed-${process.pid}.sql`);
  if (script !== null) writeFileSync(file, script);
  const how = script === null ? ['-N'] : ['-f', file];
  const out = execFileSync('pgbench', ['-n', '-c', '2', '-j', '2', '-T', String(SECONDS), ...how, url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
}

async function main() {
  console.log(`bench:change-feed on ${machine()}`);
  const tdb = await createTestDatabase('gtfeed');
  const db = await openDatabase({ url: tdb.url, poolMax: 4 });
  try {
    await db.migrate();
    await seed(db);
    const other = new pg.Client({ connectionString: tdb.url });
    await other.connect();
    const pgDelay = await delays(db, (i) => other.query(`update meters set tariff_per_kwh = $1 where id = $2`, [i, `m${i % METERS}`]));
    await other.end();
    const reload: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      await registryRepo.loadMeterContext(db.sql, `m${i % METERS}`);
      reload.push(performance.now() - t0);
    }
    // ROWS updates per transaction, so the commit's fsync does not drown the trigger's cost; variants interleaved, median of ROUNDS.
    const one = `\\set id random(0, ${METERS - 1})\nupdate meters set tariff_per_kwh = random() where id = 'm' || :id;\n`;
    const update = `begin;\n${one.repeat(ROWS)}commit;\n`;
    const runs: Record<'announced' | 'own' | 'off', number[]> = { announced: [], own: [], off: [] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.announced.push(pgbench(tdb.url, update));
      runs.own.push(pgbench(tdb.url, `set gridtwin.writer = 'gridtwin';\n${update}`));
      await db.sql.run(`alter table meters disable trigger meters_change_feed`);
      runs.off.push(pgbench(tdb.url, update));
      await db.sql.run(`alter table meters enable trigger meters_change_feed`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const announced = median(runs.announced) * ROWS;
    const own = median(runs.own) * ROWS;
    const off = median(runs.off) * ROWS;
    execFileSync('pgbench', ['-i', '-q', '-s', '1', tdb.url], { stdio: 'ignore' });
    const baseN = pgbench(tdb.url, null);

    const lite = await openDatabase({ pgliteDir: 'memory://' });
    let liteDelay: number[] = [];
    try {
      await lite.migrate();
      await seed(lite);
      liteDelay = await delays(lite, (i) => lite.tx(async (sql) => {
        await sql.run(`set local gridtwin.writer = 'other'`);
        await sql.run(`update meters set tariff_per_kwh = ? where id = ?`, [i, `m${i % METERS}`]);
      }));
    } finally {
      await lite.close();
    }
    const perWrite = (rowsPerSecond: number) => (1000 * 2) / rowsPerSecond; // ms of one client per row written (2 clients)
    const rows = [
      `| delay, PostgreSQL (write sent → notification at the listener) | ${fmt(pgDelay)} | ${WRITES} writes |`,
      `| delay, PGlite (in-process) | ${fmt(liteDelay)} | ${WRITES} writes |`,
      `| actor reload after a change (loadMeterContext) | ${fmt(reload)} | 500 loads |`,
      `| UPDATE meters, announced (another writer) | ${announced.toFixed(0)} rows/s (${perWrite(announced).toFixed(3)} ms/row) | pgbench -n -c 2 -T ${SECONDS}, ${ROWS} rows/transaction, median of ${ROUNDS} |`,
      `| UPDATE meters, gridtwin's own (trigger returns at once) | ${own.toFixed(0)} rows/s (${perWrite(own).toFixed(3)} ms/row) | same |`,
      `| UPDATE meters, trigger disabled | ${off.toFixed(0)} rows/s (${perWrite(off).toFixed(3)} ms/row) | same |`,
      `| pgbench -N (ratio base, same run) | ${baseN.toFixed(0)} tps | pgbench -n -N -c 2 -T ${SECONDS} |`,
    ];
    const body = `\`npm run bench:change-feed -- --writes ${WRITES} --seconds ${SECONDS}\` — ${new Date().toISOString().slice(0, 10)} — ${machine()}
PostgreSQL 15 on this machine (shared with other work while measured).

| what | figure | how |
|---|---|---|
${rows.join('\n')}

Cost per row written: announced +${(perWrite(announced) - perWrite(off)).toFixed(3)} ms (${(100 * (1 - announced / off)).toFixed(1)}% fewer rows/s than without the trigger), gridtwin's own +${(perWrite(own) - perWrite(off)).toFixed(3)} ms (${(100 * (1 - own / off)).toFixed(1)}%).`;
    console.log(body);
    writeSection('bench:change-feed', body);
  } finally {
    await db.close();
    await tdb.drop();
  }
}

runMain(main);
