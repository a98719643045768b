import { WAITING_STATUSES, isTerminal } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { interactionsRepo, registryRepo } from '../../../persistence';
import { adjudicate } from '../rules/gatekeeper';
import { twinSettings } from '../rules/twinSettings';
import type { MeterEnv, MeterState } from '../state';
import { interactionView } from '../views';
import { finish } from './Finish';
import { reconcile } from './Reconcile';

type Loaded = MeterState & { ctx: NonNullable<MeterState['ctx']> };

/** Abort of a waiting interaction; a finished or in-flight one cannot be aborted. */
export async function abortInteraction(state: Loaded, env: MeterEnv, interactionId: string, reason: string) {
  const i = state.queue.find((q) => q.id === interactionId);
  if (!i) {
    const row = await interactionsRepo.get(env.db.sql, interactionId);
    if (!row || row.meterId !== state.id) throw new GridtwinError(ErrorCode.NOT_FOUND, `interaction ${interactionId} not found`);
    throw new GridtwinError(ErrorCode.INVALID_STATE, `interaction ${interactionId} is ${row.status} and cannot be aborted`, { details: { status: row.status } });
  }
  if (!WAITING_STATUSES.includes(i.status)) {
    throw new GridtwinError(ErrorCode.INVALID_STATE, `interaction ${interactionId} is ${i.status} (in flight) and cannot be aborted`, { details: { status: i.status } });
  }
  const next = await finish(state, env, i, { status: 'ABORTED', failureReason: reason });
  return { state: next, view: interactionView({ ...i, status: 'ABORTED', failureReason: reason }, state.ctx.meter.gridId) };
}

/** Abort cascade: the waiting siblings of a commissioning are ABORTED. */
export async function abortCommissioningSiblings(state: Loaded, env: MeterEnv, commissioningId: string, reason: string) {
  let s: MeterState = state;
  let n = 0;
  for (const i of state.queue.filter((q) => q.meterCommissioningId === commissioningId && WAITING_STATUSES.includes(q.status))) {
    s = await finish(s as Loaded, env, i, { status: 'ABORTED', failureReason: reason });
    n++;
  }
  return { state: s, count: n };
}

/** A DEFERRED commissioning step gets its turn: it goes through the gatekeeper like a new interaction. */
export async function release(state: Loaded, env: MeterEnv, interactionId: string) {
  const i = state.queue.find((q) => q.id === interactionId);
  if (!i || i.status !== 'DEFERRED') return { state: state as MeterState, view: null };
  const verdict = adjudicate({ type: i.type, fromCommissioning: true }, state.ctx, env.config.interactions, env.now());
  if (verdict.status === 'DEFERRED') return { state: state as MeterState, view: interactionView(i, state.ctx.meter.gridId) };
  if (verdict.status === 'ABORTED') {
    const s = await finish(state, env, i, { status: 'ABORTED', failureReason: verdict.reason ?? 'aborted' });
    return { state: s, view: interactionView({ ...i, status: 'ABORTED' }, state.ctx.meter.gridId) };
  }
  await interactionsRepo.transition(env.db.sql, i.id, ['DEFERRED'], verdict.status, { failureReason: verdict.reason ?? null });
  const moved = { ...i, status: verdict.status };
  return { state: { ...state, queue: state.queue.map((q) => (q.id === i.id ? moved : q)) } as MeterState, view: interactionView(moved, state.ctx.meter.gridId) };
}

/**
 * The grid or a gateway changed state: reload the world, re-judge SUSPENDED interactions. With suspension
 * recovery (meter twin) stale queued controls are purged (ABORTED with a reason) — the reconcile loop
 * then sends one synchronising interaction towards the desired state.
 */
export async function worldChanged(state: Loaded, env: MeterEnv): Promise<MeterState> {
  const fresh = await registryRepo.loadMeterContext(env.db.sql, state.id);
  if (!fresh) return state;
  // Someone else wrote the registry (upsert, commissioning, grid state): take the fresh world, keep the
  // operator intent accepted in memory but not yet written.
  let s: Loaded = { ...state, ctx: { ...fresh, meter: { ...fresh.meter, desired: { ...fresh.meter.desired, ...state.ctx.meter.desired } } } };
  const settings = twinSettings(s.ctx.organizationSettings);
  const suspended = s.queue.filter((q) => q.status === 'SUSPENDED');
  if (!suspended.length) return s;
  const verdictNow = adjudicate({ type: suspended[0]!.type }, s.ctx, env.config.interactions, env.now());
  if (verdictNow.status === 'SUSPENDED') return s;
  let purged = 0;
  for (const i of suspended) {
    if (settings.suspensionRecovery && i.targetValue) {
      purged++;
      s = (await finish(s, env, i, { status: 'ABORTED', failureReason: 'stale after suspension: purged; the meter is brought to its desired state instead' })) as Loaded;
      continue;
    }
    const v = adjudicate({ type: i.type }, s.ctx, env.config.interactions, env.now());
    if (v.status === 'ABORTED') {
      s = (await finish(s, env, i, { status: 'ABORTED', failureReason: v.reason ?? 'aborted' })) as Loaded;
    } else if (v.status === 'QUEUED') {
      await interactionsRepo.transition(env.db.sql, i.id, ['SUSPENDED'], 'QUEUED');
      s = { ...s, queue: s.queue.map((q) => (q.id === i.id ? { ...q, status: 'QUEUED' as const } : q)) };
    }
  }
  // One synchronising interaction per attribute brings the meter to its desired state.
  return purged ? reconcile({ ...s, reconcile: {} }, env) : s;
}

/** Reconciliation of time: in-flight past its deadline → FAILED; expired reads → EXPIRED. */
export async function expireOverdue(state: Loaded, env: MeterEnv): Promise<MeterState> {
  let s: Loaded = state;
  const now = env.now();
  for (const i of [...s.queue]) {
    if (isTerminal(i.status)) continue;
    if ((i.status === 'PROCESSING' || i.status === 'VERIFYING') && i.deadlineAt && Date.parse(i.deadlineAt) + 1000 < now) {
      s = (await finish(s, env, i, { status: 'FAILED', failureReason: 'no outcome before the processing deadline' })) as Loaded;
    } else if (WAITING_STATUSES.includes(i.status) && i.expiresAt && Date.parse(i.expiresAt) <= now) {
      s = (await finish(s, env, i, { status: 'EXPIRED', failureReason: 'read expired before it was sent' })) as Loaded;
    }
  }
  return s;
}
