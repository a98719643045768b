import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import type { Bus } from '../../adapters/bus';
import { detach } from '../../core/detached';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { Metrics } from '../../core/metrics';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import type { Reply } from '../../core/reply';
import type { Subjects } from '../../core/subjects';
import { extractToken, natsHeadersOf, type Authenticator, type Principal } from '../auth';
import { validate } from '../nats/endpoint';
import { authorizeRole, authorizeRoute } from './access';
import { API_ROUTES, pathParams, type ApiRoute } from './api';
import { buildOpenApi } from './openapi';
import { beginExchange, getAndHead, httpStatusFor, readHead, readJsonBody, send, sendError, sendJson, sendReply, type Exchange, type RequestHead } from './io';

export interface HttpDeps {
  bus: Bus;
  subjects: Subjects;
  auth: Authenticator;
  metrics: Metrics;
  logger: Logger;
  readiness: Record<string, () => Promise<boolean>>;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  pollTimeoutMs?: number;
  /** How long an Emlite sync may take (a sweep waits for its meters). */
  syncTimeoutMs?: number;
  /** The package version, in /openapi.json. */
  version: string;
  readinessTimeoutMs: number;
}

/** Every NATS-backed route as `METHOD /pattern` (uWS form). */
export const API_ROUTE_NAMES: readonly string[] = API_ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path.replace(/\{\w+\}/g, ':id')}`);

async function authenticate(deps: HttpDeps, head: RequestHead): Promise<Principal> {
  return deps.auth.authenticate(extractToken({ authorization: head.authorization, query: head.query, protocols: '' }));
}

async function runReadiness(deps: HttpDeps): Promise<{ ready: boolean; checks: Record<string, 'ok' | 'failing' | 'timeout'> }> {
  const entries = await Promise.all(
    Object.entries(deps.readiness).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), deps.readinessTimeoutMs)));
      const outcome = await Promise.race([check().then((ok) => (ok ? 'ok' : 'failing'), () => 'failing' as const), timeout]);
      clearTimeout(timer);
      return [name, outcome] as const;
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ready: entries.every(([, o]) => o === 'ok'), checks };
}

/** Answers an exchange from work that should not fail; if it does, the client gets the error and the failure is reported (detach). */
function answer(ex: Exchange, what: string, work: Promise<void>): void {
  detach(work.catch((e: unknown) => {
    sendError(ex, toGridtwinError(e));
    throw e;
  }), what);
}

export function registerHttpRoutes(app: TemplatedApp, deps: HttpDeps): void {
  getAndHead(app, '/healthz', (res, req) => sendJson(beginExchange(res, req), 200, { status: 'ok' }));

  getAndHead(app, '/readyz', (res, req) => {
    const ex = beginExchange(res, req);
    answer(ex, 'gateway: /readyz', runReadiness(deps).then(({ ready, checks }) => sendJson(ex, ready ? 200 : 503, { status: ready ? 'ready' : 'not-ready', checks })));
  });

  getAndHead(app, '/metrics', (res, req) => {
    const ex = beginExchange(res, req);
    answer(ex, 'gateway: /metrics', deps.metrics.registry.metrics().then((text) => send(ex, 200, text, deps.metrics.registry.contentType)));
  });

  const openapi = JSON.stringify(buildOpenApi(deps.version));
  getAndHead(app, '/openapi.json', (res, req) => {
    send(beginExchange(res, req), 200, openapi, 'application/json; charset=utf-8', { 'cache-control': 'no-cache' });
    countRequest(deps, '/openapi.json', 'get', 200);
  });

  for (const route of API_ROUTES) {
    const names = pathParams(route.path);
    const pattern = route.path.replace(/\{(\w+)\}/g, ':$1');
    const handler = (res: HttpResponse, req: HttpRequest) => {
      const head = readHead(req, names.length);
      const ex = beginExchange(res, req);
      const body = route.method === 'get' ? Promise.resolve({}) : readJsonBody(ex, deps.maxBodyBytes);
      answer(ex, `gateway: ${route.method.toUpperCase()} ${route.path}`, handleApi(deps, ex, head, body, route, names));
    };
    if (route.method === 'get') getAndHead(app, pattern, handler);
    else app[route.method](pattern, handler);
  }

  app.any('/api/*', (res, req) => sendError(beginExchange(res, req), new GridtwinError(ErrorCode.NOT_FOUND, 'no such API route')));
}

const countRequest = (deps: HttpDeps, route: string, method: string, status: number) =>
  deps.metrics.httpRequests.inc({ route, method: method.toUpperCase(), status: String(status) });

const PathId = z.string().regex(SUBJECT_SAFE_ID, 'must be a subject-safe id');

/** Query strings are flat: each key once (a repeated key is refused, not silently reduced to one value). */
function queryObject(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    if (Object.hasOwn(out, k)) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `query parameter ${k} given twice`, { details: [{ path: k, message: 'given twice' }] });
    out[k] = v;
  }
  return out;
}

function timeoutOf(deps: HttpDeps, route: ApiRoute): number {
  if (route.timeout === 'poll') return Math.max(deps.requestTimeoutMs, deps.pollTimeoutMs ?? 0);
  if (route.timeout === 'sync') return Math.max(deps.requestTimeoutMs, deps.syncTimeoutMs ?? 0);
  return deps.requestTimeoutMs;
}

async function handleApi(deps: HttpDeps, ex: Exchange, head: RequestHead, bodyP: Promise<unknown>, route: ApiRoute, names: string[]): Promise<void> {
  // Read the body even when auth fails, so the request is fully consumed before we answer.
  bodyP.catch(() => undefined);
  let status = 500;
  try {
    const principal = await authenticate(deps, head);
    const ctx = { bus: deps.bus, subjects: deps.subjects, principal, timeoutMs: deps.requestTimeoutMs };
    authorizeRole(ctx, route.role, route.operationId);
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      const r = PathId.safeParse(head.params[i]);
      if (!r.success) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `invalid ${name}`, { details: [{ path: name, message: r.error.issues[0]!.message }] });
      params[name] = r.data;
    });
    const raw = route.method === 'get' ? queryObject(head.query) : await bodyP;
    const schema = route.method === 'get' ? route.query ?? z.object({}).strict() : route.body ?? z.object({}).strict();
    if (route.idempotencyHeader && head.idempotencyKey && raw && typeof raw === 'object' && !('idempotencyKey' in raw)) {
      (raw as Record<string, unknown>).idempotencyKey = head.idempotencyKey;
    }
    const input = validate(schema, raw) as Record<string, unknown>;
    const allowed = await authorizeRoute(ctx, route.role, route.access, params, input);
    const payload = route.payload ? route.payload(params, allowed, principal) : allowed;
    if (deps.bus.status !== 'connected') throw new GridtwinError(ErrorCode.UNAVAILABLE, 'the message bus is disconnected');
    const reply = await deps.bus.request<Reply<unknown>>(route.subject(deps.subjects, params), payload, { timeoutMs: timeoutOf(deps, route), headers: natsHeadersOf(principal) });
    status = 'error' in reply ? httpStatusFor(reply.error.code) : route.okStatus ?? 200;
    sendReply(ex, reply, route.okStatus);
  } catch (e) {
    const err = toGridtwinError(e);
    if (err.code === ErrorCode.INTERNAL) deps.logger.error({ err: e, url: head.url }, 'gateway: HTTP handler failed');
    status = httpStatusFor(err.code);
    sendError(ex, err);
  } finally {
    countRequest(deps, route.path, route.method, status);
  }
}
