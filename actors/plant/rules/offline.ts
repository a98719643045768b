import { HOUR_MS } from '../../../core/time';
/** A plant the vendor has not heard from for more than 24 h is OFFLINE (an alert, and RED status). */
export const OFFLINE_AFTER_MS = 24 * HOUR_MS;

export interface OfflineVerdict {
  offline: boolean;
  /** Null when the vendor cannot say when it last heard from the plant. */
  silentForMs: number | null;
}

/** Never seen counts as offline: a vendor that cannot date the last report is not reporting. */
export function offlineVerdict(lastSeenAt: Date | null, now: Date): OfflineVerdict {
  if (lastSeenAt === null) return { offline: true, silentForMs: null };
  const silentForMs = now.getTime() - lastSeenAt.getTime();
  return { offline: silentForMs > OFFLINE_AFTER_MS, silentForMs };
}
