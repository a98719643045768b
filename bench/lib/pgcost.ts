import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Database } from '../../persistence';
import { createTestDatabase } from '../../test/helpers/db';

const run = promisify(execFile);
/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every common kernel — `getconf CLK_TCK`). */
const CLK_TCK = 100;

/**
 * `pgbench -N -c 8 -j 2 -T <s>` (TPC-B without the branch/teller updates: 3 writes + 1 read per transaction) on a
 * fresh database of the same server: the ratio base, measured in the same run as the figure it divides.
 */
export async function pgbenchTps(seconds = 10): Promise<number> {
  const t = await createTestDatabase('pgbench');
  try {
    await run('pgbench', ['-i', '-q', '-s', '10', t.url], { maxBuffer: 1 << 24 });
    const { stdout } = await run('pgbench', ['-N', '-c', '8', '-j', '2', '-T', String(seconds), t.url], { maxBuffer: 1 << 24 });
    const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
    if (!m) throw new Error(`pgbench: no tps in ${stdout}`);
    return Number(m[1]);
  } finally {
    await t.drop();
  }
}

const ticksOf = (pid: number): number => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15 of the line)
  } catch {
    return 0;
  }
};

/**
 * CPU of the PostgreSQL backends serving this database only (not the server's shared processes, not other
 * databases: the server is shared with other work on this machine). Call `stop()` for the CPU seconds since.
 */
export async function databaseCpu(db: Database) {
  const pids = async () => (await db.sql.all<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`)).map((r) => Number(r.pid));
  const commits = async () => Number((await db.sql.one<{ n: string }>(`select xact_commit as n from pg_stat_database where datname = current_database()`))!.n);
  const start = new Map((await pids()).map((p) => [p, ticksOf(p)]));
  const c0 = await commits();
  return {
    async stop() {
      let ticks = 0;
      for (const p of new Set([...start.keys(), ...(await pids())])) ticks += Math.max(0, ticksOf(p) - (start.get(p) ?? 0));
      return { cpuSeconds: ticks / CLK_TCK, commits: (await commits()) - c0 };
    },
  };
}
