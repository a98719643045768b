import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimFleet, type FleetOptions } from './fleet';
import { type Clock, systemClock } from '../../../core/time';

/**
 * The HTTP shell shared by the vendor simulators: routing to a vendor's handler, latency, a real
 * sliding-window rate limit, fault injection and call counters. What is vendor-specific (paths, auth,
 * envelopes, the shape of a rate-limit answer) lives in each `<vendor>/simulator.ts`.
 */
export type SimFault = 'http5xx' | 'timeout' | 'html' | 'missingFields' | 'rateLimit' | 'expiredToken';

export interface SimulatorOptions extends FleetOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  latencyMs?: number;
  /** Data requests per rolling minute before the vendor's rate-limit answer; 0 = unlimited. */
  rateLimitPerMinute?: number;
  /** The clock of the vendor's rate windows (a test may run it faster than real time). Default the system clock. */
  rateClock?: Clock;
}

export interface SimRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: string;
  json: unknown;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body: unknown;
}

export interface VendorSimulation {
  /** Login/token paths: never rate limited nor faulted except by wrong credentials. */
  isAuthPath(path: string): boolean;
  handle(req: SimRequest): SimResponse | Promise<SimResponse>;
  rateLimited(retryAfterMs: number): SimResponse;
  /** Invalidate every issued token/session (the next data call gets the vendor's expiry answer). */
  expireTokens(): void;
  /** Keys removed from a success body by the `missingFields` fault. */
  essentialFields: readonly string[];
}

export interface SimCounters {
  total: number;
  byPath: Record<string, number>;
  authFailures: number;
  rateLimited: number;
  faults: number;
}

export interface RunningSimulator {
  readonly baseUrl: string;
  readonly port: number;
  readonly fleet: SimFleet;
  readonly counters: SimCounters;
  /** The next `times` data requests (all, when omitted) get the fault. */
  inject(fault: SimFault, opts?: { times?: number }): void;
  clearFaults(): void;
  expireTokens(): void;
  resetCounters(): void;
  close(): Promise<void>;
}

const HTML_ERROR_PAGE = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>';

export async function startSimulatorServer(
  opts: SimulatorOptions,
  build: (fleet: SimFleet, baseUrl: () => string) => VendorSimulation,
  idFor?: (i: number) => string,
): Promise<RunningSimulator> {
  const fleet = new SimFleet(opts, idFor);
  let baseUrl = '';
  const vendor = build(fleet, () => baseUrl);
  const counters: SimCounters = { total: 0, byPath: {}, authFailures: 0, rateLimited: 0, faults: 0 };
  const faults: { fault: SimFault; remaining: number }[] = [];
  const windowStarts: number[] = [];
  const latencyMs = opts.latencyMs ?? 0;
  const rpm = opts.rateLimitPerMinute ?? 0;

  const nextFault = (): SimFault | null => {
    const f = faults[0];
    if (!f) return null;
    f.remaining -= 1;
    if (f.remaining <= 0) faults.shift();
    return f.fault;
  };

  const rateClock = opts.rateClock ?? systemClock;
  // the vendor counts a request when it arrives, on its own clock
  const overRateLimit = (): number => {
    if (rpm <= 0) return 0;
    const now = rateClock();
    while (windowStarts.length > 0 && windowStarts[0]! <= now - 60_000) windowStarts.shift();
    if (windowStarts.length >= rpm) return windowStarts[0]! + 60_000 - now;
    windowStarts.push(now);
    return 0;
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const rawBody = await readBody(req);
    counters.total += 1;
    counters.byPath[url.pathname] = (counters.byPath[url.pathname] ?? 0) + 1;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    let json: unknown = undefined;
    try { json = rawBody ? JSON.parse(rawBody) : {}; } catch { json = undefined; }
    const simReq: SimRequest = { path: url.pathname, query: url.searchParams, headers: req.headers, rawBody, json };

    let out: SimResponse;
    const fault = vendor.isAuthPath(url.pathname) ? null : nextFault();
    if (fault) counters.faults += 1;
    if (fault === 'timeout') return; // never answer; close() destroys the socket
    if (fault === 'expiredToken') vendor.expireTokens();
    const wait = fault === 'rateLimit' ? 30_000 : vendor.isAuthPath(url.pathname) ? 0 : overRateLimit();
    if (fault === 'http5xx') out = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' };
    else if (fault === 'html') out = { status: 200, headers: { 'content-type': 'text/html' }, body: HTML_ERROR_PAGE };
    else if (wait > 0) {
      counters.rateLimited += 1;
      out = vendor.rateLimited(wait);
    } else {
      out = await vendor.handle(simReq);
      if (fault === 'missingFields' && typeof out.body === 'object') out = { ...out, body: strip(out.body, vendor.essentialFields) };
    }
    if (out.status === 401 || out.status === 403 || (out.headers?.['x-sim-auth-failure'] === '1')) counters.authFailures += 1;
    const body = typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
    const headers = { 'content-type': 'application/json;charset=UTF-8', ...out.headers };
    delete (headers as Record<string, string>)['x-sim-auth-failure'];
    res.writeHead(out.status, headers);
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`simulator error: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    baseUrl, port, fleet, counters,
    inject: (fault, o = {}) => { faults.push({ fault, remaining: o.times ?? Number.POSITIVE_INFINITY }); },
    clearFaults: () => { faults.length = 0; },
    expireTokens: () => vendor.expireTokens(),
    resetCounters: () => { Object.assign(counters, { total: 0, byPath: {}, authFailures: 0, rateLimited: 0, faults: 0 }); },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function strip(value: unknown, keys: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => strip(v, keys));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)).map(([k, v]) => [k, strip(v, keys)]));
  }
  return value;
}

/** Paged slice helper (1-based pages). */
export function page<T>(items: T[], pageNo: number, pageSize: number): T[] {
  const size = Math.max(1, Math.min(pageSize, 100));
  return items.slice((Math.max(1, pageNo) - 1) * size, Math.max(1, pageNo) * size);
}
