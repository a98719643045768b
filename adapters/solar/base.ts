import { toGridtwinError } from '../../core/errors';
import type { ConnectionTest, PlantInfo, VendorAlarm } from './types';

/** What every adapter shares: testConnection as "can we list plants", and the since-filter on alarms. */
export async function testByListing(list: () => Promise<PlantInfo[]>): Promise<ConnectionTest> {
  try {
    const plants = await list();
    return { ok: true, plantCount: plants.length };
  } catch (e) {
    return { ok: false, error: toGridtwinError(e) };
  }
}

/** Vendors filter by day; the contract is "raised or cleared at or after since". */
export const changedSince = (alarms: VendorAlarm[], since: Date): VendorAlarm[] =>
  alarms
    .filter((a) => a.raisedAt >= since || (a.clearedAt !== null && a.clearedAt >= since))
    .sort((a, b) => a.raisedAt.getTime() - b.raisedAt.getTime());

export const timezoneOf = (vendorZone: string | null | undefined, ref: { timezone?: string }): string =>
  vendorZone || ref.timezone || 'UTC';
