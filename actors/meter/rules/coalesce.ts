import type { InteractionType } from '../../../core/domain';

/** Interactions that carry money: two of them are two purchases, never one. */
const NEVER_JOINED: ReadonlySet<InteractionType> = new Set(['TOP_UP', 'DELIVER_PREEXISTING_TOKEN']);
import type { InteractionRow } from '../../../persistence';

const JOINABLE: ReadonlySet<InteractionRow['status']> = new Set(['QUEUED', 'PROCESSING', 'VERIFYING']);

const stable = (v: unknown) => JSON.stringify(v, Object.keys((v as object) ?? {}).sort());

/** Controls that contradict each other: a newer one supersedes an older queued one. */
const CONTRADICTS: Partial<Record<InteractionType, (older: InteractionRow, params: Record<string, unknown>) => boolean>> = {
  TURN_ON: (o) => o.type === 'TURN_OFF',
  TURN_OFF: (o) => o.type === 'TURN_ON',
  SET_POWER_LIMIT: (o, p) => o.type === 'SET_POWER_LIMIT' && o.params.powerLimitW !== p.powerLimitW,
};

/**
 * Coalescing (meter twin): an equal read or control that is QUEUED or already in flight (same type, params and order, outside
 * commissioning) is joined instead of adding a second; contradicting QUEUED controls are superseded by the
 * new one. Top-ups and delivered tokens are never coalesced.
 */
export function coalesce(queue: InteractionRow[], type: InteractionType, params: Record<string, unknown>, orderId: string | null = null) {
  // An order's interaction keeps its own notification; credit is never merged.
  if (NEVER_JOINED.has(type)) return { join: undefined, supersede: [] as InteractionRow[] };
  const queued = queue.filter((i) => i.status === 'QUEUED' && !i.meterCommissioningId);
  // An equal interaction already on its way to the meter answers the new caller too.
  const joinable = queue.filter((i) => JOINABLE.has(i.status) && !i.meterCommissioningId);
  const join = joinable.find((i) => i.type === type && stable(i.params) === stable(params) && (i.orderId ?? null) === orderId);
  const supersede = join ? [] : queued.filter((i) => CONTRADICTS[type]?.(i, params) ?? false);
  return { join, supersede };
}
