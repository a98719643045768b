import type { Syncer } from './types';

/**
 * Absolute meter clock drift in whole seconds against `now`. (The origin takes timedelta.seconds, which
 * drops whole days; we keep the full difference.)
 */
export const syncClockDiff: Syncer = async (client, serial, now) => {
  const meterTime = await client.clockTime(serial);
  return { clockDiffSeconds: Math.round(Math.abs(now.getTime() - meterTime.getTime()) / 1000) };
};
