import type { CommunicationProtocol, InteractionStatus, InteractionType } from '../../../core/domain';

/**
 * Follow-up interactions created by an outcome (each re-enters the pipeline at step 1):
 * - TOP_UP / CLEAR_CREDIT success → READ_CREDIT, except inside a commissioning;
 * - SET_POWER_LIMIT failure on CALIN_V1 → READ_POWER_LIMIT.
 */
export function followUpsFor(i: { type: InteractionType; status: InteractionStatus; meterCommissioningId: string | null }, protocol: CommunicationProtocol): InteractionType[] {
  if ((i.type === 'TOP_UP' || i.type === 'CLEAR_CREDIT') && i.status === 'SUCCESSFUL' && !i.meterCommissioningId) return ['READ_CREDIT'];
  if (i.type === 'SET_POWER_LIMIT' && i.status === 'FAILED' && protocol === 'CALIN_V1') return ['READ_POWER_LIMIT'];
  return [];
}

/** The idempotency key of a follow-up: one per (origin interaction, type), so a replay creates nothing new. */
export const followUpKey = (originId: string, type: InteractionType) => `followup:${originId}:${type}`;
