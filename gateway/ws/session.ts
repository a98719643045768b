import type { Bus } from '../../adapters/bus';
import { detach } from '../../core/detached';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { Reply } from '../../core/reply';
import type { Subjects } from '../../core/subjects';
import { natsHeadersOf } from '../auth';
import { isCommandName, runCommand } from './commands';
import type { Conn } from './connection';
import type { TopicHub } from './hub';
import { ClientMessageSchema, type CorrelationId } from './protocol';
import { resolveTopic, type TopicSpec } from './topics';

export interface SessionLimits {
  maxTopicsPerSocket: number;
  /** Subscribe/unsubscribe token bucket: burst size and refill per second. */
  subscribeBurst: number;
  subscribePerSec: number;
  /** Snapshots and commands one socket may have in flight at once. */
  maxInFlight: number;
  requestTimeoutMs: number;
  /** Manual plant polls answer when the poll is done. */
  pollTimeoutMs?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The protocol brain: parses client frames, enforces limits and authorization, fetches snapshots,
 * runs commands. Shared by all sockets; per-socket state lives on `Conn`.
 */
export class Sessions {
  private readonly buckets = new WeakMap<Conn, Bucket>();

  constructor(
    private readonly hub: TopicHub,
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly limits: SessionLimits,
    private readonly logger: Logger,
  ) {}

  private error(conn: Conn, code: string, message: string, extra: { id?: CorrelationId; topic?: string; details?: unknown } = {}): void {
    conn.send({ type: 'error', code, message, ...extra });
  }

  onMessage(conn: Conn, message: ArrayBuffer, isBinary: boolean): void {
    if (isBinary) return this.error(conn, ErrorCode.BAD_REQUEST, 'binary frames are not supported; send JSON text');
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(message).toString('utf8'));
    } catch {
      return this.error(conn, ErrorCode.BAD_REQUEST, 'malformed JSON');
    }
    const parsed = ClientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const rid = (raw as { id?: unknown } | null)?.id;
      const id = typeof rid === 'string' || typeof rid === 'number' ? rid : undefined;
      const op = (raw as { op?: unknown } | null)?.op;
      const msg = typeof op === 'string' && !['subscribe', 'unsubscribe', 'command', 'ping'].includes(op) ? `unknown op: ${op.slice(0, 40)}` : 'invalid message';
      return this.error(conn, ErrorCode.BAD_REQUEST, msg, {
        id,
        details: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const m = parsed.data;
    switch (m.op) {
      case 'ping':
        return conn.send(m.id === undefined ? { type: 'pong' } : { type: 'pong', id: m.id });
      case 'subscribe':
        return this.subscribe(conn, m.topic, m.id);
      case 'unsubscribe':
        return this.unsubscribe(conn, m.topic, m.id);
      case 'command':
        return this.command(conn, m.id, m.command, m.args);
    }
  }

  private take(conn: Conn): boolean {
    const now = Date.now();
    const b = this.buckets.get(conn) ?? { tokens: this.limits.subscribeBurst, at: now };
    b.tokens = Math.min(this.limits.subscribeBurst, b.tokens + ((now - b.at) / 1000) * this.limits.subscribePerSec);
    b.at = now;
    this.buckets.set(conn, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private subscribe(conn: Conn, topic: string, id: CorrelationId | undefined): void {
    if (!this.take(conn)) return this.error(conn, ErrorCode.RATE_LIMIT_EXCEEDED, 'too many subscribe requests; slow down', { id, topic });
    const spec = resolveTopic(topic, this.subjects);
    if (!spec) return this.error(conn, ErrorCode.BAD_REQUEST, 'unknown topic or unsafe id', { id, topic });
    let sub = conn.subs.get(topic);
    if (!sub && conn.subs.size >= this.limits.maxTopicsPerSocket) {
      return this.error(conn, ErrorCode.VALIDATION_FAILED, `at most ${this.limits.maxTopicsPerSocket} topics per socket`, { id, topic });
    }
    if (conn.inFlight >= this.limits.maxInFlight) return this.error(conn, ErrorCode.RATE_LIMIT_EXCEEDED, 'too many requests in flight', { id, topic });
    if (sub) conn.resetForSnapshot(sub);
    else {
      sub = { spec, generation: 0, pending: [] };
      conn.subs.set(topic, sub);
      this.hub.join(conn, spec);
    }
    const generation = sub.generation;
    const seq = this.hub.seq(topic);
    conn.inFlight++;
    detach(this.fetchSnapshot(conn, spec).then((reply) => {
      conn.inFlight--;
      const current = conn.subs.get(topic);
      if (conn.closed || current !== sub || current.generation !== generation) return;
      conn.cork(() => {
        if ('error' in reply) {
          this.drop(conn, topic);
          return this.error(conn, reply.error.code, reply.error.message, { id, topic });
        }
        conn.send({ type: 'snapshot', topic, seq, data: spec.snapshot.shape ? spec.snapshot.shape(reply.data) : reply.data });
        conn.goLive(current);
      });
    }), 'gateway: WS subscribe');
  }

  /** The topic's snapshot once the token may see it (a refusal is an error reply, as is any transport failure). */
  private async fetchSnapshot(conn: Conn, spec: TopicSpec): Promise<Reply<unknown>> {
    try {
      if (this.bus.status !== 'connected') throw new GridtwinError(ErrorCode.UNAVAILABLE, 'the message bus is disconnected');
      await spec.authorize({ bus: this.bus, subjects: this.subjects, principal: conn.principal, timeoutMs: this.limits.requestTimeoutMs });
      return await this.bus.request<Reply<unknown>>(spec.snapshot.subject, spec.snapshot.payload, { timeoutMs: this.limits.requestTimeoutMs, headers: natsHeadersOf(conn.principal) });
    } catch (e) {
      return { error: toGridtwinError(e).toJSON() };
    }
  }

  private unsubscribe(conn: Conn, topic: string, id: CorrelationId | undefined): void {
    if (!this.take(conn)) return this.error(conn, ErrorCode.RATE_LIMIT_EXCEEDED, 'too many subscribe requests; slow down', { id, topic });
    if (!conn.subs.has(topic)) return this.error(conn, ErrorCode.NOT_FOUND, 'not subscribed', { id, topic });
    this.drop(conn, topic);
    conn.send(id === undefined ? { type: 'unsubscribed', topic } : { type: 'unsubscribed', topic, id });
  }

  private drop(conn: Conn, topic: string): void {
    const sub = conn.subs.get(topic);
    if (!sub) return;
    if (!sub.pending && !conn.isSlow) conn.ws?.unsubscribe(topic);
    conn.forgetQueued(topic);
    conn.subs.delete(topic);
    this.hub.leave(conn, topic);
  }

  private command(conn: Conn, id: CorrelationId, name: string, args: unknown): void {
    if (!isCommandName(name)) return conn.send({ type: 'reply', id, error: { code: ErrorCode.BAD_REQUEST, message: `unknown command: ${name.slice(0, 40)}` } });
    if (conn.inFlight >= this.limits.maxInFlight) return conn.send({ type: 'reply', id, error: { code: ErrorCode.RATE_LIMIT_EXCEEDED, message: 'too many requests in flight' } });
    conn.inFlight++;
    const ctx = { bus: this.bus, subjects: this.subjects, principal: conn.principal, timeoutMs: this.limits.requestTimeoutMs, pollTimeoutMs: this.limits.pollTimeoutMs };
    detach(runCommand(ctx, name, args).then((reply) => {
      conn.inFlight--;
      if ('error' in reply && reply.error.code === ErrorCode.INTERNAL) this.logger.error({ command: name }, 'gateway: command failed internally');
      conn.cork(() => conn.send({ type: 'reply', id, ...reply }));
    }), 'gateway: WS command');
  }

  /** Socket closed: leave every topic so idle bus subscriptions close. */
  onClose(conn: Conn): void {
    for (const topic of conn.subs.keys()) this.hub.leave(conn, topic);
    conn.subs.clear();
  }
}
