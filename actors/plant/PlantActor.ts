import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import { alertsRepo, plantsRepo, pollLogsRepo, snapshotsRepo } from '../../persistence';
import type { ActorBehaviour } from '../host';
import { finishPoll } from './handlers/FinishPoll';
import { startPoll } from './handlers/StartPoll';
import type { PlantMsg } from './messages';
import { crashedPoll, runPoll, type PollEnv } from './poll/runPoll';
import { initialPlantState, type PlantState } from './state';
import { plantOnly } from './views';

/**
 * The plant actor: the single poller of one plant, and so the seed's per-plant Redis lock. A poll runs
 * detached (its vendor calls wait on the credential's limiter for as long as they must) and comes back
 * as `pollFinished`; meanwhile the actor answers reads and turns further poll requests into waiters.
 */
export function plantBehaviour(env: PollEnv, admit: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()) {
  return (id: string): ActorBehaviour<PlantState, PlantMsg> => ({
    kind: 'plant',
    initialState: () => initialPlantState(id),
    replyOf: (m) => ('reply' in m ? (m.reply as never) : undefined),
    // a poll out: never passivated or evicted until it is back, or a new actor could start a second poll
    holdsWork: (s) => s.running !== null,
    handle: async (state, msg, self) => {
      switch (msg.type) {
        case 'poll': {
          const r = startPoll(state, msg, env.newId(), env.now());
          if (r.start) {
            const { pollId, trigger } = r.start;
            // the lock is taken now; the poll itself waits for a slot (a sweep must not open 10,000 polls at once)
            admit(() => runPoll(env, id, pollId, trigger)).then(
              (outcome) => self({ type: 'pollFinished', pollId, outcome }),
              // runPoll never throws; if its admission does, the lock must still be released
              (e: unknown) => self({ type: 'pollFinished', pollId, outcome: crashedPoll(env, id, pollId, trigger, e) }),
            );
          }
          return r.state;
        }
        case 'pollFinished': {
          const r = finishPoll(state, msg.pollId, msg.outcome);
          for (const { waiter, reply } of r.replies) waiter.reply({ data: reply });
          return r.state;
        }
        case 'get': {
          // A read that fails (database down) is answered, not thrown: a crash would reset the actor and forget the
          // poll it has out, and the next poll request would start a second one.
          try {
            const plant = await plantsRepo.get(env.db.sql, id);
            if (!plant) {
              msg.reply({ error: new GridtwinError(ErrorCode.NOT_FOUND, `plant ${id} not found`).toJSON() });
              return state;
            }
            const [snapshot, openAlerts, [lastPoll]] = await Promise.all([
              snapshotsRepo.latest(env.db.sql, id), alertsRepo.openOfPlant(env.db.sql, id), pollLogsRepo.ofPlant(env.db.sql, id, 1),
            ]);
            msg.reply({ data: { plant: plantOnly(plant), snapshot: snapshot ?? null, openAlerts, lastPoll: lastPoll ?? null, pollInProgress: state.running !== null } });
          } catch (e) {
            msg.reply({ error: toGridtwinError(e).toJSON() });
          }
          return state;
        }
        default: {
          const never: never = msg;
          throw new GridtwinError(ErrorCode.INTERNAL, `unknown plant message ${(never as { type: string }).type}`);
        }
      }
    },
  });
}
