import { ErrorCode, GridtwinError } from '../../core/errors';
import { decodeJson, encodeJson, type KvBucket, type KvEntry } from './types';

interface Stored { revision: number; operation: KvEntry['operation']; data: Uint8Array }

/**
 * The in-process key-value bucket with NATS KV semantics: one revision sequence per bucket, create only when
 * absent or deleted, update only at the expected revision, a watch replays the current values then follows.
 */
export class LocalKv implements KvBucket {
  private readonly values = new Map<string, Stored>();
  private revision = 0;
  private readonly watchers = new Set<(e: KvEntry) => void>();

  private entry(key: string, s: Stored, delta?: number): KvEntry {
    return { key, revision: s.revision, operation: s.operation, ...(delta !== undefined ? { delta } : {}), json: <T>() => decodeJson<T>(s.data) };
  }

  private write(key: string, operation: KvEntry['operation'], value: unknown): number {
    const s: Stored = { revision: ++this.revision, operation, data: encodeJson(value) };
    this.values.set(key, s);
    const e = this.entry(key, s);
    for (const w of this.watchers) queueMicrotask(() => w(e));
    return s.revision;
  }

  async create(key: string, value: unknown): Promise<number> {
    const cur = this.values.get(key);
    if (cur && cur.operation === 'PUT') throw new GridtwinError(ErrorCode.CONFLICT, `key ${key} exists`);
    return this.write(key, 'PUT', value);
  }

  async update(key: string, value: unknown, revision: number): Promise<number> {
    const cur = this.values.get(key);
    if ((cur?.revision ?? 0) !== revision) throw new GridtwinError(ErrorCode.CONFLICT, `key ${key} is at revision ${cur?.revision ?? 0}, not ${revision}`);
    return this.write(key, 'PUT', value);
  }

  async put(key: string, value: unknown): Promise<number> {
    return this.write(key, 'PUT', value);
  }

  async get(key: string): Promise<KvEntry | null> {
    const s = this.values.get(key);
    return s ? this.entry(key, s) : null;
  }

  async delete(key: string): Promise<void> {
    if (this.values.has(key)) this.write(key, 'DEL', null);
  }

  async watch(onEntry: (e: KvEntry) => void): Promise<{ stop(): void }> {
    const current = [...this.values.entries()].sort((a, b) => a[1].revision - b[1].revision);
    current.forEach(([key, s], i) => queueMicrotask(() => onEntry(this.entry(key, s, current.length - 1 - i))));
    this.watchers.add(onEntry);
    return { stop: () => void this.watchers.delete(onEntry) };
  }
}
