import { randomBytes } from 'node:crypto';
import { eventually } from '../helpers/world';
import type { ClusterClient } from './processes';

export interface LoadResult {
  acked: Map<string, string>; // idempotency key → interaction id
  attempts: number;
  errors: string[]; // requests that never got an answer with data
  firstTryErrors: number;
  firstTryErrorSamples: string[];
}

/**
 * Steady load as a careful client would send it: TOP_UP with an order id and an idempotency key,
 * retried with the same key until acknowledged (or the budget runs out).
 */
export function startLoad(c: ClusterClient, meterIds: string[], opts: { workers: number; timeoutMs?: number; budgetMs?: number }) {
  const res: LoadResult = { acked: new Map(), attempts: 0, errors: [], firstTryErrors: 0, firstTryErrorSamples: [] };
  let running = true;
  const worker = async () => {
    while (running) {
      const meter = meterIds[Math.floor(Math.random() * meterIds.length)]!;
      const key = `load-${randomBytes(6).toString('hex')}`;
      const until = Date.now() + (opts.budgetMs ?? 60_000);
      let first = true;
      for (;;) {
        res.attempts++;
        const r = await c.request<{ id: string }>(c.s.meterCreateInteraction(meter), { type: 'TOP_UP', params: { kwh: 1 }, orderId: `o-${key}`, idempotencyKey: key }, opts.timeoutMs ?? 5_000)
          .catch((e: Error) => ({ error: { code: 'CLIENT', message: e.message } }));
        if ('data' in r) { res.acked.set(key, r.data.id); break; }
        if (first) {
          res.firstTryErrors++;
          if (res.firstTryErrorSamples.length < 5) res.firstTryErrorSamples.push(JSON.stringify(r.error));
        }
        first = false;
        if (Date.now() > until) { res.errors.push(`${meter}: ${JSON.stringify(r.error)}`); break; }
        await new Promise((x) => setTimeout(x, 100));
      }
    }
  };
  const workers = Array.from({ length: opts.workers }, () => worker());
  return {
    result: res,
    async stop() {
      running = false;
      await Promise.all(workers);
      return res;
    },
  };
}

/** Waits until the load has had `n` more commands acknowledged: the load is running, whatever the machine's speed. */
export async function acked(load: ReturnType<typeof startLoad>, n: number): Promise<void> {
  const from = load.result.acked.size;
  await eventually(async () => load.result.acked.size >= from + n, 60_000, 25);
}
