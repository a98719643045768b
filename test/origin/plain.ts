import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NATS_URL } from '../helpers/nats';

/**
 * A third-party service's view of gridtwin: a plain nats.js connection and JSON, no gridtwin code.
 * `raw` keeps the NATS micro error headers.
 */
export interface Plain {
  nc: NatsConnection;
  raw(subject: string, body?: unknown, timeoutMs?: number): Promise<{ body: { data?: unknown; error?: { code: string; message: string; details?: unknown } }; headers: Record<string, string> }>;
  data<T>(subject: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function plainClient(): Promise<Plain> {
  const nc = await connect({ servers: NATS_URL });
  const raw: Plain['raw'] = async (subject, body = {}, timeoutMs = 20_000) => {
    const m = await nc.request(subject, JSON.stringify(body), { timeout: timeoutMs });
    const headers: Record<string, string> = {};
    for (const k of m.headers?.keys() ?? []) headers[k] = m.headers!.get(k);
    return { body: m.json(), headers };
  };
  return {
    nc, raw,
    async data<T>(subject: string, body: unknown = {}) {
      const r = await raw(subject, body);
      if (r.body.error) throw new Error(`${r.body.error.code}: ${r.body.error.message}`);
      return r.body.data as T;
    },
    close: () => nc.close(),
  };
}
