/**
 * The deployed mediator's per-meter lock (cepro/simt-emlite @ d2434c0 simt_emlite/mediator/grpc/meter_registry.py
 * `acquire_timeout`, LOCK_TIMEOUT_SECONDS = 60): one exchange per meter at a time; a call for a meter in an
 * exchange waits for it, up to the lock timeout, and is then refused as busy.
 */
export class MeterLocks {
  private readonly held = new Set<string>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** True once the caller holds the meter's lock; false when `timeoutMs` passed first. */
  acquire(serial: string, timeoutMs: number): Promise<boolean> {
    if (!this.held.has(serial)) {
      this.held.add(serial);
      return Promise.resolve(true);
    }
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const queue = this.waiting.get(serial) ?? [];
      this.waiting.set(serial, queue);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        queue.splice(queue.indexOf(grant), 1);
        resolve(false);
      }, timeoutMs);
      this.timers.add(timer);
      const grant = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(true);
      };
      queue.push(grant);
    });
  }

  /** Hands the lock to the longest waiter, or frees it. */
  release(serial: string): void {
    const next = this.waiting.get(serial)?.shift();
    if (next) next();
    else this.held.delete(serial);
  }

  /** Stops the wait timers (the server is stopping). */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
