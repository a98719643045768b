import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port (polls; the servers start in well under a minute). */
export async function waitForPort(port: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const uid = async (user: string) => Number((await run('id', ['-u', user])).stdout.trim());
const gid = async (user: string) => Number((await run('id', ['-g', user])).stdout.trim());

/**
 * A PostgreSQL cluster of the test's own (never the shared one): initdb + pg_ctl as user postgres on a free
 * port, data under a temporary folder. stop()/start() are the outage; destroy() removes everything.
 */
export class OwnPostgres {
  private constructor(readonly dir: string, readonly port: number) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<OwnPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'gt-faults-pg-'));
    chownSync(dir, await uid('postgres'), await gid('postgres'));
    const pg = new OwnPostgres(dir, await freePort());
    await run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/initdb`, '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await pg.start();
    return pg;
  }

  async start(): Promise<void> {
    await run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-t', '120',
      '-o', `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off`, 'start']);
    await waitForPort(this.port);
  }

  /** Fast shutdown: sessions are terminated (57P01), new connections refused. */
  async stop(): Promise<void> {
    await run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', join(this.dir, 'data'), '-m', 'fast', '-w', '-t', '120', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A nats-server (JetStream) of the test's own on a free port with its own store; stop()/start() keep port and store. */
export class OwnNats {
  private proc: ChildProcess | null = null;
  private constructor(readonly dir: string, readonly port: number) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<OwnNats> {
    const n = new OwnNats(mkdtempSync(join(tmpdir(), 'gt-faults-nats-')), await freePort());
    await n.start();
    return n;
  }

  async start(): Promise<void> {
    this.proc = spawn('/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dir], { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    this.proc = null;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
