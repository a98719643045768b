import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { decodeJson, encodeJson } from '../../adapters/bus/types';
import type { Reply } from '../../core/reply';
import { subjects as makeSubjects, type Subjects } from '../../core/subjects';

const ROOT = new URL('../../', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * A gridtwin node as a child process (`node --import tsx bin/gridtwin.ts start`: one process, so kill -9 kills the
 * node itself). `argv` runs another entry instead, e.g. `['test/faults/node.ts', JSON.stringify(config)]` for options
 * the environment does not set.
 */
export class NodeProcess {
  proc: ChildProcess | null = null;
  log = '';
  exited: Promise<number | null> = Promise.resolve(null);

  constructor(readonly id: string, private readonly env: Record<string, string>, private readonly argv: string[] = ['bin/gridtwin.ts', 'start']) {}

  start(): this {
    this.proc = spawn(process.execPath, ['--import', 'tsx', ...this.argv], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, GRIDTWIN_NODE_ID: this.id },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => { this.log = (this.log + d.toString()).slice(-20_000); };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    const p = this.proc;
    this.exited = new Promise((r) => p.once('exit', (code) => r(code)));
    return this;
  }

  kill(signal: NodeJS.Signals): void {
    this.proc?.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc?.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(t);
  }
}

export interface ClusterClient {
  nc: NatsConnection;
  s: Subjects;
  request<T>(subject: string, body?: unknown, timeoutMs?: number): Promise<Reply<T>>;
  nodeStatus(id: string): Promise<{ nodeId: string; partitions: Array<{ partition: number; epoch: number; state: string }>; actors: string[]; leader: boolean } | null>;
  close(): Promise<void>;
}

export async function clusterClient(servers: string | string[], prefix: string): Promise<ClusterClient> {
  const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  const s = makeSubjects(prefix);
  const request = async <T>(subject: string, body: unknown = {}, timeoutMs = 20_000): Promise<Reply<T>> =>
    decodeJson<Reply<T>>((await nc.request(subject, encodeJson(body), { timeout: timeoutMs })).data);
  return {
    nc, s, request,
    async nodeStatus(id) {
      try {
        const r = await request<Awaited<ReturnType<ClusterClient['nodeStatus']>>>(s.clusterNodeStatus(id), {}, 2_000);
        return 'data' in r ? r.data : null;
      } catch {
        return null;
      }
    },
    close: () => nc.drain(),
  };
}

export interface FleetSpec {
  organization: string;
  grid: string;
  dcu: string;
  dcuReference: string;
  meters: readonly string[];
  serial: (i: number) => string;
  /** Extra fields on every meter (e.g. a tariff). */
  meter?: Record<string, unknown>;
}

/** Registers one organization, grid and DCU and the given CALIN_V2 meters (seen now) through the public subjects. */
export async function registerFleet(c: ClusterClient, f: FleetSpec): Promise<void> {
  const call = async (subject: string, body: unknown) => {
    const r = await c.request(subject, body);
    if (!('data' in r)) throw new Error(JSON.stringify(r.error));
  };
  await call(c.s.registryUpsert('organization'), { id: f.organization, name: f.organization });
  await call(c.s.registryUpsert('grid'), { id: f.grid, organizationId: f.organization, name: f.grid });
  await call(c.s.registryUpsert('dcu'), { id: f.dcu, gridId: f.grid, externalReference: f.dcuReference });
  const now = new Date().toISOString();
  await Promise.all(f.meters.map((id, i) => call(c.s.registryUpsert('meter'), {
    id, serial: f.serial(i), protocol: 'CALIN_V2', gridId: f.grid, dcuId: f.dcu, lastSeenAt: now, ...f.meter,
  })));
}

/** A nats-server of our own (JetStream in a temp dir), optionally one of a cluster. */
export class NatsServerProcess {
  proc: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'gt-nats-'));
  log = '';
  constructor(readonly name: string, readonly port: number, private readonly cluster?: { port: number; routes: number[] }) {}

  get url() { return `nats://127.0.0.1:${this.port}`; }

  async start(): Promise<void> {
    const conf = [
      `server_name: ${this.name}`, `listen: 127.0.0.1:${this.port}`,
      `jetstream { store_dir: "${join(this.dir, 'js')}" }`,
      this.cluster ? `cluster { name: gt, listen: 127.0.0.1:${this.cluster.port}, routes: [${this.cluster.routes.map((r) => `nats-route://127.0.0.1:${r}`).join(', ')}] }` : '',
    ].join('\n');
    writeFileSync(join(this.dir, 'nats.conf'), conf);
    this.proc = spawn('/usr/sbin/nats-server', ['-c', join(this.dir, 'nats.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => { this.log = (this.log + d.toString()).slice(-20_000); };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (/Server is ready/.test(this.log)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server ${this.name} did not start:\n${this.log}`);
  }

  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return;
    const p = this.proc;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await done;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
