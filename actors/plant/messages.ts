import type { ReplyFn } from '../host';
import type { PlantStatus } from '../../core/events';
import type { PollLogRow } from '../../persistence';
import type { PlantView, PollReply } from './views';

export type PollTrigger = 'SCHEDULE' | 'MANUAL';

/** What a detached poll (poll/runPoll.ts) hands back to its actor. */
export interface PollOutcome {
  log: PollLogRow;
  plantStatus: PlantStatus | null;
}

/** The PlantActor protocol: one union, one switch. */
export type PlantMsg =
  /** Start a poll, or join the one running (the seed's per-plant lock). */
  | { type: 'poll'; trigger: PollTrigger; reply?: ReplyFn<PollReply> }
  /** The detached poll is over (success, failure, skip or deadline): release the lock and answer the waiters. */
  | { type: 'pollFinished'; pollId: string; outcome: PollOutcome }
  | { type: 'get'; reply: ReplyFn<PlantView> };
