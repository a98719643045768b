import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { InteractionRow, MeterContext, OutboxRow } from '../../../persistence';
import type { Decision, Effect } from '../effects';
import type { Loaded } from '../state';

/** Shared by every freshly loaded meter (state is never changed in place). */
const NO_RECONCILE: Loaded['reconcile'] = Object.freeze({});

export interface LoadFacts {
  ctx: MeterContext | undefined;
  open: InteractionRow[];
  pendingOutbox: OutboxRow[];
}

/**
 * Rehydration: the meter, its world and its open interactions in arrival order; cascade steps a crash
 * left pending go back to the outbox runner. A PROCESSING / VERIFYING interaction whose driver call is
 * not pending in this process was interrupted by a stop: it finishes through the TIMEOUT path.
 */
export function load(id: string, facts: LoadFacts, callPending: (interactionId: string) => boolean): Decision {
  if (!facts.ctx) throw new GridtwinError(ErrorCode.NOT_FOUND, `meter ${id} not found`);
  const effects: Effect[] = [];
  const byInteraction = new Map<string, OutboxRow[]>();
  for (const r of facts.pendingOutbox) byInteraction.set(r.interactionId, [...(byInteraction.get(r.interactionId) ?? []), r]);
  for (const rows of byInteraction.values()) effects.push({ kind: 'runOutbox', rows });
  let inFlight: string | null = null;
  for (const i of facts.open.filter((q) => q.status === 'PROCESSING' || q.status === 'VERIFYING')) {
    inFlight = i.id;
    if (callPending(i.id)) continue;
    effects.push({ kind: 'tellSelf', msg: { type: 'driverReplied', interactionId: i.id, outcome: { ok: false, error: new GridtwinError(ErrorCode.TIMEOUT, 'interrupted: the node stopped while the command was in flight') } } });
  }
  const state: Loaded = { phase: 'loaded', id, ctx: facts.ctx, queue: facts.open, inFlight, reconcile: NO_RECONCILE, sync: null };
  return { state, effects };
}
