import type { AlarmSeverity } from '../../../adapters/solar/types';
import type { AlertRecord } from './alarmDedupe';
import { shouldRenotify } from './alarmDedupe';
import type { LowGenerationVerdict } from './lowGeneration';
import { lowGenerationAlertSeverity } from './lowGeneration';
import type { OfflineVerdict } from './offline';
import { HOUR_MS } from '../../../core/time';

/**
 * Alerts gridtwin raises itself (not the vendor): OFFLINE while the plant has been silent > 24 h, and
 * LOW_GENERATION while today's verdict is YELLOW or RED. Each is open exactly while its condition holds:
 * raised when it starts, resolved when it stops (a new day before noon has no verdict, so yesterday's
 * low-generation alert closes), updated when the severity changes, re-notified like vendor alerts (> 6 h, NEW only).
 */
export const OFFLINE_ALERT = 'OFFLINE';
export const LOW_GENERATION_ALERT = 'LOW_GENERATION';

export interface DerivedCondition {
  type: string;
  severity: AlarmSeverity;
  message: string;
}

export interface DerivedPlan {
  creates: Array<DerivedCondition>;
  updates: Array<{ alert: AlertRecord; severity: AlarmSeverity; message: string; renotify: boolean }>;
  resolves: AlertRecord[];
}

export function offlineCondition(v: OfflineVerdict): DerivedCondition | null {
  if (!v.offline) return null;
  const message = v.silentForMs === null ? 'plant has never reported' : `no data for ${Math.floor(v.silentForMs / HOUR_MS)} h`;
  return { type: OFFLINE_ALERT, severity: 'CRITICAL', message };
}

export function lowGenerationCondition(v: LowGenerationVerdict): DerivedCondition | null {
  const severity = lowGenerationAlertSeverity(v);
  if (!severity || !('ratio' in v)) return null;
  return { type: LOW_GENERATION_ALERT, severity, message: `today ${Math.round(v.ratio * 100)} % of the 7-day median (${v.medianKwh.toFixed(1)} kWh)` };
}

export function planDerivedAlerts(open: readonly AlertRecord[], conditions: Array<DerivedCondition | null>, types: readonly string[], now: Date): DerivedPlan {
  const plan: DerivedPlan = { creates: [], updates: [], resolves: [] };
  const holding = new Map(conditions.filter((c): c is DerivedCondition => c !== null).map((c) => [c.type, c]));
  for (const type of types) {
    const current = open.find((a) => a.type === type && a.state !== 'RESOLVED');
    const c = holding.get(type);
    if (!c) {
      if (current) plan.resolves.push(current);
      continue;
    }
    if (!current) {
      plan.creates.push(c);
      continue;
    }
    const renotify = shouldRenotify(current, now);
    if (renotify || current.severity !== c.severity) plan.updates.push({ alert: current, severity: c.severity, message: c.message, renotify: renotify || current.severity !== c.severity });
  }
  return plan;
}
