import type { InteractionType } from '../../../core/domain';
import { newId } from '../../../core/ids';
import { registryRepo } from '../../../persistence';
import type { CreateInteractionRequest } from '../rules/params';
import { twinSettings } from '../rules/twinSettings';
import type { MeterEnv, MeterState } from '../state';
import { deltaOf, reportedOf } from '../views';
import { createInteraction } from './CreateInteraction';

type Loaded = MeterState & { ctx: NonNullable<MeterState['ctx']> };

const CORRECTIVE: Record<string, (v: unknown) => { type: InteractionType; params: Record<string, unknown> } | null> = {
  relay: (v) => (v === 'on' ? { type: 'TURN_ON', params: {} } : v === 'off' ? { type: 'TURN_OFF', params: {} } : null),
  powerLimitW: (v) => (typeof v === 'number' ? { type: 'SET_POWER_LIMIT', params: { powerLimitW: v } } : null),
};
const ISSUE_FOR: Record<string, 'UNEXPECTED_METER_STATUS' | 'UNEXPECTED_POWER_LIMIT'> = {
  relay: 'UNEXPECTED_METER_STATUS', powerLimitW: 'UNEXPECTED_POWER_LIMIT',
};

/**
 * The reconciliation loop (meter twin): when desired ≠ reported and no interaction for that attribute is
 * open, issue the corrective interaction, with exponential backoff and a cap per attribute; past the cap,
 * open an issue instead of looping.
 */
export async function reconcile(state: Loaded, env: MeterEnv): Promise<MeterState> {
  const settings = twinSettings(state.ctx.organizationSettings);
  if (!settings.reconcile) return state;
  const delta = deltaOf(state.ctx.meter.desired, reportedOf(state.ctx.meter));
  let s: MeterState = state;
  const now = env.now();
  for (const [attr, value] of Object.entries(delta)) {
    // Something already on its way for this attribute: let it land first.
    if (s.queue.some((q) => q.targetValue && attr in (q.targetValue as Record<string, unknown>))) continue;
    const r = s.reconcile[attr] ?? { attempts: 0, nextAt: 0 };
    if (now < r.nextAt) continue;
    if (r.attempts >= settings.reconcileMaxAttempts) {
      if (r.attempts === settings.reconcileMaxAttempts) {
        await registryRepo.openIssue(env.db.sql, { id: newId(), meterId: state.id, gridId: state.ctx.meter.gridId, type: ISSUE_FOR[attr]!, details: { attribute: attr, desired: value } });
        s = { ...s, reconcile: { ...s.reconcile, [attr]: { attempts: r.attempts + 1, nextAt: Number.POSITIVE_INFINITY } } };
        env.logger.warn({ meterId: state.id, attr }, 'reconcile: meter keeps refusing; issue opened');
      }
      continue;
    }
    const c = CORRECTIVE[attr]?.(value);
    if (!c) continue;
    const req: CreateInteractionRequest = { type: c.type, params: c.params } as CreateInteractionRequest;
    const created = await createInteraction(s as Loaded, env, req);
    s = { ...created.state, reconcile: { ...created.state.reconcile, [attr]: { attempts: r.attempts + 1, nextAt: now + settings.reconcileBackoffMs * 2 ** r.attempts } } };
    break;
  }
  return s;
}

/** A successful read or control that matches desired resets that attribute's reconcile budget. */
export function resetReconcileWhenInSync(state: MeterState): MeterState {
  if (!state.ctx) return state;
  const delta = deltaOf(state.ctx.meter.desired, reportedOf(state.ctx.meter));
  const kept = Object.fromEntries(Object.entries(state.reconcile).filter(([k]) => k in delta));
  return Object.keys(kept).length === Object.keys(state.reconcile).length ? state : { ...state, reconcile: kept };
}
