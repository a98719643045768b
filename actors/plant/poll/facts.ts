import { type DailyEnergy, type PlantRef, type PlantSummary, type VendorAlarm } from '../../../adapters/solar';
import { addDays, HOUR_MS } from '../../../core/time';
import { toGridtwinError, type GridtwinError } from '../../../core/errors';
import { alertsRepo, snapshotsRepo, type AlertRow, type PlantRow, type Sql, type SnapshotRow } from '../../../persistence';
import { LOW_GENERATION, backfillRange, missingSnapshotDays, plantDay, snapshotDay, VENDOR_ALARM_TYPE } from '../rules';
import type { VendorGate } from '../vendorGate';
import { withRetry, type RetryPolicy } from './retry';

/**
 * Everything one poll learns, in the seed's order: summary, alarms since the last check, the stored
 * days around today and the vendor's daily series for the D-3..D-0 gaps. Vendor failures are kept as
 * typed errors beside what did arrive; a failed summary stops the poll's vendor calls.
 */
export interface PollFacts {
  plant: PlantRow;
  now: Date;
  summary: PlantSummary | null;
  summaryError: GridtwinError | null;
  alarms: VendorAlarm[] | null;
  alarmsError: GridtwinError | null;
  /** The vendor's alarm list holds active alarms only: open alerts missing from it are resolved. */
  resolveMissing: boolean;
  openAlerts: AlertRow[];
  /** Stored snapshots from D-(history) to D-0. */
  snapshots: SnapshotRow[];
  backfill: DailyEnergy[];
  backfillError: GridtwinError | null;
}

/** Alarms are asked from a little before the last check (late vendor entries), and never after the oldest open alarm. */
export const ALARM_OVERLAP_MS = 10 * 60_000;
export const FIRST_ALARM_WINDOW_MS = 24 * HOUR_MS;

export function alarmsSince(plant: PlantRow, openAlerts: readonly AlertRow[], now: Date): Date {
  const checked = plant.alarmsCheckedAt ? Date.parse(plant.alarmsCheckedAt) - ALARM_OVERLAP_MS : now.getTime() - FIRST_ALARM_WINDOW_MS;
  const oldestOpen = Math.min(...openAlerts.filter((a) => a.type === VENDOR_ALARM_TYPE).map((a) => Date.parse(a.firstSeenAt)));
  return new Date(Math.min(checked, oldestOpen));
}

export async function fetchFacts(
  sql: Sql, gate: VendorGate, plant: PlantRow, now: Date, retry: RetryPolicy, countCall: () => void,
): Promise<PollFacts> {
  const ref: PlantRef = { vendorPlantId: plant.vendorPlantId, timezone: plant.timezone };
  const today = plantDay(now, plant.timezone);
  const [openAlerts, snapshots] = await Promise.all([
    alertsRepo.openOfPlant(sql, plant.id),
    snapshotsRepo.between(sql, plant.id, addDays(today, -LOW_GENERATION.historyDays), today),
  ]);
  const facts: PollFacts = {
    plant, now, summary: null, summaryError: null, alarms: null, alarmsError: null,
    resolveMissing: !gate.caps.features.includes('alarmClears'), openAlerts, snapshots, backfill: [], backfillError: null,
  };
  const vendor = <T>(fn: () => Promise<T>) => withRetry(retry, fn, countCall);

  try {
    facts.summary = await vendor(() => gate.summary(ref));
  } catch (e) {
    facts.summaryError = toGridtwinError(e);
    return facts;
  }
  if (gate.caps.features.includes('alarms')) {
    try {
      facts.alarms = await vendor(() => gate.alarms(ref, alarmsSince(plant, openAlerts, now)));
    } catch (e) {
      facts.alarmsError = toGridtwinError(e);
    }
  }
  const written = snapshotDay(facts.summary.lastSeenAt, now, plant.timezone);
  const range = backfillRange(missingSnapshotDays(now, plant.timezone, [...snapshots.map((s) => s.date), written]));
  if (range && gate.caps.features.includes('dailySeries')) {
    try {
      facts.backfill = await vendor(() => gate.series(ref, range));
    } catch (e) {
      facts.backfillError = toGridtwinError(e);
    }
  }
  return facts;
}
