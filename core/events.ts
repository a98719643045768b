import type { InteractionStatus, InteractionType } from './domain';

/**
 * Event payloads published on `<prefix>.evt.…` (see core/subjects.ts). Views are plain JSON.
 * Every event has `id` (unique, stable across re-publication after a crash: consumers may dedupe on it)
 * and `at` (ISO time).
 */
export interface InteractionView {
  id: string;
  meterId: string;
  gridId: string | null;
  type: InteractionType;
  status: InteractionStatus;
  params: Record<string, unknown>;
  resultValue: unknown;
  failureReason: string | null;
  orderId: string | null;
  batchExecutionIds: string[];
  meterCommissioningId: string | null;
  idempotencyKey: string | null;
  createdAt: string;
  updatedAt: string;
  /** Only on a joined caller's record (coalescing): the interaction that serves it. */
  coalescedInto?: string;
}

export interface MeterInteractionEvent {
  id: string;
  at: string;
  event: 'meter-interaction';
  operation: 'UPDATE';
  gridId: string;
  interaction: InteractionView;
}

export interface MeterStateEvent {
  id: string;
  at: string;
  meterId: string;
  gridId: string | null;
  /** The meter view (same shape as `meter.<id>.get`'s data.meter). */
  meter: Record<string, unknown>;
  shadow: { desired: Record<string, unknown>; reported: Record<string, unknown>; delta: Record<string, unknown>; metadata: Record<string, unknown> };
}

export type PlantStatus = 'GREEN' | 'YELLOW' | 'RED' | 'GREY';

export interface PlantStatusEvent {
  id: string;
  at: string;
  plantId: string;
  organizationId: string;
  status: PlantStatus;
  previousStatus: PlantStatus | null;
  reason: string;
  snapshot?: { date: string; todayEnergyKwh: number; lastSeenAt: string | null; currentPowerW?: number | null };
}

/** Today's energy and the current power of a plant, after every poll that read them (live telemetry). */
export interface PlantTelemetryEvent {
  id: string;
  at: string;
  plantId: string;
  organizationId: string;
  date: string;
  todayEnergyKwh: number;
  currentPowerW: number | null;
  lastSeenAt: string | null;
}

export interface PlantAlertEvent {
  id: string;
  at: string;
  plantId: string;
  organizationId: string;
  alert: { id: string; type: string; severity: string; state: 'NEW' | 'ACKED' | 'RESOLVED'; message: string; vendorAlarmCode: string | null; deviceSn: string | null };
}

export interface EscoSyncEvent {
  id: string;
  at: string;
  esco: string;
  sweepId: string;
  phase: 'started' | 'progress' | 'finished';
  total: number;
  done: number;
  healthy: number;
  unhealthy: number;
}
