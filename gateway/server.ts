import { fileURLToPath } from 'node:url';
import type { TemplatedApp, us_listen_socket, us_socket } from 'uWebSockets.js';
import type { Bus, BusStatus } from '../adapters/bus';
import type { Config } from '../core/config';
import { detach } from '../core/detached';
import { ErrorCode, GridtwinError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { Metrics } from '../core/metrics';
import { subjects as makeSubjects } from '../core/subjects';
import { VERSION } from '../core/version';
import { createAuthenticator, extractToken, BEARER_PROTOCOL_PREFIX, type Principal } from './auth';
import { beginExchange, sendError } from './http/io';
import { registerHttpRoutes } from './http/routes';
import { registerDashboard } from './http/static';
import { Conn, type UserData } from './ws/connection';
import { TopicHub } from './ws/hub';
import { CloseCode, STATUS_TOPIC, type ServerMessage } from './ws/protocol';
import { Sessions } from './ws/session';
import { loadUws } from './uws';

export interface GatewayOptions {
  config: Config;
  bus: Bus;
  metrics: Metrics;
  logger: Logger;
  /** Named readiness checks for /readyz (e.g. database, bus, actors). */
  readiness?: Record<string, () => Promise<boolean>>;
  /** How long a socket may stay over its backpressure limit before it is closed with 4008. */
  backpressureGraceMs?: number;
  /** Timeout for snapshot and command requests to the runtime. */
  requestTimeoutMs?: number;
  /** Subscribe/unsubscribe rate per socket: burst and refill per second. */
  subscribeBurst?: number;
  subscribePerSec?: number;
  /** How long one /readyz check may take before it counts as failing. */
  readinessTimeoutMs?: number;
}

export interface Gateway {
  port: number;
  url: string;
  /** Connected WebSocket clients. */
  clientCount(): number;
  close(): Promise<void>;
}

const DEFAULTS = {
  backpressureGraceMs: 10_000,
  requestTimeoutMs: 10_000,
  subscribeBurst: 300,
  subscribePerSec: 100,
  maxInFlight: 64,
  maxPendingEvents: 1_000,
  readinessTimeoutMs: 2_000,
};

const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));


/** Chooses the subprotocol to echo: browsers require one of those offered, preferably not the token. */
function chooseProtocol(offered: string): string {
  const list = offered.split(',').map((p) => p.trim()).filter(Boolean);
  return list.find((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX)) ?? list[0] ?? '';
}

const refusal = (e: unknown): GridtwinError => (e instanceof GridtwinError ? e : new GridtwinError(ErrorCode.UNAUTHORIZED, 'invalid token'));

/** One uWS App serving `/ws`, the HTTP API, health, metrics and the operator dashboard. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const o = { ...DEFAULTS, ...opts };
  const { config, bus, metrics, logger } = o;
  const g = config.gateway;
  const { uws: uWS, build, skipped } = loadUws();
  logger.info({ build, skipped }, 'gateway: uWebSockets.js build loaded');
  metrics.buildInfo.set({ version: VERSION, node: process.version, uws: build }, 1);
  if (!g.jwtSecret && !g.jwksUrl && !g.allowAnonymous) {
    logger.warn('gateway: no jwtSecret, jwksUrl or allowAnonymous: every client will be refused');
  }
  const subjects = makeSubjects(config.prefix);
  const auth = createAuthenticator(g);
  const app: TemplatedApp = uWS.App();
  const hub = new TopicHub(app, bus, metrics, logger);
  const sessions = new Sessions(hub, bus, subjects, {
    maxTopicsPerSocket: g.maxTopicsPerSocket,
    subscribeBurst: o.subscribeBurst,
    subscribePerSec: o.subscribePerSec,
    maxInFlight: o.maxInFlight,
    requestTimeoutMs: o.requestTimeoutMs,
    pollTimeoutMs: config.solar.pollDeadlineMs + 5_000,
  }, logger);
  const conns = new Set<Conn>();
  let nextConnId = 1;
  let closing = false;
  const natsState = (s: BusStatus): 'connected' | 'disconnected' => (s === 'connected' ? 'connected' : 'disconnected');
  let lastNats = natsState(bus.status);

  const onSlowClose = (conn: Conn, slowForMs: number) => {
    metrics.wsDropped.inc({ reason: 'closed_slow' });
    logger.warn({ conn: conn.id, slowForMs }, 'gateway: closing a client that stayed over its backpressure limit');
    conn.end(CloseCode.TOO_SLOW, 'backpressure: client too slow');
  };

  app.ws<UserData>('/ws', {
    maxPayloadLength: g.maxPayloadBytes,
    idleTimeout: g.idleTimeoutSec,
    sendPingsAutomatically: true,
    // Our own limit is enforced before every publish; uWS's hard cap only guards against runaway replies.
    maxBackpressure: g.maxBackpressureBytes * 4 + (1 << 20),
    closeOnBackpressureLimit: 0,
    upgrade: (res, req, context) => {
      const key = req.getHeader('sec-websocket-key');
      const protocols = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const token = extractToken({ authorization: req.getHeader('authorization'), query: req.getQuery() ?? '', protocols });
      const upgrade = (principal: Principal) => {
        const conn = new Conn(nextConnId++, principal, {
          maxBackpressureBytes: g.maxBackpressureBytes,
          backpressureGraceMs: o.backpressureGraceMs,
          maxPendingEvents: o.maxPendingEvents,
        }, metrics, onSlowClose);
        res.upgrade<UserData>({ conn }, key, chooseProtocol(protocols), extensions, context);
      };
      let checked: Principal | Promise<Principal>;
      try {
        checked = closing ? Promise.reject(new GridtwinError(ErrorCode.UNAVAILABLE, 'gateway shutting down')) : auth.authenticate(token);
      } catch (e) {
        return sendError(beginExchange(res), refusal(e));
      }
      // Anonymous and HS256: upgrade inside uWS's own handler (completing an upgrade later, corked, is what
      // dropped rare sockets with 1006 on the bundled uWS core). Only a JWKS lookup completes asynchronously.
      if (!(checked instanceof Promise)) return upgrade(checked);
      const ex = beginExchange(res);
      detach(checked.then(
        (principal) => {
          if (ex.aborted) return; // the client went away while the token was being checked
          if (closing) return sendError(ex, new GridtwinError(ErrorCode.UNAVAILABLE, 'gateway shutting down'));
          ex.aborted = true;
          res.cork(() => upgrade(principal));
        },
        (e: unknown) => sendError(ex, refusal(e)),
      ), 'gateway: WS upgrade');
    },
    open: (ws) => {
      const conn = ws.getUserData().conn;
      conn.attach(ws);
      conns.add(conn);
      metrics.wsClients.set(conns.size);
      ws.subscribe(STATUS_TOPIC);
      conn.send({ type: 'status', nats: lastNats });
    },
    message: (ws, message, isBinary) => sessions.onMessage(ws.getUserData().conn, message, isBinary),
    drain: (ws) => ws.getUserData().conn.onDrain(),
    close: (ws) => {
      const conn = ws.getUserData().conn;
      sessions.onClose(conn);
      conn.markClosed();
      conns.delete(conn);
      metrics.wsClients.set(conns.size);
    },
  });

  registerHttpRoutes(app, {
    bus, subjects, auth, metrics, logger,
    readiness: o.readiness ?? {},
    maxBodyBytes: g.maxPayloadBytes,
    requestTimeoutMs: o.requestTimeoutMs,
    pollTimeoutMs: config.solar.pollDeadlineMs + 5_000,
    syncTimeoutMs: config.emlite.deadlineMs * 12 + 5_000,
    version: VERSION,
    readinessTimeoutMs: o.readinessTimeoutMs,
  });
  registerDashboard(app, DASHBOARD_DIR);
  app.any('/*', (res, req) => sendError(beginExchange(res, req), new GridtwinError(ErrorCode.NOT_FOUND, 'not found')));

  const stopStatus = bus.onStatus((s) => {
    const next = natsState(s);
    if (next === lastNats) return;
    lastNats = next;
    logger.warn({ nats: next }, 'gateway: bus status changed');
    app.publish(STATUS_TOPIC, JSON.stringify({ type: 'status', nats: next } satisfies ServerMessage));
  });

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(g.host, g.port, (s) => (s ? resolve(s) : reject(new GridtwinError(ErrorCode.UNAVAILABLE, `cannot listen on ${g.host}:${g.port}`))));
  });
  const port = uWS.us_socket_local_port(listenSocket as unknown as us_socket);
  const url = `http://${g.host}:${port}`;
  logger.info({ url, dashboard: `${url}/`, ws: `ws://${g.host}:${port}/ws` }, 'gateway listening');

  return {
    port,
    url,
    clientCount: () => conns.size,
    async close() {
      if (closing) return;
      closing = true;
      stopStatus();
      uWS.us_listen_socket_close(listenSocket);
      for (const conn of [...conns]) conn.end(CloseCode.GOING_AWAY, 'server shutting down');
      hub.closeAll();
      (app as TemplatedApp & { close?: () => void }).close?.();
    },
  };
}
