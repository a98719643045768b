import type { WebSocket } from 'uWebSockets.js';
import type { Metrics } from '../../core/metrics';
import type { Principal } from '../auth';
import { CloseCode, type ServerMessage } from './protocol';
import type { TopicSpec } from './topics';

/** An event on its way to one socket. `feed` names the stream within the topic (its state key). */
export interface TopicEvent {
  topic: string;
  feed: number;
  state: boolean;
  seq: number;
  data: unknown;
}

export interface Subscription {
  spec: TopicSpec;
  /** Bumped on every (re)subscribe, so a late snapshot reply for an older request is ignored. */
  generation: number;
  /** Events that arrived while the snapshot was being fetched; null once live. */
  pending: TopicEvent[] | null;
}

interface Coalesced {
  event: TopicEvent;
  superseded: number;
}

export interface ConnLimits {
  maxBackpressureBytes: number;
  backpressureGraceMs: number;
  maxPendingEvents: number;
}

export interface UserData {
  conn: Conn;
}

/**
 * One client socket: its principal, its subscriptions and its backpressure mode.
 *
 * Healthy sockets are subscribed to their topics in uWS and get events through `app.publish`.
 * A socket over `maxBackpressureBytes` goes "slow": it leaves the uWS topics, state feeds keep only
 * their newest value (counted as `coalesced`), other events are dropped (counted; the seq gap tells the
 * client to resubscribe). On drain it flushes and rejoins; if it stays slow past the grace period it
 * is closed with 4008.
 */
export class Conn {
  ws: WebSocket<UserData> | null = null;
  closed = false;
  readonly subs = new Map<string, Subscription>();
  inFlight = 0;
  private slow: { since: number; queue: Map<string, Coalesced>; timer: NodeJS.Timeout } | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: number,
    readonly principal: Principal,
    private readonly limits: ConnLimits,
    private readonly metrics: Metrics,
    private readonly onSlowClose: (conn: Conn, slowForMs: number) => void,
  ) {}

  get isSlow(): boolean {
    return this.slow !== null;
  }

  attach(ws: WebSocket<UserData>): void {
    this.ws = ws;
    if (this.principal.exp !== undefined) this.scheduleExpiry(this.principal.exp * 1000);
  }

  /** Expired tokens close the socket at `exp` (timers are capped, so long expiries re-arm). */
  private scheduleExpiry(expMs: number): void {
    const delay = expMs - Date.now();
    if (delay <= 0) return this.end(CloseCode.TOKEN_EXPIRED, 'token expired');
    this.expiryTimer = setTimeout(() => this.scheduleExpiry(expMs), Math.min(delay, 2 ** 31 - 1));
  }

  cork(fn: () => void): void {
    if (this.closed || !this.ws) return;
    this.ws.cork(fn);
  }

  /** Direct sends (snapshots, replies, errors) are never dropped; they may tip the socket into slow mode. */
  send(msg: ServerMessage): void {
    if (this.closed || !this.ws) return;
    this.ws.send(JSON.stringify(msg));
    if (!this.slow && this.ws.getBufferedAmount() > this.limits.maxBackpressureBytes) this.enterSlow();
  }

  /** Checked by the hub before each publish, so a healthy socket exceeds the limit by one message at most. */
  isOverLimit(): boolean {
    return !!this.ws && this.ws.getBufferedAmount() > this.limits.maxBackpressureBytes;
  }

  /** Delivers one event directly (used outside `app.publish`: buffered events after a snapshot, slow mode). */
  deliver(ev: TopicEvent): void {
    if (this.closed || !this.ws) return;
    if (!this.slow && this.isOverLimit()) this.enterSlow();
    if (this.slow) return this.queueWhileSlow(ev);
    this.ws.send(JSON.stringify({ type: 'event', topic: ev.topic, seq: ev.seq, data: ev.data } satisfies ServerMessage));
  }

  enterSlow(): void {
    if (this.slow || !this.ws) return;
    for (const [topic, sub] of this.subs) if (!sub.pending) this.ws.unsubscribe(topic);
    const timer = setTimeout(() => {
      if (this.slow) this.onSlowClose(this, Date.now() - this.slow.since);
    }, this.limits.backpressureGraceMs);
    this.slow = { since: Date.now(), queue: new Map(), timer };
  }

  private queueWhileSlow(ev: TopicEvent): void {
    if (!ev.state) {
      this.metrics.wsDropped.inc({ reason: 'backpressure' });
      return;
    }
    const key = `${ev.topic}#${ev.feed}`;
    const queue = this.slow!.queue;
    const prev = queue.get(key);
    if (prev) {
      this.metrics.wsDropped.inc({ reason: 'coalesced' });
      queue.delete(key); // re-inserted at the end: the flush goes in seq order
    }
    queue.set(key, { event: ev, superseded: prev ? prev.superseded + 1 : 0 });
  }

  /** uWS `drain`: flush the newest states while there is room, then rejoin the uWS topics. */
  onDrain(): void {
    if (!this.slow || !this.ws || this.closed) return;
    const queue = this.slow.queue;
    for (const [key, { event, superseded }] of queue) {
      if (this.isOverLimit()) return;
      const msg: ServerMessage = { type: 'event', topic: event.topic, seq: event.seq, data: event.data };
      if (superseded > 0) msg.coalesced = superseded;
      this.ws.send(JSON.stringify(msg));
      queue.delete(key);
    }
    if (this.isOverLimit()) return;
    clearTimeout(this.slow.timer);
    this.slow = null;
    for (const [topic, sub] of this.subs) if (!sub.pending) this.ws.subscribe(topic);
  }

  /** Moves a live topic back to "pending" for a fresh snapshot (resubscribe after a gap). */
  resetForSnapshot(sub: Subscription): void {
    if (!sub.pending && !this.slow) this.ws?.unsubscribe(sub.spec.topic);
    sub.generation++;
    sub.pending = [];
    this.forgetQueued(sub.spec.topic);
  }

  /** Snapshot sent: replay what arrived meanwhile and go live. */
  goLive(sub: Subscription): void {
    const buffered = sub.pending ?? [];
    sub.pending = null;
    for (const ev of buffered) this.deliver(ev);
    if (!this.slow) this.ws?.subscribe(sub.spec.topic);
  }

  /** Buffers an event for a topic whose snapshot is in flight; beyond the cap it is dropped (seq gap). */
  buffer(sub: Subscription, ev: TopicEvent): void {
    if (sub.pending!.length >= this.limits.maxPendingEvents) this.metrics.wsDropped.inc({ reason: 'backpressure' });
    else sub.pending!.push(ev);
  }

  forgetQueued(topic: string): void {
    if (!this.slow) return;
    for (const key of this.slow.queue.keys()) if (key.startsWith(`${topic}#`)) this.slow.queue.delete(key);
  }

  end(code: number, reason: string): void {
    if (this.closed || !this.ws) return;
    this.ws.end(code, reason);
  }

  /** Called from the uWS close handler: the ws object must not be touched after this. */
  markClosed(): void {
    this.closed = true;
    this.ws = null;
    if (this.slow) clearTimeout(this.slow.timer);
    this.slow = null;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
  }
}
