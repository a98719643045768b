import type { InteractionStatus } from '../../../core/domain';
import type { InteractionRow } from '../../../persistence';
import { followUpsFor } from './FollowUps';
import type { CommunicationProtocol } from '../../../core/domain';

/** The asynchronous cascade steps (5–8 and follow-ups), in the seed's code order. */
export const CASCADE_STEPS = ['notifyOrder', 'notifyChat', 'analytics', 'batchProgress', 'commissioning', 'followUps', 'emitEvent'] as const;
export type CascadeStep = (typeof CASCADE_STEPS)[number];

export interface PlanInput {
  interaction: Pick<InteractionRow, 'type' | 'orderId' | 'batchExecutionIds' | 'meterCommissioningId' | 'skipWebsocketEmission'>;
  status: InteractionStatus;
  protocol: CommunicationProtocol;
  lastCommissioningId: string | null;
  lastCommissioningStatus: string | null;
  /** Which optional sinks this node has (a step is planned only for a sink that exists). */
  sinks?: { chat?: boolean; analytics?: boolean };
}

/**
 * Which steps apply to this outcome. Each becomes a durable outbox row written with the outcome, so a
 * crash after step 4 loses none of them and none runs twice.
 */
export function planEffects(p: PlanInput): Array<{ step: CascadeStep; payload?: Record<string, unknown> }> {
  const steps: Array<{ step: CascadeStep; payload?: Record<string, unknown> }> = [];
  const { interaction: i, status } = p;
  if (i.orderId && (status === 'SUCCESSFUL' || status === 'FAILED')) steps.push({ step: 'notifyOrder' });
  if (i.orderId && p.sinks?.chat) steps.push({ step: 'notifyChat' });
  if (i.type === 'READ_REPORT' && status === 'SUCCESSFUL' && p.sinks?.analytics) steps.push({ step: 'analytics' });
  if (i.batchExecutionIds.length) steps.push({ step: 'batchProgress', payload: { batchIds: i.batchExecutionIds } });
  if (i.meterCommissioningId) {
    steps.push({ step: 'commissioning', payload: { mode: 'advance', commissioningId: i.meterCommissioningId } });
  } else if (status === 'SUCCESSFUL' && p.lastCommissioningId && p.lastCommissioningStatus === 'PENDING') {
    steps.push({ step: 'commissioning', payload: { mode: 'resume', commissioningId: p.lastCommissioningId } });
  }
  const followUps = followUpsFor({ type: i.type, status, meterCommissioningId: i.meterCommissioningId }, p.protocol);
  if (followUps.length) steps.push({ step: 'followUps', payload: { types: followUps } });
  if (!i.skipWebsocketEmission) steps.push({ step: 'emitEvent' });
  return steps;
}
