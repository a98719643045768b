import type { AlarmSeverity, VendorAlarm } from '../../../adapters/solar/types';
import { HOUR_MS } from '../../../core/time';

/**
 * Vendor alarms → plant alerts. An alert is identified by (plant, type, vendor alarm code, device SN);
 * it moves NEW → ACKED (by an operator) → RESOLVED (when the vendor reports the alarm cleared). While it
 * stays open, a vendor alarm seen again updates it and is notified again only when the last notification
 * is more than 6 h old; acknowledged alerts are not re-notified (someone is on it).
 */
export const RENOTIFY_AFTER_MS = 6 * HOUR_MS;
export const VENDOR_ALARM_TYPE = 'VENDOR_ALARM';

export type AlertState = 'NEW' | 'ACKED' | 'RESOLVED';

export interface AlertRecord {
  id: string;
  plantId: string;
  type: string;
  vendorAlarmCode: string | null;
  deviceSn: string | null;
  severity: AlarmSeverity;
  message: string;
  state: AlertState;
  raisedAt: Date;
  resolvedAt: Date | null;
  lastNotifiedAt: Date | null;
}

export interface AlarmReconciliation {
  creates: AlertRecord[];
  updates: AlertRecord[];
  resolves: AlertRecord[];
  notifications: { alertId: string; reason: 'NEW' | 'RENOTIFY' }[];
}

export interface ReconcileInput {
  plantId: string;
  existing: readonly AlertRecord[];
  incoming: readonly VendorAlarm[];
  now: Date;
  newId: () => string;
  /**
   * For vendors whose alarm list holds only active alarms (capability without 'alarmClears'): an open
   * vendor alert absent from a complete active list is resolved.
   */
  resolveMissing?: boolean;
}

export const dedupeKey = (plantId: string, type: string, vendorAlarmCode: string | null, deviceSn: string | null): string =>
  JSON.stringify([plantId, type, vendorAlarmCode, deviceSn]);

const keyOf = (a: Pick<AlertRecord, 'plantId' | 'type' | 'vendorAlarmCode' | 'deviceSn'>) => dedupeKey(a.plantId, a.type, a.vendorAlarmCode, a.deviceSn);

export function reconcileAlarms(input: ReconcileInput): AlarmReconciliation {
  const out: AlarmReconciliation = { creates: [], updates: [], resolves: [], notifications: [] };
  const open = new Map(input.existing.filter((a) => a.state !== 'RESOLVED').map((a) => [keyOf(a), a]));
  // the latest report per key decides (a vendor may list a cleared and a re-raised occurrence)
  const latest = new Map<string, VendorAlarm>();
  for (const v of input.incoming) {
    const k = dedupeKey(input.plantId, VENDOR_ALARM_TYPE, v.vendorAlarmCode, v.deviceSn);
    const prev = latest.get(k);
    if (!prev || v.raisedAt > prev.raisedAt) latest.set(k, v);
  }

  for (const [k, v] of latest) {
    const current = open.get(k);
    if (v.clearedAt !== null) {
      if (current) out.resolves.push({ ...current, state: 'RESOLVED', resolvedAt: v.clearedAt });
      continue;
    }
    if (!current) {
      const created: AlertRecord = {
        id: input.newId(), plantId: input.plantId, type: VENDOR_ALARM_TYPE, vendorAlarmCode: v.vendorAlarmCode, deviceSn: v.deviceSn,
        severity: v.severity, message: v.message, state: 'NEW', raisedAt: v.raisedAt, resolvedAt: null, lastNotifiedAt: input.now,
      };
      out.creates.push(created);
      out.notifications.push({ alertId: created.id, reason: 'NEW' });
      continue;
    }
    const renotify = shouldRenotify(current, input.now);
    const changed = current.severity !== v.severity || current.message !== v.message;
    if (renotify || changed) {
      out.updates.push({ ...current, severity: v.severity, message: v.message, lastNotifiedAt: renotify ? input.now : current.lastNotifiedAt });
    }
    if (renotify) out.notifications.push({ alertId: current.id, reason: 'RENOTIFY' });
  }

  if (input.resolveMissing) {
    for (const [k, a] of open) {
      if (a.type === VENDOR_ALARM_TYPE && !latest.has(k)) out.resolves.push({ ...a, state: 'RESOLVED', resolvedAt: input.now });
    }
  }
  return out;
}

export function shouldRenotify(alert: Pick<AlertRecord, 'state' | 'lastNotifiedAt'>, now: Date): boolean {
  if (alert.state !== 'NEW') return false;
  return alert.lastNotifiedAt === null || now.getTime() - alert.lastNotifiedAt.getTime() > RENOTIFY_AFTER_MS;
}
