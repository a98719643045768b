import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  });
});

const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(env: Record<string, string>, argv: string[] = ['start'], viaNpm = false) {
  const env0 = { ...process.env };
  delete env0.DATABASE_URL;
  delete env0.NATS_URL;
  delete env0.GRIDTWIN_CREDENTIAL_KEY; // the standalone node keeps its own key
  const [cmd, args] = viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'bin/gridtwin.ts', ...argv]];
  const child = spawn(cmd, args, { env: { ...env0, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Every process writing to the pipes is gone (npm's node child included).
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, output: () => out, exited, closed };
}

async function until<T>(f: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch { /* not up yet */ }
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The pids of a process's children (Linux /proc). */
const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The plant polls counted on /metrics, by outcome. */
async function pollsByOutcome(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^gridtwin_plant_polls_total\{[^}]*outcome="(\w+)"[^}]*\} (\d+)$/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  return out;
}

describe('standalone node (npm start)', () => {
  it('starts with embedded PostgreSQL and the in-process bus, seeds a fleet, serves commands, stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gt-standalone-'));
    dirs.push(dir);
    const port = await freePort();
    const node = run({ GRIDTWIN_PGLITE_DIR: dir, GATEWAY_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    await until(async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 240_000);
    expect(node.output()).toContain('"mode":"standalone"');
    expect(node.output()).toContain('"database":"pglite"');
    expect(node.output()).toContain(`dashboard:  http://127.0.0.1:${port}/`);
    const created = await (await fetch(`${base}/api/meters/mtr-n3/interactions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'TURN_OFF' }),
    })).json() as { data: { id: string; status: string } };
    expect(created.data.status).toBe('QUEUED');
    const meter = await until(async () => {
      const r = await (await fetch(`${base}/api/meters/mtr-n3`)).json() as { data: { meter: { isOn: boolean | null } } };
      return r.data.meter.isOn === false ? r.data : undefined;
    }, 20_000);
    expect(meter.meter.isOn).toBe(false);
    const bad = await fetch(`${base}/api/meters/mtr-n3/interactions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"TOP_UP","params":{"kwh":-1}}' });
    expect(bad.status).toBe(400);
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  }, 360_000);

  it('SIGTERM to npm start stops the node itself; the credential key is generated once (0600), reused by the second start, a corrupt one is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gt-standalone-key-'));
    dirs.push(dir);
    const keyFile = join(dir, 'gridtwin-credential.key');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = run({ GRIDTWIN_PGLITE_DIR: dir, GATEWAY_PORT: String(port) }, [], true);
    await until(async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), 240_000);
    // npm runs the script with `exec`: its only child is the node (no shell in between that a signal would stop instead).
    const [nodePid, ...others] = childrenOf(first.child.pid!);
    expect(others).toEqual([]);
    expect(readFileSync(`/proc/${nodePid}/cmdline`, 'utf8')).toContain('bin/gridtwin.ts');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8');
    expect(Buffer.from(key.trim(), 'base64')).toHaveLength(32);
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    await first.closed;
    expect(Date.now() - signalledAt).toBeLessThan(30_000);
    expect(alive(nodePid!)).toBe(false);
    expect(first.output()).toMatch(/"signal":"SIGTERM".*"msg":"stopped"/);

    // Second start on the same folder: the same key, and the demo plants' stored credentials decrypt (their polls succeed).
    const second = run({ GRIDTWIN_PGLITE_DIR: dir, GATEWAY_PORT: String(port) });
    await until(async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), 240_000);
    const polls = await until(async () => {
      const p = await pollsByOutcome(base);
      return (p.SUCCESS ?? 0) + (p.PARTIAL ?? 0) >= 24 ? p : undefined;
    }, 120_000);
    expect(polls.FAILED ?? 0).toBe(0);
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    expect(second.output()).not.toContain('cannot be decrypted');
    expect(second.output()).not.toContain('plant poll failed');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // A key file that is not a key: the start stops and names the file.
    writeFileSync(keyFile, 'not a key\n', { mode: 0o600 });
    const third = run({ GRIDTWIN_PGLITE_DIR: dir, GATEWAY_PORT: String(port) });
    expect(await third.exited).toBe(1);
    expect(third.output()).toContain(`gridtwin: ${keyFile} is not a credential key (32 bytes, hex or base64)`);
  }, 600_000);

  it('--help and --version answer without starting anything; a wrong variable is named with what is allowed', async () => {
    const help = run({}, ['--help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toContain('usage: gridtwin');
    const version = run({}, ['--version']);
    expect(await version.exited).toBe(0);
    expect(version.output()).toMatch(/^gridtwin \d+\.\d+\.\d+\n$/);
    const bad = run({ LOG_LEVEL: 'loud' });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('LOG_LEVEL = "loud": Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"');
  }, 180_000);

  it('refuses half a production configuration instead of falling back', async () => {
    const node = run({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(await node.exited).toBe(1);
    expect(node.output()).toContain('set both DATABASE_URL and NATS_URL');
  }, 60_000);
});
