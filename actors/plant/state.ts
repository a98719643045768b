import type { ReplyFn } from '../host';
import type { PollTrigger } from './messages';
import type { PollReply } from './views';

export interface PollWaiter {
  reply: ReplyFn<PollReply>;
  /** Asked while the poll was already running. */
  joined: boolean;
}

/**
 * A plant actor holds only what makes it the plant's lock: the poll in progress and who waits for it.
 * Everything else (plant row, snapshots, alerts) is read fresh by each poll.
 */
export interface PlantState {
  plantId: string;
  running: { pollId: string; trigger: PollTrigger; startedAt: number; waiters: PollWaiter[] } | null;
  lastPoll: PollReply | null;
}

export const initialPlantState = (plantId: string): PlantState => ({ plantId, running: null, lastPoll: null });
