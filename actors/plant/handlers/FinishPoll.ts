import type { PollOutcome } from '../messages';
import type { PlantState, PollWaiter } from '../state';
import type { PollReply } from '../views';

/** The running poll ended: release the lock; each waiter gets the log (a stale pollId changes nothing). */
export function finishPoll(state: PlantState, pollId: string, outcome: PollOutcome): { state: PlantState; replies: Array<{ waiter: PollWaiter; reply: PollReply }> } {
  if (!state.running || state.running.pollId !== pollId) return { state, replies: [] };
  const base: PollReply = { plantId: state.plantId, status: outcome.plantStatus, polledAt: outcome.log.finishedAt, alreadyInProgress: false, log: outcome.log };
  return {
    state: { ...state, running: null, lastPoll: base },
    replies: state.running.waiters.map((waiter) => ({ waiter, reply: { ...base, alreadyInProgress: waiter.joined } })),
  };
}
