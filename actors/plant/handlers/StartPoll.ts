import type { ReplyFn } from '../../host';
import type { PollTrigger } from '../messages';
import type { PlantState } from '../state';
import type { PollReply } from '../views';

/**
 * A poll request: start one when none runs, otherwise join the running one (no second poll; the
 * joiner's reply says `alreadyInProgress` and carries the running poll's log when it ends).
 */
export function startPoll(
  state: PlantState, req: { trigger: PollTrigger; reply?: ReplyFn<PollReply> }, pollId: string, now: number,
): { state: PlantState; start: { pollId: string; trigger: PollTrigger } | null } {
  if (state.running) {
    const waiters = req.reply ? [...state.running.waiters, { reply: req.reply, joined: true }] : state.running.waiters;
    return { state: { ...state, running: { ...state.running, waiters } }, start: null };
  }
  const waiters = req.reply ? [{ reply: req.reply, joined: false }] : [];
  return { state: { ...state, running: { pollId, trigger: req.trigger, startedAt: now, waiters } }, start: { pollId, trigger: req.trigger } };
}
