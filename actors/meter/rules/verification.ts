import type { InteractionResult, InteractionType } from '../../../core/domain';

/**
 * Read-after-fail (meter twin): the read that tells whether a failed control took effect anyway, and
 * whether the read shows the intended state.
 */
export const VERIFY_WITH: Partial<Record<InteractionType, { read: InteractionType; applied: (params: Record<string, unknown>, r: InteractionResult) => boolean }>> = {
  TURN_ON: { read: 'READ_CREDIT', applied: (_p, r) => r.isOn === true },
  TURN_OFF: { read: 'READ_CREDIT', applied: (_p, r) => r.isOn === false },
  SET_POWER_LIMIT: { read: 'READ_POWER_LIMIT', applied: (p, r) => r.powerLimitW === p.powerLimitW },
};
