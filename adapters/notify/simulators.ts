import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { detach } from '../../core/detached';

/**
 * HTTP receivers standing in for the order webhook (FlowXO), Telegram's Bot API and the analytics API.
 * They record every request, count a delivery once per Idempotency-Key (a replayed key is answered 200
 * and counted as a duplicate, not a delivery), and can fail the first N requests or be slow.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  idempotencyKey?: string;
  body: unknown;
  at: number;
}

export interface HttpSinkSimulatorOptions {
  /** Fail the first N requests with `failStatus`. */
  failFirst?: number;
  failStatus?: number;
  /** Sent as Retry-After (seconds) with injected failures. */
  retryAfterSeconds?: number;
  /** Wait this long before answering each request. */
  delayMs?: number;
  port?: number;
}

type Route = (req: RecordedRequest) => { status: number; body: unknown } | undefined;

export class HttpSinkSimulator {
  /** Every request received, failed ones included. */
  readonly requests: RecordedRequest[] = [];
  /** Requests accepted as new deliveries (first success per Idempotency-Key). */
  readonly deliveries: RecordedRequest[] = [];
  /** Requests that replayed an already-delivered key. */
  duplicates = 0;
  private readonly forced: number[] = [];
  private readonly delivered = new Set<string>();
  private server?: Server;
  private failuresLeft: number;
  url = '';

  constructor(private readonly opts: HttpSinkSimulatorOptions = {}, private readonly route: Route = () => undefined) {
    this.failuresLeft = opts.failFirst ?? 0;
  }

  /** Answers the next requests with these statuses, in order (before failFirst applies). */
  respondNext(...statuses: number[]): this {
    this.forced.push(...statuses);
    return this;
  }
  setDelay(ms: number): void { this.opts.delayMs = ms; }

  deliveryCount(idempotencyKey?: string): number {
    return idempotencyKey === undefined ? this.deliveries.length : this.deliveries.filter((d) => d.idempotencyKey === idempotencyKey).length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => detach(this.handle(req, res), 'notify simulator request'));
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
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try { body = raw ? JSON.parse(raw) : undefined; } catch { /* keep raw text */ }
    const key = req.headers['idempotency-key'];
    const rec: RecordedRequest = {
      method: req.method ?? '', path: req.url ?? '', headers: req.headers,
      idempotencyKey: typeof key === 'string' ? key : undefined, body, at: Date.now(),
    };
    this.requests.push(rec);
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    const forced = this.forced.shift();
    if (forced !== undefined && forced >= 300) return send(forced, { ok: false, error: `injected ${forced}` }, this.retryAfter());
    if (forced === undefined && this.failuresLeft > 0) {
      this.failuresLeft--;
      const status = this.opts.failStatus ?? 500;
      return send(status, { ok: false, error: `injected ${status}` }, this.retryAfter());
    }
    const routed = this.route(rec);
    if (routed && routed.status >= 300) return send(routed.status, routed.body);
    if (rec.idempotencyKey && this.delivered.has(rec.idempotencyKey)) {
      this.duplicates++;
    } else {
      if (rec.idempotencyKey) this.delivered.add(rec.idempotencyKey);
      this.deliveries.push(rec);
    }
    send(routed?.status ?? 200, routed?.body ?? { ok: true });
  }

  private retryAfter(): Record<string, string> {
    return this.opts.retryAfterSeconds === undefined ? {} : { 'retry-after': String(this.opts.retryAfterSeconds) };
  }
}

/** FlowXO-style order webhook receiver; POST anywhere. */
export const createOrderWebhookSimulator = (opts: HttpSinkSimulatorOptions = {}) => new HttpSinkSimulator(opts);

/** READ_REPORT analytics receiver; POST anywhere. */
export const createReadReportSimulator = (opts: HttpSinkSimulatorOptions = {}) => new HttpSinkSimulator(opts);

/** Telegram Bot API: only `POST /bot<botToken>/sendMessage` with chat_id and text succeeds, as Telegram answers. */
export function createTelegramSimulator(opts: HttpSinkSimulatorOptions & { botToken: string }): HttpSinkSimulator {
  let messageId = 0;
  return new HttpSinkSimulator(opts, (req) => {
    if (req.path !== `/bot${opts.botToken}/sendMessage`) {
      return req.path.endsWith('/sendMessage')
        ? { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } }
        : { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
    }
    const b = req.body as { chat_id?: unknown; text?: unknown } | undefined;
    if (!b || (typeof b.chat_id !== 'string' && typeof b.chat_id !== 'number') || typeof b.text !== 'string' || !b.text) {
      return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' } };
    }
    return { status: 200, body: { ok: true, result: { message_id: ++messageId, chat: { id: b.chat_id }, date: Math.floor(Date.now() / 1000), text: b.text } } };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'webhook' },
      port: { type: 'string', default: '8091' },
      'fail-first': { type: 'string', default: '0' },
      delay: { type: 'string', default: '0' },
      'bot-token': { type: 'string', default: 'demo:token' },
    },
  });
  const opts = { port: Number(values.port), failFirst: Number(values['fail-first']), delayMs: Number(values.delay) };
  const sim =
    values.kind === 'telegram' ? createTelegramSimulator({ ...opts, botToken: values['bot-token'] })
    : values.kind === 'analytics' ? createReadReportSimulator(opts)
    : createOrderWebhookSimulator(opts);
  await sim.start();
  console.log(`${values.kind} simulator on ${sim.url}`);
  const timer = setInterval(() => console.log(`requests ${sim.requests.length}, deliveries ${sim.deliveries.length}, duplicates ${sim.duplicates}`), 10_000);
  const stop = () => { clearInterval(timer); detach(sim.stop().then(() => process.exit(0)), 'simulator stop'); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
