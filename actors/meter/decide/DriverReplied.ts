import type { DriverResponse } from '../../../adapters/meters/types';
import { ErrorCode, type GridtwinError } from '../../../core/errors';
import type { InteractionRow } from '../../../persistence';
import { decided, type DecideEnv, type Decision } from '../effects';
import { twinSettings } from '../rules/twinSettings';
import { VERIFY_WITH } from '../rules/verification';
import type { Loaded } from '../state';
import { interactionView } from '../views';
import { commandFor } from './Dispatch';
import { finish } from './Finish';

export type DriverOutcome = { ok: true; response: DriverResponse } | { ok: false; error: GridtwinError };

/** Errors after which a control may have taken effect anyway: the matching read decides. */
const VERIFIABLE = new Set<string>([ErrorCode.TIMEOUT, ErrorCode.NETWORK_TIMEOUT, ErrorCode.DEVICE_REJECTED, ErrorCode.UNAVAILABLE]);

/**
 * The meter answered (or did not). Success and plain failure run the cascade. A control that failed or
 * timed out is VERIFIED first (meter twin): the matching read decides SUCCESSFUL or FAILED, and only
 * then does the cascade run — once. An outcome for nothing in flight changes nothing.
 */
export function driverReplied(state: Loaded, env: DecideEnv, interactionId: string, outcome: DriverOutcome): Decision {
  const i = state.queue.find((q) => q.id === interactionId);
  if (!i || (i.status !== 'PROCESSING' && i.status !== 'VERIFYING')) return decided(state, { kind: 'settled', interactionId });
  const d = decide(state, env, i, outcome);
  const verifying = d.state.queue.some((q) => q.id === interactionId && q.status === 'VERIFYING');
  return verifying ? d : { state: d.state, effects: [...d.effects, { kind: 'settled', interactionId }] };
}

function decide(state: Loaded, env: DecideEnv, i: InteractionRow, outcome: DriverOutcome): Decision {
  if (i.status === 'VERIFYING') {
    const check = VERIFY_WITH[i.type]!;
    if (outcome.ok && check.applied(i.params, outcome.response.result)) {
      const result = { ...outcome.response.result, ...(i.type === 'SET_POWER_LIMIT' ? { powerLimitW: i.params.powerLimitW as number } : {}) };
      return finish(state, env, i, { status: 'SUCCESSFUL', result, deviceInfo: outcome.response.deviceInfo, failureReason: null });
    }
    const why = outcome.ok ? 'verification read shows the control did not take effect' : `verification read failed: ${outcome.error.message}`;
    return finish(state, env, i, { status: 'FAILED', failureReason: `${i.failureReason ?? 'control failed'}; ${why}` });
  }
  if (outcome.ok) return finish(state, env, i, { status: 'SUCCESSFUL', result: outcome.response.result, deviceInfo: outcome.response.deviceInfo });
  const check = VERIFY_WITH[i.type];
  if (check && twinSettings(state.ctx.organizationSettings).readAfterFail && VERIFIABLE.has(outcome.error.code)) {
    const deadlineAt = env.now + env.limits.processingDeadlineMs;
    const reason = `${outcome.error.code}: ${outcome.error.message}`;
    const verifying: InteractionRow = { ...i, status: 'VERIFYING', failureReason: reason, deadlineAt: new Date(deadlineAt).toISOString() };
    const next: Loaded = { ...state, queue: state.queue.map((q) => (q.id === i.id ? verifying : q)) };
    return decided(next,
      { kind: 'transition', id: i.id, from: ['PROCESSING'], to: 'VERIFYING', failureReason: reason, deadlineAt: verifying.deadlineAt! },
      { kind: 'count', type: i.type, status: 'VERIFYING' },
      ...(verifying.skipWebsocketEmission ? [] : [{ kind: 'publishInteraction' as const, view: interactionView(verifying, state.ctx.meter.gridId) }]),
      { kind: 'send', cmd: commandFor(next, i.id, check.read, {}, deadlineAt) });
  }
  return finish(state, env, i, { status: 'FAILED', failureReason: `${outcome.error.code}: ${outcome.error.message}` });
}
