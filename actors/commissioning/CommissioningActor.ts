import type { InteractionStatus, InteractionType } from '../../core/domain';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { commissioningsRepo } from '../../persistence';
import type { RuntimeDeps } from '../deps';
import type { ActorBehaviour, ReplyFn } from '../host';
import type { EffectsRunner } from '../effects/EffectsRunner';

export type CommissioningView = NonNullable<Awaited<ReturnType<typeof commissioningsRepo.get>>>;

/** What the commissioning actor asks of the meter actor that owns the interactions. */
export interface MeterPort {
  release(meterId: string, interactionId: string): Promise<{ status: InteractionStatus } | null>;
  abortSiblings(meterId: string, commissioningId: string, reason: string): Promise<number>;
}

export type CommissioningMsg =
  | { type: 'advance'; interactionId: string; status: InteractionStatus; outboxId?: number }
  | { type: 'resume'; outboxId?: number }
  | { type: 'get'; reply: ReplyFn<CommissioningView> };

export interface CommissioningStep { type: InteractionType; params: Record<string, unknown> }

/**
 * The commissioning flow: its steps run one at a time on the meter (the first QUEUED, the rest DEFERRED).
 * advance — a step finished: SUCCESSFUL releases the next step or completes the flow; FAILED or ABORTED
 *           fails the flow and aborts the waiting siblings (the abort cascade).
 * resume  — a plain interaction succeeded while the flow is PENDING (paused): release the waiting step.
 */
export function commissioningBehaviour(deps: RuntimeDeps, effects: EffectsRunner, meters: MeterPort) {
  return (id: string): ActorBehaviour<null, CommissioningMsg> => ({
    kind: 'commissioning',
    initialState: () => null,
    replyOf: (m) => ('reply' in m ? (m.reply as never) : undefined),
    retryable: (m) => m.type !== 'get',
    handle: async (state, msg) => {
      const c = await commissioningsRepo.get(deps.db.sql, id);
      if (msg.type === 'get') {
        msg.reply(c ? { data: c } : { error: new GridtwinError(ErrorCode.NOT_FOUND, `commissioning ${id} not found`).toJSON() });
        return state;
      }
      const done = async () => {
        if (msg.outboxId !== undefined) await effects.complete({ id: msg.outboxId });
      };
      if (!c || c.status === 'SUCCESSFUL' || c.status === 'FAILED') return done().then(() => state);
      const releaseNext = async () => {
        const next = c.interactions.find((i) => i.status === 'DEFERRED');
        if (!next) return null;
        const r = await meters.release(c.meterId, next.id);
        if (r?.status === 'QUEUED') await commissioningsRepo.setStatus(deps.db.sql, id, ['PENDING'], 'PROCESSING');
        return r;
      };
      if (msg.type === 'resume') {
        if (c.status === 'PENDING') await releaseNext();
        await done();
        return state;
      }
      if (msg.status === 'SUCCESSFUL') {
        const open = c.interactions.filter((i) => i.id !== msg.interactionId && !['SUCCESSFUL', 'FAILED', 'ABORTED', 'SUPERSEDED', 'EXPIRED'].includes(i.status));
        if (!open.length) await commissioningsRepo.setStatus(deps.db.sql, id, ['PENDING', 'PROCESSING'], 'SUCCESSFUL');
        else {
          await commissioningsRepo.setStatus(deps.db.sql, id, ['PENDING'], 'PROCESSING');
          await releaseNext();
        }
      } else {
        const reason = `commissioning step ${msg.interactionId} ended ${msg.status}`;
        await commissioningsRepo.setStatus(deps.db.sql, id, ['PENDING', 'PROCESSING'], 'FAILED', reason);
        await meters.abortSiblings(c.meterId, id, `aborted: ${reason}`);
      }
      await done();
      return state;
    },
  });
}
