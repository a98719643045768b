import { type Clock, systemClock } from '../../core/time';
/** The device actors of a node, as a hand-off sees them. */
export interface DrainTarget {
  ids(): string[];
  /** True while the device has an interaction queued or in flight. */
  busy(id: string): Promise<boolean>;
  passivate(id: string): void;
  /** Starts the actor (it rehydrates and runs its open work). */
  wake(id: string): void;
}

/**
 * Waits until the devices have nothing queued or in flight and their cascade steps are done, or the
 * deadline passes (then the new owner treats what is left as interrupted: it is not lost, only finished
 * as a timeout). Intake is already stopped by the caller.
 */
export async function drainDevices(t: DrainTarget, ids: string[], deadline: number, pendingOutbox: () => Promise<number>, now: Clock = systemClock): Promise<boolean> {
  let left = ids;
  while (left.length && now() < deadline) {
    const busy = await Promise.all(left.map((id) => t.busy(id).catch(() => false)));
    left = left.filter((_, i) => busy[i]);
    if (left.length) await new Promise((r) => setTimeout(r, 20));
  }
  while (ids.length && now() < deadline && (await pendingOutbox().catch(() => 0)) > 0) await new Promise((r) => setTimeout(r, 20));
  return left.length === 0;
}
