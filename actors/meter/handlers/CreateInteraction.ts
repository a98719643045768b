import { createHash } from 'node:crypto';
import { isReadType } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { insertBatcher, interactionsRepo, type InteractionRow, type NewInteraction, type StatementBatcher } from '../../../persistence';
import type { CreateOptions, CreateResult } from '../messages';
import { adjudicate } from '../rules/gatekeeper';
import { coalesce } from '../rules/coalesce';
import type { CreateInteractionRequest } from '../rules/params';
import { twinSettings } from '../rules/twinSettings';
import type { MeterEnv, MeterState } from '../state';
import { interactionView } from '../views';
import { publishInteractionUpdate } from '../events';
import { finish } from './Finish';

const batchers = new WeakMap<object, StatementBatcher<NewInteraction, InteractionRow>>();
/** One insert batcher per database: many meters' new interactions of one turn become one statement. */
function inserts(env: MeterEnv) {
  let b = batchers.get(env.db);
  if (!b) batchers.set(env.db, (b = insertBatcher(() => env.db.sql)));
  return b;
}

const requestHash = (r: CreateInteractionRequest) =>
  createHash('sha256').update(JSON.stringify([r.type, r.params, r.orderId ?? null, r.batchExecutionId ?? null])).digest('hex').slice(0, 32);

/** Desired state implied by a control (meter twin). */
function impliedDesired(r: CreateInteractionRequest): Record<string, unknown> | null {
  if (r.type === 'TURN_ON') return { relay: 'on' };
  if (r.type === 'TURN_OFF') return { relay: 'off' };
  if (r.type === 'SET_POWER_LIMIT') return { powerLimitW: r.params.powerLimitW };
  return null;
}

/**
 * Accepts an interaction: idempotency replay, coalescing with an equal queued one, superseding
 * contradicted ones, the gatekeeper's verdict, and a durable row before the caller gets an answer.
 */
export async function createInteraction(
  state: MeterState & { ctx: NonNullable<MeterState['ctx']> }, env: MeterEnv, req: CreateInteractionRequest, opts: CreateOptions = {},
): Promise<{ state: MeterState; result: CreateResult }> {
  const ctx = state.ctx;
  const hash = requestHash(req);
  if (req.idempotencyKey) {
    const existing = await interactionsRepo.byIdempotencyKey(env.db.sql, req.idempotencyKey);
    if (existing) {
      if (existing.requestHash !== hash || existing.meterId !== state.id) {
        throw new GridtwinError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'this idempotency key was used for a different request', {
          details: { idempotencyKey: req.idempotencyKey, interactionId: existing.id },
        });
      }
      return { state, result: { ...interactionView(existing, ctx.meter.gridId), replayed: true } };
    }
  }
  const settings = twinSettings(ctx.organizationSettings);
  let s: MeterState = state;
  if (settings.coalescing && !opts.commissioningId) {
    const { join, supersede } = coalesce(s.queue, req.type, req.params, req.orderId ?? null);
    if (join) {
      if (req.batchExecutionId) {
        await interactionsRepo.linkBatch(env.db.sql, join.id, req.batchExecutionId);
        join.batchExecutionIds = [...new Set([...join.batchExecutionIds, req.batchExecutionId])];
      }
      if (req.idempotencyKey) await interactionsRepo.addIdempotencyAlias(env.db.sql, req.idempotencyKey, join.id, hash);
      env.metrics.coalescedInteractions.inc();
      return { state: s, result: { ...interactionView(join, ctx.meter.gridId), coalesced: true } };
    }
    for (const older of supersede) {
      s = await finish(s as typeof state, env, older, { status: 'SUPERSEDED', failureReason: `superseded by a newer ${req.type}` });
    }
  }
  const now = env.now();
  const verdict = adjudicate(
    { type: req.type, requested: opts.deferred ? 'DEFERRED' : undefined, fromCommissioning: opts.fromCommissioning, isRetry: opts.isRetry },
    ctx, env.config.interactions, now,
  );
  const ttl = req.ttlMs ?? (isReadType(req.type) ? settings.readTtlMs : undefined);
  const row: InteractionRow = await inserts(env).submit({
    id: newId(), meterId: state.id, type: req.type, status: verdict.status === 'ABORTED' ? 'QUEUED' : verdict.status,
    params: req.params, targetValue: impliedDesired(req), failureReason: verdict.reason ?? null, orderId: req.orderId,
    batchExecutionId: req.batchExecutionId, meterCommissioningId: opts.commissioningId, idempotencyKey: req.idempotencyKey,
    requestHash: hash, skipWebsocketEmission: req.skipWebsocketEmission, followUpOf: opts.followUpOf,
    expiresAt: ttl ? new Date(now + ttl).toISOString() : null,
  });
  env.metrics.interactionsByStatus.inc({ type: row.type, status: row.status });
  if (!row.skipWebsocketEmission && verdict.status !== 'ABORTED') publishInteractionUpdate(env, interactionView(row, ctx.meter.gridId));
  s = { ...s, queue: [...s.queue, row] };
  const desired = impliedDesired(req);
  if (desired && settings.shadow) s = { ...s, ctx: { ...s.ctx!, meter: { ...s.ctx!.meter, desired: { ...s.ctx!.meter.desired, ...desired } } } };
  if (verdict.status === 'ABORTED') {
    // Aborted at the gate: recorded, then through the cascade like any other final status.
    s = await finish(s as typeof state, env, row, { status: 'ABORTED', failureReason: verdict.reason ?? 'aborted' });
    return { state: s, result: interactionView({ ...row, status: 'ABORTED', failureReason: verdict.reason ?? null }, ctx.meter.gridId) };
  }
  return { state: s, result: interactionView(row, ctx.meter.gridId) };
}
