import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, runMain, writeSection } from './lib/report';

/**
 * bench:startup — `npm start` twice on one fresh data folder (standalone: PGlite, in-process bus, demo): time from
 * spawning npm to the first `/healthz` 200, cold then warm, and the node's own `startMs` and phases from its log.
 * Issue 15 wants the warm second start under 5 s.
 */
const RUNS = Number(process.env.STARTUP_RUNS ?? 2);
/** `start` (tsx over the sources) by default; `start:dist` times the compiled node (`npm run build` first). */
const SCRIPT = process.env.STARTUP_SCRIPT ?? 'start';
const GOAL_MS = 5_000;

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  });
});

/** CPU time (user + system) of a process and its descendants so far, in ms: a figure the machine's load does not inflate. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = (Number(f[11]) + Number(f[12])) * 10; // utime, stime in clock ticks of 10 ms
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return own + children.reduce((sum, c) => sum + cpuMs(c), 0);
  } catch {
    return 0; // not Linux, or the process is gone
  }
}

interface Run { label: string; healthzMs: number; cpuMs: number; startMs: number | null; phases: Record<string, number> | null; stopMs: number; exitCode: number | null }

async function startOnce(label: string, dir: string): Promise<Run> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, GRIDTWIN_PGLITE_DIR: dir, GATEWAY_PORT: String(port), LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.NATS_URL;
  const t0 = performance.now();
  const child = spawn('npm', ['run', SCRIPT, '--silent'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let healthzMs = -1;
  let cpu = 0;
  while (healthzMs < 0) {
    if (child.exitCode !== null) throw new Error(`${label}: npm start exited ${child.exitCode}\n${out}`);
    if (performance.now() - t0 > 300_000) throw new Error(`${label}: no /healthz 200 in 300 s\n${out}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) {
      healthzMs = performance.now() - t0;
      cpu = cpuMs(child.pid!);
    }
    else await new Promise((r) => setTimeout(r, 50));
  }
  const started = out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; startMs?: number; phases?: Record<string, number> })
    .find((l) => l.msg === 'gridtwin node started');
  const s0 = performance.now();
  child.kill('SIGTERM');
  const exitCode = await exited;
  return { label, healthzMs, cpuMs: cpu, startMs: started?.startMs ?? null, phases: started?.phases ?? null, stopMs: performance.now() - s0, exitCode };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gt-startup-'));
  const load = loadavg().map((l) => l.toFixed(2)).join(', ');
  const runs: Run[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const run = await startOnce(i === 0 ? 'first (cold: empty folder)' : `warm #${i}`, dir);
      runs.push(run);
      console.log(`${run.label}: /healthz 200 after ${Math.round(run.healthzMs)} ms, CPU ${run.cpuMs} ms (node startMs ${run.startMs ?? '?'}; stop ${Math.round(run.stopMs)} ms, exit ${run.exitCode})`);
      if (run.phases) console.log(`  phases ms: ${Object.entries(run.phases).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const warm = runs.slice(1);
  const rows = runs.map((r) => `| ${r.label} | ${Math.round(r.healthzMs)} ms | ${r.cpuMs} ms | ${r.startMs ?? '?'} ms | ${r.phases ? Object.entries(r.phases).map(([k, v]) => `${k} ${v}`).join(', ') : '–'} | ${r.exitCode} |`);
  const verdict = warm.length ? `warm start ${warm.every((r) => r.healthzMs < GOAL_MS) ? 'under' : 'OVER'} the ${GOAL_MS / 1000} s goal` : 'no warm run';
  console.log(`${verdict}; load average before the runs: ${load}`);
  writeSection(SCRIPT === 'start' ? 'bench:startup' : `bench:startup (${SCRIPT})`, [
    `\`${SCRIPT === 'start' ? '' : `STARTUP_SCRIPT=${SCRIPT} `}npm run bench:startup\` — ${new Date().toISOString().slice(0, 10)} — ${machine()} — load average before: ${load}`,
    '',
    `\`npm run ${SCRIPT}\` (standalone: PGlite in a fresh temp folder, in-process bus, simulators and demo) started, timed to the first \`/healthz\` 200, stopped with SIGTERM; then started again on the same folder. "node startMs" is the node's own figure from its "gridtwin node started" log line (after \`bin/gridtwin.ts\` and the config are loaded); CPU is user + system time of npm and node from /proc, which a loaded machine does not inflate the way it inflates wall time.`,
    '',
    `| start | npm run ${SCRIPT} → /healthz 200 | CPU used until then (npm + node) | node startMs | phases (ms) | exit code after SIGTERM |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Result: ${verdict}.`,
  ].join('\n'));
}

runMain(main);
