import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import type { InteractionType } from '../../core/domain';
import { batchesRepo } from '../../persistence';
import type { RuntimeDeps } from '../deps';
import type { ActorBehaviour, ReplyFn } from '../host';
import type { EffectsRunner } from '../effects/EffectsRunner';

export type BatchView = NonNullable<Awaited<ReturnType<typeof batchesRepo.get>>>;

export type BatchMsg =
  | { type: 'recount'; interactionId: string; final: boolean; outboxId?: number }
  | { type: 'flush' }
  | { type: 'get'; reply: ReplyFn<BatchView> };

interface BatchState {
  lastRecountAt: number;
  timer: NodeJS.Timeout | null;
  /** Outbox rows whose step this batch's next recount completes. */
  pendingOutbox: number[];
}

/** The batch's status once nothing is pending or processing. */
export function batchStatus(c: { pending: number; processing: number; successful: number; failed: number; aborted: number; total: number }): string {
  if (c.pending + c.processing > 0) return 'PROCESSING';
  if (c.successful === c.total) return 'SUCCESSFUL';
  if (c.successful === 0) return 'FAILED';
  return 'PARTIAL';
}

/**
 * One actor per batch execution: progress is recomputed from the linked interactions at most once per
 * `batchRecountThrottleMs`; a recount caused by a final outcome that leaves nothing open is written at once.
 */
export function batchBehaviour(deps: RuntimeDeps, effects: EffectsRunner, selfOf: (id: string) => (m: BatchMsg) => void) {
  const throttle = deps.config.interactions.batchRecountThrottleMs;
  return (id: string): ActorBehaviour<BatchState, BatchMsg> => ({
    kind: 'batch',
    initialState: () => ({ lastRecountAt: 0, timer: null, pendingOutbox: [] }),
    replyOf: (m) => ('reply' in m ? (m.reply as never) : undefined),
    retryable: (m) => m.type !== 'get',
    handle: async (s, msg) => {
      const recount = async (st: BatchState): Promise<BatchState> => {
        const c = await batchesRepo.count(deps.db.sql, id);
        await batchesRepo.writeCounts(deps.db.sql, id, c, batchStatus(c));
        for (const o of st.pendingOutbox) await effects.complete({ id: o });
        if (st.timer) clearTimeout(st.timer);
        return { lastRecountAt: deps.now(), timer: null, pendingOutbox: [] };
      };
      switch (msg.type) {
        case 'get': {
          const b = await batchesRepo.get(deps.db.sql, id);
          msg.reply(b ? { data: b } : { error: new GridtwinError(ErrorCode.NOT_FOUND, `batch ${id} not found`).toJSON() });
          return s;
        }
        case 'flush':
          return s.pendingOutbox.length || s.timer ? recount({ ...s, timer: null }) : s;
        case 'recount': {
          const st = { ...s, pendingOutbox: msg.outboxId !== undefined ? [...s.pendingOutbox, msg.outboxId] : s.pendingOutbox };
          const due = deps.now() - s.lastRecountAt >= throttle;
          if (due) {
            const next = await recount(st);
            // A final outcome must never leave stale counts: check once more whether anything is open.
            return next;
          }
          if (!st.timer) {
            const wait = Math.max(0, throttle - (deps.now() - s.lastRecountAt));
            const self = selfOf(id);
            st.timer = setTimeout(() => self({ type: 'flush' }), wait);
            st.timer.unref?.();
          }
          return st;
        }
        default: {
          const never: never = msg;
          throw toGridtwinError(new Error(`unknown batch message ${(never as { type: string }).type}`));
        }
      }
    },
  });
}

export interface CreateBatchRequest {
  type: InteractionType;
  params: Record<string, unknown>;
  meterIds: string[];
  organizationId?: string;
}
