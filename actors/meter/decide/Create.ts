import { createHash } from 'node:crypto';
import { isReadType } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { InteractionRow } from '../../../persistence';
import { andThen, decided, type DecideEnv, type Decision, type Effect } from '../effects';
import type { CreateOptions } from '../messages';
import { adjudicate } from '../rules/gatekeeper';
import { coalesce } from '../rules/coalesce';
import type { CreateInteractionRequest } from '../rules/params';
import { twinSettings } from '../rules/twinSettings';
import type { Loaded } from '../state';
import { interactionView } from '../views';
import { finish, finishAll } from './Finish';

export const requestHash = (r: CreateInteractionRequest) =>
  createHash('sha256').update(JSON.stringify([r.type, r.params, r.orderId ?? null, r.batchExecutionId ?? null])).digest('hex').slice(0, 32);

/** Desired state implied by a control (meter twin). */
export function impliedDesired(r: Pick<CreateInteractionRequest, 'type' | 'params'>): Record<string, unknown> | null {
  if (r.type === 'TURN_ON') return { relay: 'on' };
  if (r.type === 'TURN_OFF') return { relay: 'off' };
  if (r.type === 'SET_POWER_LIMIT') return { powerLimitW: r.params.powerLimitW };
  return null;
}

/** What the database knows that the actor does not hold: the interaction an idempotency key already names. */
export interface CreateFacts {
  existing?: InteractionRow;
}

/**
 * Accepts an interaction: idempotency replay, coalescing with an equal queued one, superseding
 * contradicted ones, the gatekeeper's verdict, and a durable row before the caller gets an answer
 * (the `reply` effect comes right after the insert).
 */
export function create(
  state: Loaded, env: DecideEnv, req: CreateInteractionRequest, opts: CreateOptions, facts: CreateFacts, reply?: (r: never) => void,
): Decision {
  const ctx = state.ctx;
  const hash = requestHash(req);
  const answer = (data: unknown): Effect => ({ kind: 'reply', reply: reply as never, data });
  if (req.idempotencyKey && facts.existing) {
    const existing = facts.existing;
    // Keys are scoped to the meter (facts read this meter's only), so the earlier interaction is always this meter's.
    if (existing.requestHash !== hash || existing.meterId !== state.id) {
      throw new GridtwinError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'this idempotency key was used for a different request on this meter', {
        details: existing.meterId === state.id ? { idempotencyKey: req.idempotencyKey, interactionId: existing.id } : { idempotencyKey: req.idempotencyKey },
      });
    }
    return decided(state, answer({ ...interactionView(existing, ctx.meter.gridId), replayed: true }));
  }
  const settings = twinSettings(ctx.organizationSettings);
  let d = decided(state);
  if (settings.coalescing && !opts.commissioningId) {
    const { join, supersede } = coalesce(state.queue, req.type, req.params, req.orderId ?? null);
    if (join) {
      const joined = req.batchExecutionId ? { ...join, batchExecutionIds: [...new Set([...join.batchExecutionIds, req.batchExecutionId])] } : join;
      const s: Loaded = { ...state, queue: state.queue.map((q) => (q.id === join.id ? joined : q)) };
      return decided(s,
        { kind: 'join', interactionId: join.id, batchId: req.batchExecutionId, alias: req.idempotencyKey ? { key: req.idempotencyKey, hash } : undefined },
        { kind: 'insert', row: joinedRecord(state.id, env, req, hash, join.id, opts.followUpOf) },
        { kind: 'count', type: req.type, status: 'COALESCED' },
        answer({ ...interactionView(joined, ctx.meter.gridId), coalesced: true }));
    }
    d = finishAll(state, env, supersede.map((older) => [older, { status: 'SUPERSEDED', failureReason: `superseded by a newer ${req.type}` }]));
  }
  return andThen(d, (s) => accept(s, env, req, opts, hash, answer));
}

/** The joined caller's own record: SUPERSEDED at once, naming the interaction that serves it (its key stays an alias of that one). */
function joinedRecord(meterId: string, env: DecideEnv, req: CreateInteractionRequest, hash: string, into: string, followUpOf?: string): InteractionRow {
  const at = new Date(env.now).toISOString();
  return {
    id: env.newId(), meterId, type: req.type, status: 'SUPERSEDED', params: req.params, targetValue: null, resultValue: null,
    failureReason: `coalesced into ${into}`, orderId: req.orderId ?? null, batchExecutionId: null, batchExecutionIds: [], meterCommissioningId: null,
    idempotencyKey: null, requestHash: hash, skipWebsocketEmission: true, followUpOf: followUpOf ?? null, coalescedInto: into, seq: 0,
    expiresAt: null, deadlineAt: null, createdAt: at, updatedAt: at,
  };
}

function accept(state: Loaded, env: DecideEnv, req: CreateInteractionRequest, opts: CreateOptions, hash: string, answer: (data: unknown) => Effect): Decision {
  const ctx = state.ctx;
  const settings = twinSettings(ctx.organizationSettings);
  const verdict = adjudicate(
    { type: req.type, requested: opts.deferred ? 'DEFERRED' : undefined, fromCommissioning: opts.fromCommissioning, isRetry: opts.isRetry },
    ctx, env.limits, env.now,
  );
  const ttl = req.ttlMs ?? (isReadType(req.type) ? settings.readTtlMs : undefined);
  const at = new Date(env.now).toISOString();
  const desired = impliedDesired(req);
  const row: InteractionRow = {
    id: env.newId(), meterId: state.id, type: req.type, status: verdict.status === 'ABORTED' ? 'QUEUED' : verdict.status,
    params: req.params, targetValue: desired, resultValue: null, failureReason: verdict.reason ?? null, orderId: req.orderId ?? null,
    batchExecutionId: req.batchExecutionId ?? null, batchExecutionIds: req.batchExecutionId ? [req.batchExecutionId] : [],
    meterCommissioningId: opts.commissioningId ?? null, idempotencyKey: req.idempotencyKey ?? null, requestHash: hash,
    skipWebsocketEmission: req.skipWebsocketEmission ?? false, followUpOf: opts.followUpOf ?? null, seq: 0,
    expiresAt: ttl ? new Date(env.now + ttl).toISOString() : null, deadlineAt: null, createdAt: at, updatedAt: at,
  };
  let s: Loaded = { ...state, queue: [...state.queue, row] };
  if (desired && settings.shadow) s = { ...s, ctx: { ...s.ctx, meter: { ...s.ctx.meter, desired: { ...s.ctx.meter.desired, ...desired } } } };
  const effects: Effect[] = [{ kind: 'insert', row: { ...row, createdAt: at } }, { kind: 'count', type: row.type, status: row.status }];
  if (verdict.status === 'ABORTED') {
    // Aborted at the gate: recorded, then through the cascade like any other final status.
    const aborted = finish(s, env, row, { status: 'ABORTED', failureReason: verdict.reason ?? 'aborted' });
    return { state: aborted.state, effects: [...effects, ...aborted.effects, answer(interactionView({ ...row, status: 'ABORTED', failureReason: verdict.reason ?? null }, ctx.meter.gridId))] };
  }
  effects.push(answer(interactionView(row, ctx.meter.gridId)));
  if (!row.skipWebsocketEmission) effects.push({ kind: 'publishInteraction', view: interactionView(row, ctx.meter.gridId) });
  return { state: s, effects };
}
