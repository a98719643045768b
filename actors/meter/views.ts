import type { InteractionView } from '../../core/events';
import type { InteractionRow, MeterRow } from '../../persistence';
import type { MeterContext } from '../../persistence';

export interface Shadow {
  desired: Record<string, unknown>;
  reported: Record<string, unknown>;
  delta: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface MeterView {
  meter: Omit<MeterRow, 'desired' | 'shadowMetadata'> & { organizationId: string | null };
  shadow: Shadow;
  openInteractions: InteractionView[];
  openIssues: Array<{ id: string; type: string; createdAt: string }>;
}

export function interactionView(i: InteractionRow, gridId: string | null): InteractionView {
  return {
    id: i.id, meterId: i.meterId, gridId, type: i.type, status: i.status, params: i.params, resultValue: i.resultValue,
    failureReason: i.failureReason, orderId: i.orderId, batchExecutionIds: i.batchExecutionIds,
    meterCommissioningId: i.meterCommissioningId, idempotencyKey: i.idempotencyKey, createdAt: i.createdAt, updatedAt: i.updatedAt,
    ...(i.coalescedInto ? { coalescedInto: i.coalescedInto } : {}),
  };
}

/** Reported state of the controllable attributes, from the meter's last successful reads/controls. */
export function reportedOf(m: MeterRow): Record<string, unknown> {
  return { relay: m.isOn === null ? null : m.isOn ? 'on' : 'off', powerLimitW: m.powerLimit };
}

/** delta = desired attributes whose reported value differs. */
export function deltaOf(desired: Record<string, unknown>, reported: Record<string, unknown>): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(desired)) if (v !== undefined && v !== null && reported[k] !== v) d[k] = v;
  return d;
}

export function shadowOf(m: MeterRow, inFlight: InteractionRow | undefined): Shadow {
  const reported = reportedOf(m);
  return {
    desired: m.desired,
    reported,
    delta: deltaOf(m.desired, reported),
    metadata: {
      ...m.shadowMetadata,
      reported: { relay: m.isOnUpdatedAt, powerLimitW: m.powerLimitUpdatedAt },
      inFlight: inFlight ? { interactionId: inFlight.id, type: inFlight.type, status: inFlight.status } : null,
    },
  };
}

export function meterView(ctx: MeterContext, queue: InteractionRow[], inFlightId: string | null): MeterView {
  const { desired: _d, shadowMetadata: _s, ...meter } = ctx.meter;
  return {
    meter: { ...meter, organizationId: ctx.organizationId },
    shadow: shadowOf(ctx.meter, queue.find((i) => i.id === inFlightId)),
    openInteractions: queue.map((i) => interactionView(i, ctx.meter.gridId)),
    openIssues: ctx.openIssues.map((i) => ({ id: i.id, type: i.type, createdAt: i.createdAt })),
  };
}
