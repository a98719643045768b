import type { DeviceInfo, InteractionResult, InteractionStatus } from '../../../core/domain';
import type { InteractionRow, MeterRow } from '../../../persistence';
import { issuesToClose } from '../cascade/AutoCloseIssue';
import { buildDeviceInfoUpdate, buildMeterUpdate } from '../cascade/BuildMeterUpdate';
import { planEffects } from '../cascade/PlanEffects';
import { decided, type DecideEnv, type Decision, type Effect } from '../effects';
import { meterStateEvent } from '../events';
import type { Loaded } from '../state';
import { interactionView } from '../views';

export interface Outcome {
  status: Extract<InteractionStatus, 'SUCCESSFUL' | 'FAILED' | 'ABORTED' | 'SUPERSEDED' | 'EXPIRED'>;
  result?: InteractionResult;
  deviceInfo?: DeviceInfo;
  failureReason?: string | null;
}

/** Strips what must never be stored in clear or published (delivered tokens). */
/** The fields of a result that are stored and published (docs/asyncapi.yaml InteractionResult): never the token or a raw payload. */
const PUBLIC_RESULT_FIELDS = ['kwhCredit', 'isOn', 'powerLimitW', 'version', 'date', 'time', 'voltageV', 'currentA', 'powerW', 'tokenAccepted'] as const;
const publicResult = (r: InteractionResult | undefined): Partial<InteractionResult> | null => {
  if (!r) return null;
  const out: Partial<Record<(typeof PUBLIC_RESULT_FIELDS)[number], unknown>> = {};
  for (const k of PUBLIC_RESULT_FIELDS) if (r[k] !== undefined) out[k] = r[k];
  return out as Partial<InteractionResult>;
};

/**
 * An interaction reaches a final status: cascade steps 1–4 (interaction final, meter fields, issue
 * auto-close, meter write) and the outbox rows of steps 5–8 become ONE commit effect; the state is the
 * one that commit produces (the meter's row version moves by one). Every final status goes through here.
 */
export function finish(state: Loaded, env: Pick<DecideEnv, 'now' | 'sinks'>, interaction: InteractionRow, o: Outcome): Decision {
  const ctx = state.ctx;
  const at = new Date(env.now).toISOString();
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
    sinks: env.sinks,
  });
  const rowVersion = ctx.meter.rowVersion + 1;
  const next: Loaded = {
    ...state,
    ctx: {
      ...ctx,
      meter: { ...nextMeter, rowVersion, updatedAt: at },
      openIssues: ctx.openIssues.filter((i) => !closeIssueIds.includes(i.id)),
      lastCommissioningStatus: steps.some((s) => s.step === 'commissioning' && s.payload?.mode === 'resume') ? 'RESUMING' : ctx.lastCommissioningStatus,
    },
    queue: state.queue.filter((q) => q.id !== interaction.id),
    inFlight: state.inFlight === interaction.id ? null : state.inFlight,
  };
  const effects: Effect[] = [
    {
      kind: 'commit',
      expectRowVersion: rowVersion,
      view,
      commit: {
        interactionId: interaction.id, fromStatuses: [interaction.status], status: o.status, resultValue,
        failureReason: o.failureReason ?? null, meterId: ctx.meter.id, meterRowVersion: ctx.meter.rowVersion,
        // Desired state lives in memory from the moment a control is accepted; it is written with the outcome.
        meterPatch: { ...patch, desired: nextMeter.desired }, closeIssueIds, outbox: steps,
      },
    },
    { kind: 'count', type: interaction.type, status: o.status },
  ];
  if (Object.keys(patch).length || closeIssueIds.length) effects.push({ kind: 'publishMeterState', event: meterStateEvent(next, at) });
  return decided(next, ...effects);
}

/** Finishes several interactions one after the other (each its own commit, in queue order). */
export function finishAll(state: Loaded, env: Pick<DecideEnv, 'now' | 'sinks'>, items: Array<[InteractionRow, Outcome]>): Decision {
  let d = decided(state);
  for (const [i, o] of items) {
    const n = finish(d.state, env, i, o);
    d = { state: n.state, effects: [...d.effects, ...n.effects] };
  }
  return d;
}
