import type { TemplatedApp } from 'uWebSockets.js';
import type { Bus, BusMsg, BusSubscription } from '../../adapters/bus';
import type { Logger } from '../../core/logger';
import type { Metrics } from '../../core/metrics';
import type { Conn, TopicEvent } from './connection';
import type { ServerMessage } from './protocol';
import type { TopicSpec } from './topics';

interface LiveTopic {
  spec: TopicSpec;
  members: Set<Conn>;
  busSubs: BusSubscription[];
}

/**
 * Topics with at least one listener. A topic's bus subscriptions open when its first socket joins and
 * close when the last leaves; each bus event gets the topic's next sequence number and goes to every
 * healthy member in one `app.publish`, to pending and slow members one by one.
 */
export class TopicHub {
  private readonly live = new Map<string, LiveTopic>();
  /** Kept after a topic closes so its numbers stay monotonic on this gateway (one number per topic). */
  private readonly seqs = new Map<string, number>();
  private busSubCount = 0;

  constructor(
    private readonly app: TemplatedApp,
    private readonly bus: Bus,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  seq(topic: string): number {
    return this.seqs.get(topic) ?? 0;
  }

  join(conn: Conn, spec: TopicSpec): void {
    let t = this.live.get(spec.topic);
    if (!t) {
      t = { spec, members: new Set(), busSubs: [] };
      this.live.set(spec.topic, t);
      const topic = t;
      t.busSubs = spec.feeds.map((feed, i) =>
        this.bus.subscribe(feed.subject, (m) => this.dispatch(topic, i, m)),
      );
      this.busSubCount += t.busSubs.length;
      this.metrics.wsNatsSubscriptions.set(this.busSubCount);
    }
    t.members.add(conn);
  }

  leave(conn: Conn, topic: string): void {
    const t = this.live.get(topic);
    if (!t || !t.members.delete(conn) || t.members.size > 0) return;
    for (const s of t.busSubs) s.unsubscribe();
    this.busSubCount -= t.busSubs.length;
    this.metrics.wsNatsSubscriptions.set(this.busSubCount);
    this.live.delete(topic);
  }

  /** Number of topics with listeners (for tests and logs). */
  size(): number {
    return this.live.size;
  }

  closeAll(): void {
    for (const t of this.live.values()) for (const s of t.busSubs) s.unsubscribe();
    this.live.clear();
    this.busSubCount = 0;
    this.metrics.wsNatsSubscriptions.set(0);
  }

  private dispatch(t: LiveTopic, feedIndex: number, m: BusMsg): void {
    if (this.live.get(t.spec.topic) !== t) return; // closed while the message was in flight
    const feed = t.spec.feeds[feedIndex]!;
    let payload: unknown;
    try {
      payload = m.json();
    } catch (e) {
      this.logger.warn({ err: e, subject: m.subject }, 'gateway: dropping an event that is not JSON');
      return;
    }
    const topic = t.spec.topic;
    const seq = this.seq(topic) + 1;
    this.seqs.set(topic, seq);
    const ev: TopicEvent = { topic, feed: feedIndex, state: feed.state, seq, data: feed.shape ? feed.shape(payload) : payload };
    let anyHealthy = false;
    for (const conn of t.members) {
      const sub = conn.subs.get(topic);
      if (!sub) continue;
      if (sub.pending) conn.buffer(sub, ev);
      else if (conn.isSlow || conn.isOverLimit()) conn.deliver(ev);
      else anyHealthy = true;
    }
    if (anyHealthy) {
      const msg: ServerMessage = { type: 'event', topic, seq, data: ev.data };
      this.app.publish(topic, JSON.stringify(msg));
    }
  }
}
