import { ErrorCode, toGridtwinError } from '../../core/errors';
import { newId } from '../../core/ids';
import type { RuntimeDeps } from '../deps';
import type { EffectsRunner } from '../effects/EffectsRunner';
import type { ActorBehaviour } from '../host';
import { replyOf, step } from './decide';
import { load } from './decide/Load';
import { DriverCalls } from './driverCalls';
import type { DecideEnv } from './effects';
import { meterFacts, meterReads } from './facts';
import type { MeterMsg } from './messages';
import { meterWrites, perform, type MeterEnv } from './perform';
import { initialMeterState, type Loaded, type MeterState } from './state';

/**
 * The meter actor: the single writer of one meter, and the lock of its wire. Each message: rehydrate when
 * Unloaded → facts (reads) → `step` (pure: `decide/<Verb>.ts`, then `next`) → `perform`, the one place that
 * writes, publishes and calls drivers, whose detached work comes back as messages.
 */
export function meterBehaviour(deps: RuntimeDeps, effects: EffectsRunner, selfOf: (id: string) => (m: MeterMsg) => void) {
  const calls = new DriverCalls(deps.driver, deps.metrics, deps.now);
  const groupCommit = { windowMs: deps.config.database.groupCommitWindowMs, maxRows: deps.config.database.groupCommitMaxRows };
  const writes = meterWrites(deps.db, groupCommit);
  const reads = meterReads(deps.db, groupCommit);
  const decideEnv = (): DecideEnv => ({ now: deps.now(), limits: deps.config.interactions, sinks: effects.sinkFlags, newId });
  return (id: string): ActorBehaviour<MeterState, MeterMsg> => ({
    kind: 'meter',
    initialState: () => initialMeterState(id),
    replyOf: (m) => replyOf(m) as never,
    retryable: (m) => m.type === 'driverReplied' || m.type === 'tick' || m.type === 'worldChanged' || m.type === 'unsolicited' || m.type === 'syncFinished',
    handle: async (state, msg) => {
      const env: MeterEnv = { ...deps, effects, calls, writes, self: selfOf(id) };
      let s: Loaded;
      if (state.phase === 'loaded') s = state;
      else {
        try {
          s = await perform(load(id, await meterFacts.load(reads, id), calls.isPending), env);
        } catch (e) {
          // Not found, or a request refused while the database is down: answered, nothing to reset. Anything
          // else (and messages without a caller, which must not be lost) goes to the host's crash policy.
          const err = toGridtwinError(e);
          const reply = replyOf(msg);
          if (err.code === ErrorCode.NOT_FOUND || (err.code === ErrorCode.UNAVAILABLE && reply)) {
            reply?.({ error: err.toJSON() });
            return state;
          }
          throw e;
        }
      }
      return perform(step(s, msg, await meterFacts.of(deps.db, s, msg), decideEnv()), env);
    },
  });
}
