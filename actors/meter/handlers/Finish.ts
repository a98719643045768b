import type { DeviceInfo, InteractionResult, InteractionStatus } from '../../../core/domain';
import type { MeterStateEvent } from '../../../core/events';
import { interactionsRepo, type InteractionRow, type MeterRow } from '../../../persistence';
import { issuesToClose } from '../cascade/AutoCloseIssue';
import { buildDeviceInfoUpdate, buildMeterUpdate } from '../cascade/BuildMeterUpdate';
import { planEffects } from '../cascade/PlanEffects';
import type { MeterEnv, MeterState } from '../state';
import { interactionView, shadowOf } from '../views';

export interface Outcome {
  status: Extract<InteractionStatus, 'SUCCESSFUL' | 'FAILED' | 'ABORTED' | 'SUPERSEDED' | 'EXPIRED'>;
  result?: InteractionResult;
  deviceInfo?: DeviceInfo;
  failureReason?: string | null;
}

/** Strips what must never be stored in clear or published (delivered tokens). */
const publicResult = (r: InteractionResult | undefined) => {
  if (!r) return null;
  const { token: _t, raw: _raw, ...rest } = r;
  return rest;
};

/**
 * The cascade, steps 1–4 in one transaction (interaction final, meter fields, issue auto-close, meter
 * write) together with the outbox rows of steps 5–8; then the effects runner takes those rows while the
 * meter actor goes on with its next interaction.
 */
export async function finish(state: MeterState & { ctx: NonNullable<MeterState['ctx']> }, env: MeterEnv, interaction: InteractionRow, o: Outcome): Promise<MeterState> {
  const t0 = performance.now();
  const ctx = state.ctx;
  const at = new Date(env.now()).toISOString();
  const succeeded = o.status === 'SUCCESSFUL';
  const patch: Partial<MeterRow> = succeeded
    ? { ...buildMeterUpdate(ctx.meter, interaction.type, o.result ?? {}, at), ...buildDeviceInfoUpdate(ctx.meter, o.deviceInfo, ctx.dcus, at) }
    : o.deviceInfo ? buildDeviceInfoUpdate(ctx.meter, o.deviceInfo, ctx.dcus, at) : {};
  const nextMeter: MeterRow = { ...ctx.meter, ...patch };
  const closeIssueIds = issuesToClose(ctx.openIssues, nextMeter, succeeded);
  const resultValue = publicResult(o.result);
  const view = interactionView({ ...interaction, status: o.status, resultValue, failureReason: o.failureReason ?? null, updatedAt: at }, ctx.meter.gridId);
  const steps = planEffects({
    interaction, status: o.status, protocol: ctx.meter.protocol,
    lastCommissioningId: ctx.meter.lastCommissioningId, lastCommissioningStatus: ctx.lastCommissioningStatus,
    sinks: env.effects.sinkFlags,
  });
  // Desired state lives in memory from the moment a control is accepted; it is written with the outcome.
  const meterPatch: Record<string, unknown> = { ...patch, desired: nextMeter.desired };
  const t1 = performance.now();
  const { meterRowVersion, outbox } = await interactionsRepo.commitOutcome(env.db.sql, {
      interactionId: interaction.id,
      fromStatuses: [interaction.status],
      status: o.status,
      resultValue,
      failureReason: o.failureReason ?? null,
      meterId: ctx.meter.id,
      meterRowVersion: ctx.meter.rowVersion,
      meterPatch,
      closeIssueIds,
      outbox: steps,
    });
  env.metrics.cascadeStepSeconds.observe({ step: 'buildUpdate' }, (t1 - t0) / 1000);
  env.metrics.cascadeStepSeconds.observe({ step: 'writeMeter' }, (performance.now() - t1) / 1000);
  env.metrics.interactionsByStatus.inc({ type: interaction.type, status: o.status });
  const meter: MeterRow = { ...nextMeter, rowVersion: meterRowVersion, updatedAt: at };
  const queue = state.queue.filter((q) => q.id !== interaction.id);
  const next: MeterState = {
    ...state,
    ctx: {
      ...ctx,
      meter,
      openIssues: ctx.openIssues.filter((i) => !closeIssueIds.includes(i.id)),
      lastCommissioningStatus: steps.some((s) => s.step === 'commissioning' && s.payload?.mode === 'resume') ? 'RESUMING' : ctx.lastCommissioningStatus,
    },
    queue,
    inFlight: state.inFlight === interaction.id ? null : state.inFlight,
  };
  env.effects.run(outbox, view);
  if (Object.keys(patch).length || closeIssueIds.length) publishMeterState(next, env);
  return next;
}

export function publishMeterState(state: MeterState, env: MeterEnv) {
  const ctx = state.ctx!;
  const { desired: _d, shadowMetadata: _s, ...meter } = ctx.meter;
  const evt: MeterStateEvent = {
    id: `${ctx.meter.id}:${ctx.meter.rowVersion}`,
    at: new Date(env.now()).toISOString(),
    meterId: ctx.meter.id,
    gridId: ctx.meter.gridId,
    meter: meter as unknown as Record<string, unknown>,
    shadow: shadowOf(ctx.meter, state.queue.find((q) => q.id === state.inFlight)),
  };
  env.bus.publish(env.subjects.evtMeterState(ctx.meter.id), evt);
}
