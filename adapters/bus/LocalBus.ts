import { ErrorCode, GridtwinError } from '../../core/errors';
import { detach } from '../../core/detached';
import { newId } from '../../core/ids';
import { LocalKv } from './LocalKv';
import { subjectMatches } from './subjectMatch';
import {
  decodeJson, encodeJson, answered, NO_RESPONDERS,
  type Bus, type KvBucket, type BusMsg, type BusStatus, type BusSubscription, type RequestOptions, type ServiceHandle,
  type ServiceSpec, type SubscribeOptions,
} from './types';

interface LocalSub extends BusSubscription {
  pattern: string;
  queue?: string;
  handler: (msg: BusMsg) => void;
}

/**
 * In-process bus with NATS semantics (wildcards, queue groups pick one member, request/reply with
 * inbox and timeout, no responders). Delivery is asynchronous, like a network hop.
 */
export class LocalBus implements Bus {
  readonly kind = 'local' as const;
  private subs = new Set<LocalSub>();
  private rr = 0;
  private listeners = new Set<(s: BusStatus) => void>();
  status: BusStatus = 'connected';

  publish(subject: string, payload: unknown, reply?: string, headers?: Record<string, string>): void {
    if (this.status === 'closed') throw new GridtwinError(ErrorCode.UNAVAILABLE, 'bus closed');
    const data = payload instanceof Uint8Array ? payload : encodeJson(payload);
    const plain: LocalSub[] = [];
    const groups = new Map<string, LocalSub[]>();
    for (const s of this.subs) {
      if (!subjectMatches(s.pattern, subject)) continue;
      if (s.queue) {
        const g = groups.get(s.queue) ?? [];
        g.push(s);
        groups.set(s.queue, g);
      } else plain.push(s);
    }
    for (const g of groups.values()) plain.push(g[this.rr++ % g.length]!);
    for (const s of plain) {
      const msg = this.makeMsg(subject, data, reply, headers);
      queueMicrotask(() => {
        if (!s.closed) s.handler(msg);
      });
    }
  }

  private hasInterest(subject: string): boolean {
    for (const s of this.subs) if (subjectMatches(s.pattern, subject)) return true;
    return false;
  }

  private makeMsg(subject: string, data: Uint8Array, reply?: string, headers?: Record<string, string>): BusMsg {
    return {
      subject,
      reply,
      data,
      json: <T>() => decodeJson<T>(data),
      // NATS header names are case-sensitive on the wire; nats.js matches them case-insensitively on read, as here.
      header: (name: string) => Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1],
      respond: (payload: unknown) => {
        if (!reply) return false;
        this.publish(reply, payload);
        return true;
      },
    };
  }

  subscribe(subject: string, handler: (msg: BusMsg) => void, opts: SubscribeOptions = {}): BusSubscription {
    const subs = this.subs;
    const sub: LocalSub = {
      pattern: subject,
      subject,
      queue: opts.queue,
      handler,
      closed: false,
      unsubscribe() {
        (this as LocalSub & { closed: boolean }).closed = true;
        subs.delete(sub);
      },
    };
    subs.add(sub);
    return sub;
  }

  request<T>(subject: string, payload: unknown, opts: RequestOptions = {}): Promise<T> {
    if (!this.hasInterest(subject)) {
      return Promise.reject(new GridtwinError(ErrorCode.UNAVAILABLE, `no responders for ${subject}`, { details: { reason: NO_RESPONDERS } }));
    }
    const inbox = `_INBOX.${newId()}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        reject(new GridtwinError(ErrorCode.TIMEOUT, `request to ${subject} timed out`));
      }, opts.timeoutMs ?? 10_000);
      const sub = this.subscribe(inbox, (m) => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(m.json<T>());
      });
      this.publish(subject, payload, inbox, opts.headers);
    });
  }

  private buckets = new Map<string, LocalKv>();

  /** An in-memory bucket per name, shared by everyone on this bus. */
  async kv(bucket: string): Promise<KvBucket> {
    let kv = this.buckets.get(bucket);
    if (!kv) this.buckets.set(bucket, (kv = new LocalKv()));
    return kv;
  }

  async serve(spec: ServiceSpec): Promise<ServiceHandle> {
    const subs = spec.endpoints.map((e) =>
      this.subscribe(e.subject, (m) => detach(answered(e.handler(m), m), `endpoint ${e.subject}`), { queue: e.queue ?? spec.queue ?? spec.name }),
    );
    return { subjects: spec.endpoints.map((e) => e.subject), stop: async () => subs.forEach((s) => s.unsubscribe()) };
  }

  onStatus(listener: (s: BusStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscriptionCount(): number {
    return this.subs.size;
  }

  async flush(): Promise<void> {
    await new Promise((r) => setImmediate(r));
  }

  async close(): Promise<void> {
    this.status = 'closed';
    this.subs.clear();
    for (const l of this.listeners) l('closed');
  }
}
