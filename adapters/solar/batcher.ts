/**
 * Coalesces single-key calls made close together into one vendor call of up to `maxBatch` keys
 * (FusionSolar takes 100 station codes per KPI request). Callers see a plain `(key) => Promise<V>`.
 */
export interface BatcherOptions {
  maxBatch: number;
  /** How long the first key waits for company. */
  windowMs: number;
}

export function createBatcher<V>(
  run: (keys: string[]) => Promise<Map<string, V>>,
  missing: (key: string) => Error,
  opts: BatcherOptions,
): (key: string) => Promise<V> {
  type Waiter = { resolve: (v: V) => void; reject: (e: unknown) => void };
  let pending = new Map<string, Waiter[]>();
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = new Map();
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += opts.maxBatch) {
      const chunk = keys.slice(i, i + opts.maxBatch);
      run(chunk).then(
        (results) => {
          for (const k of chunk) {
            const v = results.get(k);
            for (const w of batch.get(k) ?? []) v === undefined ? w.reject(missing(k)) : w.resolve(v);
          }
        },
        (e) => { for (const k of chunk) for (const w of batch.get(k) ?? []) w.reject(e); },
      );
    }
  };

  return (key) => new Promise<V>((resolve, reject) => {
    const waiters = pending.get(key);
    if (waiters) waiters.push({ resolve, reject });
    else pending.set(key, [{ resolve, reject }]);
    if (pending.size >= opts.maxBatch) flush();
    else if (!timer) timer = setTimeout(flush, opts.windowMs);
  });
}
