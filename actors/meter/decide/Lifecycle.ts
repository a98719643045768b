import { WAITING_STATUSES, isTerminal } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { InteractionRow, MeterContext } from '../../../persistence';
import { andThen, decided, type DecideEnv, type Decision } from '../effects';
import { adjudicate } from '../rules/gatekeeper';
import { planSuspensionRecovery } from '../rules/suspensionRecovery';
import { twinSettings } from '../rules/twinSettings';
import type { Loaded } from '../state';
import { interactionView, reportedOf } from '../views';
import { finish, finishAll, type Outcome } from './Finish';
import { reconcile } from './Reconcile';

type Reply = ((r: never) => void) | undefined;

/**
 * Abort of a waiting interaction; a finished or in-flight one cannot be aborted. `stored` is the row
 * from the database when the interaction is not open here (to tell NOT_FOUND from a finished one).
 */
export function abortInteraction(state: Loaded, env: DecideEnv, interactionId: string, reason: string, stored: InteractionRow | undefined, reply: Reply): Decision {
  const i = state.queue.find((q) => q.id === interactionId);
  if (!i) {
    if (!stored || stored.meterId !== state.id) throw new GridtwinError(ErrorCode.NOT_FOUND, `interaction ${interactionId} not found`);
    throw new GridtwinError(ErrorCode.INVALID_STATE, `interaction ${interactionId} is ${stored.status} and cannot be aborted`, { details: { status: stored.status } });
  }
  if (!WAITING_STATUSES.includes(i.status)) {
    throw new GridtwinError(ErrorCode.INVALID_STATE, `interaction ${interactionId} is ${i.status} (in flight) and cannot be aborted`, { details: { status: i.status } });
  }
  const d = finish(state, env, i, { status: 'ABORTED', failureReason: reason });
  return { state: d.state, effects: [...d.effects, { kind: 'reply', reply: reply as never, data: interactionView({ ...i, status: 'ABORTED', failureReason: reason }, state.ctx.meter.gridId) }] };
}

/** Abort cascade: the waiting siblings of a commissioning are ABORTED; the reply is how many. */
export function abortCommissioningSiblings(state: Loaded, env: DecideEnv, commissioningId: string, reason: string, reply: Reply): Decision {
  const siblings = state.queue.filter((q) => q.meterCommissioningId === commissioningId && WAITING_STATUSES.includes(q.status));
  const d = finishAll(state, env, siblings.map((i) => [i, { status: 'ABORTED', failureReason: reason }]));
  return { state: d.state, effects: [...d.effects, { kind: 'reply', reply: reply as never, data: siblings.length }] };
}

/** A DEFERRED commissioning step gets its turn: it goes through the gatekeeper like a new interaction. */
export function release(state: Loaded, env: DecideEnv, interactionId: string, reply: Reply): Decision {
  const answer = (data: unknown) => ({ kind: 'reply' as const, reply: reply as never, data });
  const i = state.queue.find((q) => q.id === interactionId);
  if (!i || i.status !== 'DEFERRED') return decided(state, answer(null));
  const verdict = adjudicate({ type: i.type, fromCommissioning: true }, state.ctx, env.limits, env.now);
  if (verdict.status === 'DEFERRED') return decided(state, answer(interactionView(i, state.ctx.meter.gridId)));
  if (verdict.status === 'ABORTED') {
    const d = finish(state, env, i, { status: 'ABORTED', failureReason: verdict.reason ?? 'aborted' });
    return { state: d.state, effects: [...d.effects, answer(interactionView({ ...i, status: 'ABORTED' }, state.ctx.meter.gridId))] };
  }
  const moved: InteractionRow = { ...i, status: verdict.status, failureReason: verdict.reason ?? i.failureReason };
  return decided({ ...state, queue: state.queue.map((q) => (q.id === i.id ? moved : q)) },
    { kind: 'transition', id: i.id, from: ['DEFERRED'], to: verdict.status, failureReason: verdict.reason ?? null },
    answer(interactionView({ ...i, status: verdict.status }, state.ctx.meter.gridId)));
}

/**
 * The grid or a gateway changed state: take the fresh world, re-judge SUSPENDED interactions (resumed, as
 * the origin does). With the organization's suspension recovery, stale controls are purged (ABORTED with a
 * reason) and the reconcile loop sends one synchronising interaction, carrying a purged control's order.
 */
export function worldChanged(state: Loaded, env: DecideEnv, fresh: MeterContext | undefined): Decision {
  if (!fresh) return decided(state);
  // Someone else wrote the registry: take the fresh world, keep operator intent accepted in memory but not yet written.
  const s: Loaded = { ...state, ctx: { ...fresh, meter: { ...fresh.meter, desired: { ...fresh.meter.desired, ...state.ctx.meter.desired } } } };
  const settings = twinSettings(s.ctx.organizationSettings);
  const suspended = s.queue.filter((q) => q.status === 'SUSPENDED');
  if (!suspended.length) return decided(s);
  if (adjudicate({ type: suspended[0]!.type }, s.ctx, env.limits, env.now).status === 'SUSPENDED') return decided(s);
  const plan = planSuspensionRecovery(suspended, settings, s.ctx.meter.desired, reportedOf(s.ctx.meter));
  const carried = new Set(Object.values(plan.carry).map((c) => c.orderId));
  let d = finishAll(s, env, plan.purge.map((i) => [i, { status: 'ABORTED', failureReason: i.orderId && carried.has(i.orderId)
    ? 'stale after suspension: purged; its order is carried by the interaction that brings the meter to its desired state'
    : 'stale after suspension: purged; the meter is brought to its desired state instead' }]));
  for (const i of plan.resume) {
    const v = adjudicate({ type: i.type }, d.state.ctx, env.limits, env.now);
    if (v.status === 'ABORTED') {
      d = andThen(d, (x) => finish(x, env, i, { status: 'ABORTED', failureReason: v.reason ?? 'aborted' }));
    } else if (v.status === 'QUEUED') {
      d = andThen(d, (x) => decided({ ...x, queue: x.queue.map((q) => (q.id === i.id ? { ...q, status: 'QUEUED' as const } : q)) },
        { kind: 'transition', id: i.id, from: ['SUSPENDED'], to: 'QUEUED' }));
    }
  }
  if (!plan.purge.length) return d;
  // One synchronising interaction per attribute brings the meter to its desired state. Its row is written before
  // the purge: a crash between the two leaves a queued carrier beside a control still SUSPENDED (judged again on
  // reload, and the reconcile sees the carrier), never a purged order without the interaction that carries it.
  const r = andThen(d, (x) => reconcile({ ...x, reconcile: {} }, env, plan.carry));
  return { state: r.state, effects: [...r.effects.filter((e) => e.kind === 'insert'), ...r.effects.filter((e) => e.kind !== 'insert')] };
}

/** Reconciliation of time: in-flight past its deadline → FAILED; expired waiting reads → EXPIRED. */
export function expireOverdue(state: Loaded, env: DecideEnv): Decision {
  const due: Array<[InteractionRow, Outcome]> = [];
  for (const i of state.queue) {
    if (isTerminal(i.status)) continue;
    if ((i.status === 'PROCESSING' || i.status === 'VERIFYING') && i.deadlineAt && Date.parse(i.deadlineAt) + 1000 < env.now) {
      due.push([i, { status: 'FAILED', failureReason: 'no outcome before the processing deadline' }]);
    } else if (WAITING_STATUSES.includes(i.status) && i.expiresAt && Date.parse(i.expiresAt) <= env.now) {
      due.push([i, { status: 'EXPIRED', failureReason: 'read expired before it was sent' }]);
    }
  }
  return finishAll(state, env, due);
}
