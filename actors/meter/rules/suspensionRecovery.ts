import type { InteractionRow } from '../../../persistence';
import type { TwinSettings } from './twinSettings';
import { deltaOf } from '../views';

export interface RecoveryPlan {
  /** ABORTED as stale: the reconcile loop sends one synchronising control per attribute instead. */
  purge: InteractionRow[];
  /** Re-judged by the gatekeeper and sent as they are (the origin's behaviour). */
  resume: InteractionRow[];
  /** The order a purged control was sent for, carried by the synchronising control of its attribute. */
  carry: Record<string, { orderId: string }>;
}

/**
 * What happens to SUSPENDED interactions when the world lets them go (seed 000: the origin resumes them).
 * With the organization's `twin.suspensionRecovery` (and reconcile) on, stale controls are purged, but an
 * order or batch is never dropped: a batch's control and every order's control that cannot be carried are
 * resumed; a single order-linked control whose target is still the desired state is purged and its order
 * rides on the synchronising control, so the order hears exactly one terminal outcome.
 */
export function planSuspensionRecovery(
  suspended: InteractionRow[], settings: TwinSettings, desired: Record<string, unknown>, reported: Record<string, unknown>,
): RecoveryPlan {
  const plan: RecoveryPlan = { purge: [], resume: [], carry: {} };
  const controls = new Map<string, InteractionRow[]>();
  for (const i of suspended) {
    const attr = i.targetValue ? Object.keys(i.targetValue as Record<string, unknown>)[0] : undefined;
    if (!settings.suspensionRecovery || !settings.reconcile || !attr) plan.resume.push(i);
    else controls.set(attr, [...(controls.get(attr) ?? []), i]);
  }
  const delta = deltaOf(desired, reported);
  for (const [attr, group] of controls) {
    const batched = group.filter((i) => i.batchExecutionIds.length > 0 || i.batchExecutionId);
    const rest = group.filter((i) => !batched.includes(i));
    const ordered = rest.filter((i) => i.orderId);
    plan.resume.push(...batched);
    const only = ordered.length === 1 ? ordered[0]! : null;
    const carriable = only && !batched.length && attr in delta && (only.targetValue as Record<string, unknown>)[attr] === desired[attr];
    if (carriable) {
      plan.purge.push(...rest);
      plan.carry[attr] = { orderId: only.orderId! };
    } else {
      plan.resume.push(...ordered);
      plan.purge.push(...rest.filter((i) => !i.orderId));
    }
  }
  return plan;
}
