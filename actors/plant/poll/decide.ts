import type { AlarmSeverity } from '../../../adapters/solar';
import type { GridtwinError } from '../../../core/errors';
import type { PlantStatus } from '../../../core/events';
import type { AlertRow, NewAlert, PlantPollUpdate, PollLogStatus, SnapshotInput } from '../../../persistence';
import {
  LOW_GENERATION_ALERT, OFFLINE_ALERT, VENDOR_ALARM_TYPE, lowGeneration, lowGenerationCondition, offlineCondition, offlineVerdict,
  plantDay, plantStatus, planDerivedAlerts, reconcileAlarms, snapshotDay, STALE_AFTER_MS, type AlertRecord,
} from '../rules';
import type { PollFacts } from './facts';

/**
 * The poll's decision, without I/O: from what the vendor said and what is stored, the snapshot rows,
 * alert changes, the plant's new status and the poll log's verdict. The seed's order: snapshot, alarms,
 * backfill, low generation, offline; the status is decided last because open alerts feed it.
 */
export interface PollPlan {
  snapshots: SnapshotInput[];
  alertCreates: NewAlert[];
  alertRefreshes: Array<{ id: string; severity: string; message: string; notifiedAt: Date | null }>;
  alertResolves: Array<{ id: string; at: Date }>;
  plant: PlantPollUpdate;
  logStatus: PollLogStatus;
  error: GridtwinError | null;
  snapshotOfToday: { date: string; todayEnergyKwh: number; lastSeenAt: string | null; currentPowerW: number | null } | null;
}

const toRecord = (a: AlertRow): AlertRecord => ({
  id: a.id, plantId: a.plantId, type: a.type, vendorAlarmCode: a.vendorAlarmCode, deviceSn: a.deviceSn, severity: a.severity as AlarmSeverity,
  message: a.message, state: a.state, raisedAt: new Date(a.firstSeenAt), resolvedAt: a.resolvedAt ? new Date(a.resolvedAt) : null,
  lastNotifiedAt: a.lastNotifiedAt ? new Date(a.lastNotifiedAt) : null,
});

/** A poll whose summary failed: the status follows what is stored (a plant we cannot reach goes stale, then red). */
export function statusWithoutVendor(facts: Pick<PollFacts, 'plant' | 'openAlerts' | 'now'>): { status: PlantStatus; reason: string } {
  return plantStatus({
    integrationStatus: facts.plant.integrationStatus, lastSeenAt: facts.plant.lastSeenAt ? new Date(facts.plant.lastSeenAt) : null,
    now: facts.now, openAlertSeverities: facts.openAlerts.map((a) => a.severity as AlarmSeverity), lowGeneration: false,
  });
}

export function decidePoll(facts: PollFacts, newId: () => string): PollPlan {
  const { plant, now, summary } = facts;
  if (!summary) {
    const s = statusWithoutVendor(facts);
    return {
      snapshots: [], alertCreates: [], alertRefreshes: [], alertResolves: [], snapshotOfToday: null,
      plant: { status: s.status, statusReason: s.reason, lastSeenAt: null, lastPolledAt: now, alarmsCheckedAt: null },
      logStatus: 'FAILED', error: facts.summaryError,
    };
  }
  const tz = plant.timezone;
  const today = plantDay(now, tz);
  // the vendor cannot always date its data (FusionSolar, disconnected): keep what we knew
  const lastSeenAt = summary.lastSeenAt ?? (plant.lastSeenAt ? new Date(plant.lastSeenAt) : null);
  const day = snapshotDay(summary.lastSeenAt, now, tz);
  const snapshots: SnapshotInput[] = [{
    plantId: plant.id, date: day, todayEnergyKwh: summary.todayEnergyKwh, currentPowerW: summary.currentPowerW,
    totalEnergyKwh: summary.totalEnergyKwh, lastSeenAt: summary.lastSeenAt, source: 'POLL',
  }];
  const stored = new Set(facts.snapshots.map((s) => s.date));
  for (const d of facts.backfill) {
    // only gaps, only D-3..D-0, never the day this poll just wrote
    if (!stored.has(d.date) && d.date !== day && d.date <= today) snapshots.push({ plantId: plant.id, date: d.date, todayEnergyKwh: d.kwh, source: 'BACKFILL' });
  }

  const plan: PollPlan = {
    snapshots, alertCreates: [], alertRefreshes: [], alertResolves: [], error: facts.alarmsError ?? facts.backfillError,
    logStatus: facts.alarmsError || facts.backfillError ? 'PARTIAL' : 'SUCCESS',
    plant: { status: 'GREY', statusReason: '', lastSeenAt, lastPolledAt: now, alarmsCheckedAt: facts.alarms ? now : null },
    snapshotOfToday: day === today ? { date: day, todayEnergyKwh: summary.todayEnergyKwh, lastSeenAt: summary.lastSeenAt?.toISOString() ?? null, currentPowerW: summary.currentPowerW } : null,
  };
  const newAlert = (a: Omit<NewAlert, 'id' | 'plantId' | 'organizationId' | 'lastNotifiedAt'>): NewAlert =>
    ({ ...a, id: newId(), plantId: plant.id, organizationId: plant.organizationId, lastNotifiedAt: now });
  const severities = new Map(facts.openAlerts.map((a) => [a.id, a.severity]));

  if (facts.alarms) {
    const r = reconcileAlarms({
      plantId: plant.id, existing: facts.openAlerts.filter((a) => a.type === VENDOR_ALARM_TYPE).map(toRecord),
      incoming: facts.alarms, now, newId, resolveMissing: facts.resolveMissing,
    });
    for (const c of r.creates) {
      plan.alertCreates.push({ ...newAlert({ type: c.type, vendorAlarmCode: c.vendorAlarmCode, deviceSn: c.deviceSn, severity: c.severity, message: c.message, firstSeenAt: c.raisedAt }), id: c.id });
      severities.set(c.id, c.severity);
    }
    const renotified = new Set(r.notifications.filter((n) => n.reason === 'RENOTIFY').map((n) => n.alertId));
    for (const u of r.updates) {
      plan.alertRefreshes.push({ id: u.id, severity: u.severity, message: u.message, notifiedAt: renotified.has(u.id) ? now : null });
      severities.set(u.id, u.severity);
    }
    for (const x of r.resolves) {
      plan.alertResolves.push({ id: x.id, at: x.resolvedAt ?? now });
      severities.delete(x.id);
    }
  }

  const history = [
    ...facts.snapshots.filter((s) => s.date < today).map((s) => ({ date: s.date, kwh: s.todayEnergyKwh })),
    ...snapshots.filter((s) => s.source === 'BACKFILL' && s.date < today).map((s) => ({ date: s.date, kwh: s.todayEnergyKwh })),
  ];
  // judged on a fresh reading of today only: a stale or silent plant is already YELLOW/RED by the last-seen rows
  const fresh = summary.lastSeenAt !== null && now.getTime() - summary.lastSeenAt.getTime() <= STALE_AFTER_MS && day === today;
  const low = fresh
    ? lowGeneration({ todayDate: today, todayKwh: summary.todayEnergyKwh, history, now, timezone: tz })
    : ({ verdict: 'NO_VERDICT', reason: 'too little history' } as const);
  const derived = planDerivedAlerts(
    facts.openAlerts.filter((a) => a.type !== VENDOR_ALARM_TYPE).map(toRecord),
    [offlineCondition(offlineVerdict(lastSeenAt, now)), lowGenerationCondition(low)],
    [OFFLINE_ALERT, LOW_GENERATION_ALERT], now,
  );
  for (const c of derived.creates) {
    const a = newAlert({ type: c.type, vendorAlarmCode: null, deviceSn: null, severity: c.severity, message: c.message, firstSeenAt: now });
    plan.alertCreates.push(a);
    severities.set(a.id, c.severity);
  }
  for (const u of derived.updates) {
    plan.alertRefreshes.push({ id: u.alert.id, severity: u.severity, message: u.message, notifiedAt: u.renotify ? now : null });
    severities.set(u.alert.id, u.severity);
  }
  for (const x of derived.resolves) {
    plan.alertResolves.push({ id: x.id, at: now });
    severities.delete(x.id);
  }

  const s = plantStatus({
    integrationStatus: plant.integrationStatus, lastSeenAt, now,
    openAlertSeverities: [...severities.values()] as AlarmSeverity[],
    lowGeneration: low.verdict === 'YELLOW' || low.verdict === 'RED',
  });
  plan.plant.status = s.status;
  plan.plant.statusReason = s.reason;
  return plan;
}
