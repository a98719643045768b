/**
 * The message bus seam. Core code sees only this interface; `NatsBus` speaks NATS, `LocalBus` is the
 * in-process implementation used by the standalone node and unit tests. Payloads are JSON.
 */
export interface BusMsg {
  subject: string;
  reply?: string;
  data: Uint8Array;
  json<T = unknown>(): T;
  /** A NATS header of the request (`Authorization` carries the caller's token in NATS auth mode `token`). */
  header?(name: string): string | undefined;
  /** Reply to a request; returns false when the message had no reply subject. */
  respond(payload: unknown): boolean;
}

export interface BusSubscription {
  unsubscribe(): void;
  readonly subject: string;
  readonly closed: boolean;
}

export interface SubscribeOptions {
  queue?: string;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** NATS headers sent with the request (e.g. `Authorization: Bearer <jwt>`). */
  headers?: Record<string, string>;
}

/** One value of a key-value bucket (a NATS JetStream KV entry, or the in-process bus's). */
export interface KvEntry {
  key: string;
  /** Per-bucket sequence of the write; the compare-and-set token. */
  revision: number;
  operation: 'PUT' | 'DEL' | 'PURGE';
  /** While a watch replays the current values: how many are still to come (0 on the last). */
  delta?: number;
  json<T>(): T;
}

/** A key-value bucket with compare-and-set: what cluster leases are made of. */
export interface KvBucket {
  /** Writes the key only if it is absent (or deleted); resolves with the revision, rejects otherwise. */
  create(key: string, value: unknown): Promise<number>;
  /** Writes the key only if its revision is still `revision`; resolves with the new one, rejects otherwise. */
  update(key: string, value: unknown, revision: number): Promise<number>;
  put(key: string, value: unknown): Promise<number>;
  get(key: string): Promise<KvEntry | null>;
  delete(key: string): Promise<void>;
  /** Every key's current value (with `delta`), then each change, until `stop`. */
  watch(onEntry: (e: KvEntry) => void): Promise<{ stop(): void }>;
}

export interface Endpoint {
  /** Endpoint name reported by the NATS micro service ($SRV.INFO). */
  name: string;
  subject: string;
  handler: (msg: BusMsg) => void | Promise<void>;
  /** Queue group of this endpoint when it must not share the service's (a catch-all overlapping every endpoint). */
  queue?: string;
  /** Shown in $SRV.INFO (e.g. the endpoint's declared authorization). */
  metadata?: Record<string, string>;
}

export interface ServiceSpec {
  name: string;
  version: string;
  description?: string;
  queue?: string;
  endpoints: Endpoint[];
}

export interface ServiceHandle {
  /** The subjects (patterns) of the endpoints served. */
  readonly subjects: string[];
  stop(): Promise<void>;
}

export type BusStatus = 'connected' | 'disconnected' | 'reconnecting' | 'closed';

export interface Bus {
  readonly kind: 'nats' | 'local';
  publish(subject: string, payload: unknown): void;
  subscribe(subject: string, handler: (msg: BusMsg) => void, opts?: SubscribeOptions): BusSubscription;
  /** JSON request/reply. Rejects with GridtwinError TIMEOUT / UNAVAILABLE. */
  request<T = unknown>(subject: string, payload: unknown, opts?: RequestOptions): Promise<T>;
  /** Opens (creating if needed) a key-value bucket keeping the last value of each key; on NATS a JetStream KV bucket. */
  kv(bucket: string): Promise<KvBucket>;
  /** Serves endpoints; on NATS as a micro service ($SRV.PING/INFO/STATS). */
  serve(spec: ServiceSpec): Promise<ServiceHandle>;
  onStatus(listener: (status: BusStatus) => void): () => void;
  readonly status: BusStatus;
  /** Number of live subscriptions this bus holds (for leak assertions and metrics). */
  subscriptionCount(): number;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A request nobody listens to (no responders): refused at once, unlike a timeout, so a caller may try elsewhere. */
export const NO_RESPONDERS = 'no-responders';
export function isNoResponders(e: unknown): boolean {
  return (e as { details?: { reason?: unknown } } | null)?.details?.reason === NO_RESPONDERS;
}

/** A `{error: {code, message}}` reply payload (core/reply's failure shape). */
export function errorOfReply(payload: unknown): { code: string; message: string } | null {
  const e = (payload as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return e && typeof e.code === 'string' && typeof e.message === 'string' ? { code: e.code, message: e.message } : null;
}

/** A handler that rejects (they reply on their own errors) still answers the caller: INTERNAL, then the rejection goes on to be reported. */
export async function answered(work: void | Promise<void>, m: BusMsg): Promise<void> {
  try {
    await work;
  } catch (e) {
    m.respond({ error: { code: 'INTERNAL', message: 'internal error' } });
    throw e;
  }
}

export const encodeJson = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v ?? null));
export const decodeJson = <T>(d: Uint8Array): T => JSON.parse(Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('utf8')) as T;
