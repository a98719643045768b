import { ErrorCode, GridtwinError } from '../../../core/errors';
import { interactionsRepo, registryRepo } from '../../../persistence';
import type { MeterEnv, MeterState } from '../state';
import { outcomesPending } from './Dispatch';

/**
 * Rehydrates a meter actor from the database: meter, grid, gateways, open issues, open interactions,
 * and any cascade steps a crash left pending (they are handed to the effects runner again).
 * A PROCESSING interaction found here was interrupted before its outcome was written.
 */
export async function load(state: MeterState, env: MeterEnv): Promise<MeterState> {
  if (state.ctx) return state;
  const ctx = await registryRepo.loadMeterContext(env.db.sql, state.id);
  if (!ctx) throw new GridtwinError(ErrorCode.NOT_FOUND, `meter ${state.id} not found`);
  const queue = await interactionsRepo.openOfMeter(env.db.sql, state.id);
  const pending = await interactionsRepo.pendingOutboxOfMeter(env.db.sql, state.id);
  if (pending.length) {
    const byInteraction = new Map<string, typeof pending>();
    for (const r of pending) byInteraction.set(r.interactionId, [...(byInteraction.get(r.interactionId) ?? []), r]);
    for (const rows of byInteraction.values()) env.effects.run(rows);
  }
  const next: MeterState = { ...state, ctx, queue, inFlight: null };
  // Interrupted sends: the outcome is unknown, so they finish as a timeout (FAILED, or VERIFYING for controls).
  for (const i of queue.filter((q) => q.status === 'PROCESSING' || q.status === 'VERIFYING')) {
    next.inFlight = i.id;
    if (outcomesPending.has(i.id)) continue;
    env.self({ type: 'driverReplied', interactionId: i.id, outcome: { ok: false, error: new GridtwinError(ErrorCode.TIMEOUT, 'interrupted: the node stopped while the command was in flight') } });
  }
  return next;
}

/** Loads when needed and returns the state with a context. */
export async function ensureLoaded(state: MeterState, env: MeterEnv): Promise<MeterState & { ctx: NonNullable<MeterState['ctx']> }> {
  const s = await load(state, env);
  return s as MeterState & { ctx: NonNullable<MeterState['ctx']> };
}
