import type { DriverResponse } from '../../../adapters/meters/types';
import { ErrorCode, type GridtwinError } from '../../../core/errors';
import { interactionsRepo } from '../../../persistence';
import { twinSettings } from '../rules/twinSettings';
import { VERIFY_WITH } from '../rules/verification';
import type { MeterEnv, MeterState } from '../state';
import { publishInteractionUpdate } from '../events';
import { interactionView } from '../views';
import { outcomesPending, sendToDriver } from './Dispatch';
import { finish } from './Finish';

type Loaded = MeterState & { ctx: NonNullable<MeterState['ctx']> };

/**
 * The meter answered (or did not). Success and plain failure run the cascade. A control that failed or
 * timed out is VERIFIED first (meter twin): the matching read decides SUCCESSFUL or FAILED, and only
 * then does the cascade run — once. A command that was never accepted is not retried blindly.
 */
export async function driverReplied(
  state: Loaded, env: MeterEnv, interactionId: string, outcome: { ok: true; response: DriverResponse } | { ok: false; error: GridtwinError },
): Promise<MeterState> {
  const i = state.queue.find((q) => q.id === interactionId);
  if (!i || (i.status !== 'PROCESSING' && i.status !== 'VERIFYING')) {
    outcomesPending.delete(interactionId);
    return state;
  }
  const next = await decide(state, env, i, outcome);
  // Handled (or handed to a verification read, which re-adds it): a crash before this line redelivers.
  if (!next.queue.some((q) => q.id === interactionId && q.status === 'VERIFYING')) outcomesPending.delete(interactionId);
  return next;
}

async function decide(
  state: Loaded, env: MeterEnv, i: Loaded['queue'][number], outcome: { ok: true; response: DriverResponse } | { ok: false; error: GridtwinError },
): Promise<MeterState> {
  if (i.status === 'VERIFYING') {
    const check = VERIFY_WITH[i.type]!;
    if (outcome.ok && check.applied(i.params, outcome.response.result)) {
      const result = { ...outcome.response.result, ...(i.type === 'SET_POWER_LIMIT' ? { powerLimitW: i.params.powerLimitW as number } : {}) };
      return finish(state, env, i, { status: 'SUCCESSFUL', result, deviceInfo: outcome.response.deviceInfo, failureReason: null });
    }
    const why = outcome.ok ? 'verification read shows the control did not take effect' : `verification read failed: ${outcome.error.message}`;
    return finish(state, env, i, { status: 'FAILED', failureReason: `${i.failureReason ?? 'control failed'}; ${why}` });
  }
  if (outcome.ok) {
    return finish(state, env, i, { status: 'SUCCESSFUL', result: outcome.response.result, deviceInfo: outcome.response.deviceInfo });
  }
  const check = VERIFY_WITH[i.type];
  const unknownOutcome = outcome.error.code === ErrorCode.TIMEOUT || outcome.error.code === ErrorCode.NETWORK_TIMEOUT;
  if (check && twinSettings(state.ctx.organizationSettings).readAfterFail && (unknownOutcome || outcome.error.code === ErrorCode.DEVICE_REJECTED || outcome.error.code === ErrorCode.UNAVAILABLE)) {
    const deadlineAt = env.now() + env.config.interactions.processingDeadlineMs;
    const reason = `${outcome.error.code}: ${outcome.error.message}`;
    const moved = await interactionsRepo.transition(env.db.sql, i.id, ['PROCESSING'], 'VERIFYING', { failureReason: reason, deadlineAt: new Date(deadlineAt).toISOString() });
    if (!moved) return state;
    const verifying = { ...i, status: 'VERIFYING' as const, failureReason: reason };
    const next = { ...state, queue: state.queue.map((q) => (q.id === i.id ? verifying : q)) };
    env.metrics.interactionsByStatus.inc({ type: i.type, status: 'VERIFYING' });
    if (!verifying.skipWebsocketEmission) publishInteractionUpdate(env, interactionView(verifying, state.ctx.meter.gridId));
    sendToDriver(next, env, i.id, check.read, {}, deadlineAt);
    return next;
  }
  return finish(state, env, i, { status: 'FAILED', failureReason: `${outcome.error.code}: ${outcome.error.message}` });
}
