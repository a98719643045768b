import type { Bus } from '../../../adapters/bus';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { PlantAlertEvent, PlantStatus, PlantStatusEvent, PlantTelemetryEvent } from '../../../core/events';
import type { Logger } from '../../../core/logger';
import type { Subjects } from '../../../core/subjects';
import { alertsRepo, plantsRepo, snapshotsRepo, type AlertRow, type Database, type PlantRow } from '../../../persistence';
import { alertEventBody } from '../views';
import type { PollPlan } from './decide';
import type { Clock } from '../../../core/time';

export interface CommitEnv {
  db: Database;
  bus: Bus;
  subjects: Subjects;
  logger: Logger;
  newId: () => string;
  now: Clock;
}

export interface Committed {
  status: PlantStatus;
  previousStatus: PlantStatus;
  alertEvents: AlertRow[];
}

/**
 * Writes a poll's plan in one transaction, fenced on the plant row (locked first: a plant deleted during
 * the poll fails the commit with NOT_FOUND and leaves nothing behind), then publishes the status
 * transition and the alert changes that actually happened.
 */
export async function commitPoll(env: CommitEnv, plant: PlantRow, plan: PollPlan): Promise<Committed> {
  const out = await env.db.tx(async (sql) => {
    const current = await plantsRepo.get(sql, plant.id, { forUpdate: true });
    if (!current) throw new GridtwinError(ErrorCode.NOT_FOUND, `plant ${plant.id} was deleted during the poll`);
    const alertEvents: AlertRow[] = [];
    for (const s of plan.snapshots) await snapshotsRepo.upsert(sql, s);
    for (const a of plan.alertCreates) {
      const row = await alertsRepo.insert(sql, a);
      if (row) alertEvents.push(row);
    }
    for (const u of plan.alertRefreshes) {
      const row = await alertsRepo.refresh(sql, u.id, u);
      // an alert acked during the poll keeps its last notification and is not announced again
      if (row && u.notifiedAt && row.lastNotifiedAt === u.notifiedAt.toISOString()) alertEvents.push(row);
    }
    for (const r of plan.alertResolves) {
      const row = await alertsRepo.resolve(sql, r.id, r.at);
      if (row) alertEvents.push(row);
    }
    await plantsRepo.recordPoll(sql, plant.id, plan.plant);
    return { status: plan.plant.status, previousStatus: current.status, alertEvents };
  });
  if (out.status !== out.previousStatus) publishStatus(env, plant, out.status, out.previousStatus, plan.plant.statusReason, plan.snapshotOfToday ?? undefined);
  for (const a of out.alertEvents) publishAlert(env, a);
  if (plan.snapshotOfToday) publishTelemetry(env, plant, plan.snapshotOfToday);
  return out;
}

export function publishTelemetry(env: CommitEnv, plant: Pick<PlantRow, 'id' | 'organizationId'>, today: NonNullable<PollPlan['snapshotOfToday']>): void {
  const ev: PlantTelemetryEvent = {
    id: env.newId(), at: new Date(env.now()).toISOString(), plantId: plant.id, organizationId: plant.organizationId,
    date: today.date, todayEnergyKwh: today.todayEnergyKwh, currentPowerW: today.currentPowerW, lastSeenAt: today.lastSeenAt,
  };
  publish(env, env.subjects.evtPlantTelemetry(plant.id), ev);
}

export function publishStatus(env: CommitEnv, plant: Pick<PlantRow, 'id' | 'organizationId'>, status: PlantStatus, previousStatus: PlantStatus | null, reason: string, snapshot?: PlantStatusEvent['snapshot']): void {
  const ev: PlantStatusEvent = {
    id: env.newId(), at: new Date(env.now()).toISOString(), plantId: plant.id, organizationId: plant.organizationId,
    status, previousStatus, reason, ...(snapshot ? { snapshot } : {}),
  };
  publish(env, env.subjects.evtPlantStatus(plant.id), ev);
}

export function publishAlert(env: CommitEnv, a: AlertRow): void {
  const ev: PlantAlertEvent = { id: env.newId(), at: new Date(env.now()).toISOString(), plantId: a.plantId, organizationId: a.organizationId, alert: alertEventBody(a) };
  publish(env, env.subjects.evtPlantAlert(a.plantId), ev);
  publish(env, env.subjects.evtOrgAlert(a.organizationId), ev);
}

function publish(env: CommitEnv, subject: string, payload: unknown): void {
  try {
    env.bus.publish(subject, payload);
  } catch (e) {
    env.logger.warn({ subject, err: (e as Error).message }, 'event not published (bus unavailable)');
  }
}
