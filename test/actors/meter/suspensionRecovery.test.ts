import { describe, expect, it } from 'vitest';
import { planSuspensionRecovery } from '../../../actors/meter/rules/suspensionRecovery';
import { TWIN_DEFAULTS } from '../../../actors/meter/rules/twinSettings';
import type { InteractionRow } from '../../../persistence';

const row = (id: string, type: 'TURN_ON' | 'TURN_OFF' | 'READ_CREDIT', extra: Partial<InteractionRow> = {}): InteractionRow => ({
  id, meterId: 'm', type, status: 'SUSPENDED', params: {}, targetValue: type === 'READ_CREDIT' ? null : { relay: type === 'TURN_ON' ? 'on' : 'off' },
  resultValue: null, failureReason: null, orderId: null, batchExecutionId: null, batchExecutionIds: [], meterCommissioningId: null,
  idempotencyKey: null, requestHash: null, skipWebsocketEmission: false, followUpOf: null, seq: 1, expiresAt: null, deadlineAt: null,
  createdAt: '', updatedAt: '', ...extra,
});
const ids = (rs: InteractionRow[]) => rs.map((r) => r.id);
const on = { ...TWIN_DEFAULTS, suspensionRecovery: true };
const desiredOff = { relay: 'off' };
const reportedOn = { relay: 'on', powerLimitW: null };

describe('suspension recovery plan', () => {
  it('by default (origin) everything resumes', () => {
    const plan = planSuspensionRecovery([row('a', 'TURN_OFF'), row('b', 'READ_CREDIT')], TWIN_DEFAULTS, desiredOff, reportedOn);
    expect([ids(plan.resume), ids(plan.purge), plan.carry]).toEqual([['a', 'b'], [], {}]);
  });

  it('recovery purges unlinked controls; reads always resume', () => {
    const plan = planSuspensionRecovery([row('a', 'TURN_OFF'), row('b', 'TURN_ON'), row('c', 'TURN_OFF'), row('r', 'READ_CREDIT')], on, desiredOff, reportedOn);
    expect([ids(plan.resume), ids(plan.purge), plan.carry]).toEqual([['r'], ['a', 'b', 'c'], {}]);
  });

  it('one order-linked control aiming at the desired state is purged and its order carried', () => {
    const plan = planSuspensionRecovery([row('a', 'TURN_ON'), row('b', 'TURN_OFF', { orderId: 'o1' })], on, desiredOff, reportedOn);
    expect([ids(plan.resume), ids(plan.purge), plan.carry]).toEqual([[], ['a', 'b'], { relay: { orderId: 'o1' } }]);
  });

  it('orders that cannot be carried resume; batches always resume', () => {
    const two = planSuspensionRecovery([row('a', 'TURN_OFF', { orderId: 'o1' }), row('b', 'TURN_OFF', { orderId: 'o2' }), row('c', 'TURN_ON')], on, desiredOff, reportedOn);
    expect([ids(two.resume), ids(two.purge), two.carry]).toEqual([['a', 'b'], ['c'], {}]);
    const inSync = planSuspensionRecovery([row('a', 'TURN_OFF', { orderId: 'o1' })], on, desiredOff, { relay: 'off' });
    expect([ids(inSync.resume), ids(inSync.purge)]).toEqual([['a'], []]);
    const batch = planSuspensionRecovery([row('a', 'TURN_OFF', { batchExecutionIds: ['b1'] }), row('b', 'TURN_OFF', { orderId: 'o1' })], on, desiredOff, reportedOn);
    expect([ids(batch.resume), ids(batch.purge), batch.carry]).toEqual([['a', 'b'], [], {}]);
    const noReconcile = planSuspensionRecovery([row('a', 'TURN_OFF')], { ...on, reconcile: false }, desiredOff, reportedOn);
    expect(ids(noReconcile.resume)).toEqual(['a']);
  });
});
