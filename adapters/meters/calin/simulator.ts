import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { encodeSimToken } from '../simulated/tokenCodec';
import { CALIN_PATHS, CALIN_RESULT, type CalinTokenType } from './protocol';

/**
 * A Calin API v1 stand-in on node:http: checks credentials, issues 20-digit tokens the simulated meters
 * accept, answers a replayed Idempotency-Key with the first answer (no second purchase), and injects faults.
 */
export interface CalinSimulatorOptions {
  company: string;
  user: string;
  password: string;
  /** When set, other meter numbers get METER_NOT_FOUND. */
  knownMeters?: readonly string[];
  /** Money per kWh when a purchase is not vended by unit. */
  tariffPerKwh?: number;
  delayMs?: number;
  port?: number;
}

const TYPE_BY_PATH = new Map<string, CalinTokenType>(Object.entries(CALIN_PATHS).map(([t, p]) => [p, t as CalinTokenType]));

export class CalinApiSimulator {
  url = '';
  /** Requests received per path, faulted ones included. */
  readonly calls = new Map<string, number>();
  /** Tokens issued per type: each is a purchase or maintenance action at the vendor. */
  readonly issued: Record<CalinTokenType, number> = { TOP_UP: 0, SET_POWER_LIMIT: 0, CLEAR_CREDIT: 0, CLEAR_TAMPER: 0 };
  /** Requests answered from the Idempotency-Key memory. */
  replays = 0;
  private readonly answers = new Map<string, unknown>();
  private failures: number[] = [];
  private ghosts = 0;
  private server?: Server;
  private seq = 0;

  constructor(private readonly opts: CalinSimulatorOptions) {}

  /** The next `count` requests fail with `status` before doing anything. */
  failNext(count: number, status = 500): this {
    for (let i = 0; i < count; i++) this.failures.push(status);
    return this;
  }
  /** The next `count` requests are carried out (token issued) but answered 500: the answer is lost. */
  loseAnswerNext(count = 1): this {
    this.ghosts += count;
    return this;
  }
  setDelay(ms: number): void { this.opts.delayMs = ms; }
  get purchases(): number { return this.issued.TOP_UP; }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
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
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    const send = (status: number, body: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const failure = this.failures.shift();
    if (failure !== undefined) return send(failure, { error: `injected ${failure}` });
    const type = TYPE_BY_PATH.get(path);
    if (req.method !== 'POST' || !type) return send(404, { error: 'not found' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(400, { error: 'malformed JSON' });
    }
    const key = req.headers['idempotency-key'];
    const memoKey = typeof key === 'string' && key ? `${path}|${key}` : undefined;
    let answer = memoKey ? this.answers.get(memoKey) : undefined;
    if (answer !== undefined) this.replays++;
    else {
      answer = this.process(type, body);
      if (memoKey && (answer as { result_code: number }).result_code === CALIN_RESULT.OK) this.answers.set(memoKey, answer);
    }
    if (this.ghosts > 0) {
      this.ghosts--;
      return send(500, { error: 'injected: answer lost after processing' });
    }
    send(200, answer);
  }

  private process(type: CalinTokenType, b: Record<string, unknown>): unknown {
    const o = this.opts;
    if (b.company_name !== o.company || b.user_name !== o.user || b.password !== o.password) {
      return { result_code: CALIN_RESULT.AUTH_FAILED, reason: 'user name or password error' };
    }
    const meter = b.meter_number;
    if (typeof meter !== 'string' || !meter || (o.knownMeters && !o.knownMeters.includes(meter))) {
      return { result_code: CALIN_RESULT.METER_NOT_FOUND, reason: 'meter not found' };
    }
    const idSource = `calin-sim:${++this.seq}:${meter}:${type}`;
    if (type === 'TOP_UP') {
      if (b.password_vend !== o.password) return { result_code: CALIN_RESULT.AUTH_FAILED, reason: 'vend password error' };
      const amount = b.amount;
      if (typeof amount !== 'number' || !(amount > 0)) return { result_code: CALIN_RESULT.INVALID_AMOUNT, reason: 'invalid amount' };
      const kwh = b.is_vend_by_unit === false ? amount / (o.tariffPerKwh ?? 1) : amount;
      this.issued.TOP_UP++;
      return { result_code: CALIN_RESULT.OK, reason: 'OK', result: { token: encodeSimToken(meter, { kind: 'TOP_UP', kwh, idSource }), total_unit: kwh, meter_number: meter } };
    }
    if (type === 'SET_POWER_LIMIT') {
      const w = b.max_power;
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 0) return { result_code: CALIN_RESULT.INVALID_AMOUNT, reason: 'invalid max_power' };
      this.issued.SET_POWER_LIMIT++;
      return { result_code: CALIN_RESULT.OK, reason: 'OK', result: encodeSimToken(meter, { kind: 'SET_POWER_LIMIT', powerLimitW: w, idSource }) };
    }
    this.issued[type]++;
    return { result_code: CALIN_RESULT.OK, reason: 'OK', result: encodeSimToken(meter, { kind: type, idSource }) };
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
    },
  });
  const sim = await new CalinApiSimulator({
    company: values.company, user: values.user, password: values.password, port: Number(values.port), delayMs: Number(values.delay),
  }).start();
  console.log(`Calin API v1 simulator on ${sim.url} (company ${values.company}, user ${values.user})`);
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
