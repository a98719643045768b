import { plantDay } from './plantDay';

/**
 * The day a vendor's "today's energy" belongs to: the plant-local day of the vendor's last data
 * (lastSeenAt), not of our poll. A poll at 00:02 that gets a reading taken at 23:55 writes yesterday's
 * snapshot, never today's. A reading dated in the future (vendor clock ahead) is clamped to our today;
 * a vendor that cannot date its reading (lastSeenAt null) reports its current day.
 */
export function snapshotDay(lastSeenAt: Date | null, now: Date, timezone: string): string {
  const today = plantDay(now, timezone);
  if (lastSeenAt === null) return today;
  const seenDay = plantDay(lastSeenAt, timezone);
  return seenDay > today ? today : seenDay;
}
