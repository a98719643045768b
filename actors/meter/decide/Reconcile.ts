import type { InteractionType } from '../../../core/domain';
import { andThen, decided, type DecideEnv, type Decision } from '../effects';
import type { CreateInteractionRequest } from '../rules/params';
import { twinSettings } from '../rules/twinSettings';
import type { Loaded } from '../state';
import { deltaOf, reportedOf } from '../views';
import { create } from './Create';

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
 * open an issue (once) instead of looping. At most one corrective interaction per call, except after
 * suspension recovery: each attribute that `carry`s a purged control's order gets its corrective now, with that order.
 */
export function reconcile(state: Loaded, env: DecideEnv, carry: Record<string, { orderId: string }> = {}): Decision {
  const settings = twinSettings(state.ctx.organizationSettings);
  if (!settings.reconcile) return decided(state);
  const delta = deltaOf(state.ctx.meter.desired, reportedOf(state.ctx.meter));
  let d = decided(state);
  for (const [attr, value] of Object.entries(delta)) {
    const s = d.state;
    // Something already on its way for this attribute: let it land first.
    if (s.queue.some((q) => q.targetValue && attr in (q.targetValue as Record<string, unknown>))) continue;
    const r = s.reconcile[attr] ?? { attempts: 0, nextAt: 0 };
    if (env.now < r.nextAt) continue;
    if (r.attempts >= settings.reconcileMaxAttempts) {
      if (r.attempts === settings.reconcileMaxAttempts) {
        d = decided({ ...s, reconcile: { ...s.reconcile, [attr]: { attempts: r.attempts + 1, nextAt: Number.POSITIVE_INFINITY } } }, ...d.effects,
          { kind: 'openIssue', issue: { id: env.newId(), meterId: s.id, gridId: s.ctx.meter.gridId, type: ISSUE_FOR[attr]!, details: { attribute: attr, desired: value } } });
      }
      continue;
    }
    const c = CORRECTIVE[attr]?.(value);
    if (!c) continue;
    const req = { type: c.type, params: c.params, ...(carry[attr] ? { orderId: carry[attr].orderId } : {}) } as CreateInteractionRequest;
    d = andThen(andThen(d, (x) => create(x, env, req, {}, {})), (x) => decided({
      ...x, reconcile: { ...x.reconcile, [attr]: { attempts: r.attempts + 1, nextAt: env.now + settings.reconcileBackoffMs * 2 ** r.attempts } },
    }));
    if (!Object.keys(carry).length) return d;
  }
  return d;
}

/** A successful read or control that matches desired resets that attribute's reconcile budget. */
export function resetReconcileWhenInSync(state: Loaded): Loaded {
  const delta = deltaOf(state.ctx.meter.desired, reportedOf(state.ctx.meter));
  const kept = Object.fromEntries(Object.entries(state.reconcile).filter(([k]) => k in delta));
  return Object.keys(kept).length === Object.keys(state.reconcile).length ? state : { ...state, reconcile: kept };
}
