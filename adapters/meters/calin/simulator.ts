import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { SimMeterState } from '../simulated/meterState';
import { CalinSimMeters, type SimMeterFaults } from './simMeters';
import { handleV1, isV1Path, isV1TokenPath, type V1Accounts, type V1Counters } from './simV1';
import { CalinV2Sim, isV2Path, type V2Counters } from './simV2';
import { HOUR_MS, systemClock } from '../../../core/time';

/**
 * A Calin HTTP API stand-in on node:http serving both the v1 API (remote tasks, POS and maintenance tokens)
 * and the v2 API (JWT login, remote meter tasks, token generation) in front of simulated meters that apply
 * commands the way the in-process fleet does. Used by `npm start` for CALIN_V1 / CALIN_V2 meters and by the
 * tests. Faults: failNext (HTTP status before anything happens), loseAnswerNext (carried out, answered 500),
 * htmlNext (an HTML page, as Calin serves on some failures), setDelay, unreachable / refusing meters,
 * expireTokens (v2). A replayed Idempotency-Key on a token call gets the first answer — gridtwin's safety
 * net, not something the real API is known to do.
 */
export interface CalinSimulatorOptions {
  company: string;
  /** The POS account; also the default for the others. */
  user: string;
  password: string;
  adminUser?: string;
  adminPassword?: string;
  maintenanceUser?: string;
  maintenancePassword?: string;
  /** v2 account (defaults: the POS user and password) and its customer id. */
  v2User?: string;
  v2Password?: string;
  v2PosPassword?: string;
  v2CustomerId?: string;
  jwtTtlMs?: number;
  /** When set, other meter numbers are unknown to Calin. */
  knownMeters?: readonly string[];
  /** How long a remote task takes before the meter has carried it out. */
  taskDelayMs?: number;
  delayMs?: number;
  seed?: number;
  port?: number;
}

type Fault = { kind: 'status'; status: number } | { kind: 'html' };

export class CalinApiSimulator {
  url = '';
  /** Requests received per path, faulted ones included. */
  readonly calls = new Map<string, number>();
  readonly v1Counters: V1Counters = { issued: { TOP_UP: 0, SET_POWER_LIMIT: 0, CLEAR_CREDIT: 0, CLEAR_TAMPER: 0 } };
  readonly v2Counters: V2Counters = { logins: 0, issued: { TOP_UP: 0, SET_POWER_LIMIT: 0, CLEAR_CREDIT: 0, CLEAR_TAMPER: 0 } };
  /** Token requests answered from the Idempotency-Key memory. */
  replays = 0;
  readonly meters: CalinSimMeters;
  private readonly v2: CalinV2Sim;
  private readonly accounts: V1Accounts;
  private readonly answers = new Map<string, unknown>();
  private faults: Fault[] = [];
  private ghosts = 0;
  private server?: Server;

  constructor(private readonly opts: CalinSimulatorOptions) {
    const pos = { user: opts.user, password: opts.password };
    this.accounts = {
      company: opts.company, pos,
      admin: { user: opts.adminUser ?? opts.user, password: opts.adminPassword ?? opts.password },
      maintenance: { user: opts.maintenanceUser ?? opts.user, password: opts.maintenancePassword ?? opts.password },
    };
    this.meters = new CalinSimMeters({ seed: opts.seed ?? 1, knownMeters: opts.knownMeters, taskDelayMs: () => this.opts.taskDelayMs ?? 0, now: systemClock });
    this.v2 = new CalinV2Sim({
      company: opts.company, user: opts.v2User ?? opts.user, password: opts.v2Password ?? opts.password,
      posPassword: opts.v2PosPassword ?? opts.password, customerId: opts.v2CustomerId ?? 'sim-customer', jwtTtlMs: opts.jwtTtlMs ?? HOUR_MS,
    }, this.meters, this.v2Counters);
  }

  /** v1 tokens issued (purchases and maintenance actions). */
  get issued(): V1Counters['issued'] { return this.v1Counters.issued; }
  get purchases(): number { return this.v1Counters.issued.TOP_UP; }

  failNext(count: number, status = 500): this {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'status', status });
    return this;
  }
  htmlNext(count = 1): this {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'html' });
    return this;
  }
  loseAnswerNext(count = 1): this {
    this.ghosts += count;
    return this;
  }
  setDelay(ms: number): void { this.opts.delayMs = ms; }
  setTaskDelay(ms: number): void { this.opts.taskDelayMs = ms; }
  setMeterFaults(meterNo: string, faults: SimMeterFaults): void { this.meters.faults.set(meterNo, faults); }
  expireTokens(): void { this.v2.expireTokens(); }
  /** The simulated meter (created on first use), to set up or inspect. */
  meter(meterNo: string): SimMeterState {
    const m = this.meters.meter(meterNo);
    if (!m) throw new RangeError(`meter ${meterNo} is not known to this simulator`);
    return m;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => { if (!res.headersSent) res.writeHead(500).end(); else res.destroy(); });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.opts.port ?? 0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    // MicroPowerManager calls POS_Purchase with a trailing slash; Calin answers both
    const path = ((req.url ?? '').split('?')[0] ?? '').replace(/(.)\/+$/, '$1');
    this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    const send = (status: number, body: unknown, type = 'application/json; charset=utf-8') => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const fault = this.faults.shift();
    if (fault?.kind === 'status') return send(fault.status, { Message: `injected ${fault.status}` });
    if (fault?.kind === 'html') return send(200, '<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>', 'text/html; charset=utf-8');
    if (req.method !== 'POST' || !(isV1Path(path) || isV2Path(path))) return send(404, { Message: 'No HTTP resource was found that matches the request URI.' });
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(400, { Message: 'The request is invalid.' });
    }
    const answer = await this.answer(path, body, req.headers);
    if (this.ghosts > 0) {
      this.ghosts--;
      return send(500, { Message: 'injected: answer lost after processing' });
    }
    send(answer.status, answer.body);
  }

  private async answer(path: string, body: unknown, headers: IncomingMessage['headers']): Promise<{ status: number; body: unknown }> {
    if (isV2Path(path)) return this.v2.handle(path, body, headers.authorization);
    const key = headers['idempotency-key'];
    const memoKey = isV1TokenPath(path) && typeof key === 'string' && key ? `${path}|${key}` : undefined;
    const known = memoKey ? this.answers.get(memoKey) : undefined;
    if (known !== undefined) {
      this.replays++;
      return { status: 200, body: known };
    }
    const answer = handleV1(path, (body ?? {}) as Record<string, unknown>, this.accounts, this.meters, this.v1Counters);
    if (memoKey && (answer as { result_code?: number }).result_code === 0) this.answers.set(memoKey, answer);
    return { status: 200, body: answer };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8090' },
      company: { type: 'string', default: 'demo' },
      user: { type: 'string', default: 'demo' },
      password: { type: 'string', default: 'demo' },
      delay: { type: 'string', default: '0' },
      'task-delay': { type: 'string', default: '2000' },
    },
  });
  const sim = await new CalinApiSimulator({
    company: values.company, user: values.user, password: values.password, port: Number(values.port),
    delayMs: Number(values.delay), taskDelayMs: Number(values['task-delay']),
  }).start();
  console.log(`Calin API v1 + v2 simulator on ${sim.url} (company ${values.company}, user ${values.user})`);
  const stop = () => {
    sim.stop().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
