import { connect, headers as natsHeaders, type ConnectionOptions, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV, type KvEntry as NatsKvEntry } from '@nats-io/kv';
import { detach } from '../../core/detached';
import { Svcm, type ServiceMsg } from '@nats-io/services';
import { ErrorCode, GridtwinError, statusForCode } from '../../core/errors';
import {
  decodeJson, encodeJson, answered, errorOfReply, NO_RESPONDERS,
  type Bus, type KvBucket, type KvEntry, type BusMsg, type BusStatus, type BusSubscription, type RequestOptions, type ServiceHandle,
  type ServiceSpec, type SubscribeOptions,
} from './types';

/**
 * A received message. A class, not an object of closures: one is made per message on the hot path, and
 * closures per message showed in the CPU profile of bench:interactions (allocation and GC).
 */
class NatsBusMsg implements BusMsg {
  constructor(protected readonly m: Msg) {}
  get subject(): string {
    return this.m.subject;
  }
  get reply(): string | undefined {
    return this.m.reply;
  }
  get data(): Uint8Array {
    return this.m.data;
  }
  json<T>(): T {
    return decodeJson<T>(this.m.data);
  }
  header(name: string): string | undefined {
    return this.m.headers?.get(name, 'insensitive') || undefined;
  }
  respond(payload: unknown): boolean {
    return this.m.respond(payload instanceof Uint8Array ? payload : encodeJson(payload));
  }
}

/** A request to a service endpoint: error replies follow the NATS micro convention (Nats-Service-Error(-Code) headers, body unchanged). */
class ServiceBusMsg extends NatsBusMsg {
  constructor(private readonly sm: ServiceMsg, private readonly countError: (e: Error) => void) {
    super(sm as unknown as Msg); // the services package bundles its own nats-core types; the message is the same object
  }
  override respond(payload: unknown): boolean {
    const failure = errorOfReply(payload);
    const data = payload instanceof Uint8Array ? payload : encodeJson(payload);
    if (!failure) return this.sm.respond(data);
    this.countError(new Error(`${failure.code}: ${failure.message}`));
    return this.sm.respondError(statusForCode(failure.code), `${failure.code}: ${failure.message}`, data);
  }
}

/** Bus over a real NATS connection (the v3 `@nats-io/transport-node` client). */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  private listeners = new Set<(s: BusStatus) => void>();
  private subs = new Set<BusSubscription>();
  status: BusStatus = 'connected';

  private constructor(readonly nc: NatsConnection) {
    detach((async () => {
      for await (const s of nc.status()) {
        const next: BusStatus | undefined =
          s.type === 'disconnect' ? 'disconnected' : s.type === 'reconnecting' ? 'reconnecting' : s.type === 'reconnect' ? 'connected' : undefined;
        if (next && next !== this.status) {
          this.status = next;
          for (const l of this.listeners) l(next);
        }
      }
    })(), 'NATS status stream');
    detach(nc.closed().then(() => {
      this.status = 'closed';
      for (const l of this.listeners) l('closed');
    }), 'NATS close watch');
  }

  static async connect(opts: ConnectionOptions): Promise<NatsBus> {
    try {
      const nc = await connect({ maxReconnectAttempts: -1, reconnectTimeWait: 500, ...opts });
      return new NatsBus(nc);
    } catch (e) {
      throw new GridtwinError(ErrorCode.UNAVAILABLE, `cannot connect to NATS at ${String(opts.servers)}`, { cause: e });
    }
  }

  publish(subject: string, payload: unknown): void {
    this.nc.publish(subject, payload instanceof Uint8Array ? payload : encodeJson(payload));
  }

  subscribe(subject: string, handler: (msg: BusMsg) => void, opts: SubscribeOptions = {}): BusSubscription {
    const sub = this.nc.subscribe(subject, {
      queue: opts.queue,
      callback: (err, m) => {
        if (!err) handler(new NatsBusMsg(m));
      },
    });
    const subs = this.subs;
    const handle: BusSubscription = {
      subject,
      get closed() {
        return sub.isClosed();
      },
      unsubscribe() {
        subs.delete(handle);
        if (!sub.isClosed()) sub.unsubscribe();
      },
    };
    subs.add(handle);
    return handle;
  }

  async request<T>(subject: string, payload: unknown, opts: RequestOptions = {}): Promise<T> {
    try {
      const h = opts.headers ? natsHeaders() : undefined;
      for (const [k, v] of Object.entries(opts.headers ?? {})) h!.set(k, v);
      const m = await this.nc.request(subject, payload instanceof Uint8Array ? payload : encodeJson(payload), { timeout: opts.timeoutMs ?? 10_000, ...(h ? { headers: h } : {}) });
      return decodeJson<T>(m.data);
    } catch (e) {
      if ((e as { isNoResponders?: () => boolean }).isNoResponders?.() || /no responders/i.test(String((e as Error).message))) {
        throw new GridtwinError(ErrorCode.UNAVAILABLE, `no responders for ${subject}`, { cause: e, details: { reason: NO_RESPONDERS } });
      }
      const code = (e as { code?: string; name?: string }).name === 'TimeoutError' || /timeout/i.test(String((e as Error).message))
        ? ErrorCode.TIMEOUT
        : ErrorCode.UNAVAILABLE;
      throw new GridtwinError(code, `request to ${subject} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A JetStream KV bucket, replicated over the NATS cluster when there is one (so a server restart keeps it). */
  async kv(bucket: string): Promise<KvBucket> {
    const replicas = Math.min(3, Math.max(1, this.nc.info?.connect_urls?.length ?? 1));
    const kv: KV = await new Kvm(this.nc).create(bucket, { history: 1, replicas });
    const entry = (e: NatsKvEntry): KvEntry => ({ key: e.key, revision: e.revision, operation: e.operation, delta: e.delta, json: <T>() => e.json<T>() });
    return {
      create: (key, value) => kv.create(key, encodeJson(value)),
      update: (key, value, revision) => kv.update(key, encodeJson(value), revision),
      put: (key, value) => kv.put(key, encodeJson(value)),
      get: async (key) => {
        const e = await kv.get(key);
        return e ? entry(e) : null;
      },
      delete: async (key) => {
        await kv.delete(key);
      },
      watch: async (onEntry) => {
        const it = await kv.watch({ key: '>' });
        detach((async () => {
          for await (const e of it) onEntry(entry(e));
        })(), `KV watch of ${bucket}`);
        return { stop: () => it.stop() };
      },
    };
  }

  async serve(spec: ServiceSpec): Promise<ServiceHandle> {
    const svc = await new Svcm(this.nc as unknown as ConstructorParameters<typeof Svcm>[0]).add({
      name: spec.name,
      version: spec.version,
      description: spec.description,
      queue: spec.queue,
    });
    // The micro library counts an error only when a handler throws synchronously; ours answer later, so an
    // error reply is counted on the endpoint's own stats ($SRV.STATS num_errors / last_error).
    const statsOf = (name: string) => (svc as unknown as { handlers: Array<{ name: string; stats: { countError(e: Error): void } }> }).handlers.find((h) => h.name === name)?.stats;
    for (const e of spec.endpoints) {
      const countError = (err: Error) => statsOf(e.name)?.countError(err);
      svc.addEndpoint(e.name, {
        subject: e.subject,
        ...(e.queue ? { queue: e.queue } : {}),
        ...(e.metadata ? { metadata: e.metadata } : {}),
        handler: (err, m) => {
          if (err) return;
          const msg = new ServiceBusMsg(m, countError);
          detach(answered(e.handler(msg), msg), `endpoint ${e.subject}`);
        },
      });
    }
    return { subjects: spec.endpoints.map((e) => e.subject), stop: async () => void (await svc.stop()) };
  }

  onStatus(listener: (s: BusStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscriptionCount(): number {
    return this.subs.size;
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}
