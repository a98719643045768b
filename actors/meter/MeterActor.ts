import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import { registryRepo } from '../../persistence';
import type { ActorBehaviour } from '../host';
import type { MeterMsg } from './messages';
import { createInteraction } from './handlers/CreateInteraction';
import { dispatchNext } from './handlers/Dispatch';
import { driverReplied } from './handlers/DriverReplied';
import { abortCommissioningSiblings, abortInteraction, expireOverdue, release, worldChanged } from './handlers/Lifecycle';
import { ensureLoaded } from './handlers/Load';
import { reconcile, resetReconcileWhenInSync } from './handlers/Reconcile';
import { unsolicited } from './handlers/Unsolicited';
import { deferSync, syncMeter } from './handlers/Sync';
import { changeIssue } from './handlers/Issues';
import { publishMeterState } from './handlers/Finish';
import { initialMeterState, type MeterEnv, type MeterState } from './state';
import { meterView } from './views';
import type { RuntimeDeps } from '../deps';
import type { EffectsRunner } from '../effects/EffectsRunner';

type Loaded = MeterState & { ctx: NonNullable<MeterState['ctx']> };

/** Replies with the error when a handler throws, and keeps the state it had. */
async function answering<T>(reply: ((r: { data: T } | { error: ReturnType<GridtwinError['toJSON']> }) => void) | undefined, state: MeterState, f: () => Promise<{ state: MeterState; data: T }>): Promise<MeterState> {
  try {
    const r = await f();
    reply?.({ data: r.data });
    return r.state;
  } catch (e) {
    const err = toGridtwinError(e);
    if (err.code === ErrorCode.INTERNAL || err.code === ErrorCode.CONFLICT) throw e; // crash → reset from the database
    reply?.({ error: err.toJSON() });
    return state;
  }
}

/**
 * The meter actor: the single writer of one meter. A switch over its message union; each case
 * delegates to a handler; after every message it sends the next queued interaction if it can.
 */
export function meterBehaviour(deps: RuntimeDeps, effects: EffectsRunner, selfOf: (id: string) => (m: MeterMsg) => void) {
  return (id: string): ActorBehaviour<MeterState, MeterMsg> => {
    const env: MeterEnv = { ...deps, effects, self: selfOf(id) };
    return {
      kind: 'meter',
      initialState: () => initialMeterState(id),
      replyOf: (m) => ('reply' in m ? (m.reply as never) : undefined),
      retryable: (m) => m.type === 'driverReplied' || m.type === 'tick' || m.type === 'worldChanged' || m.type === 'unsolicited',
      handle: async (state0, msg) => {
        let state: MeterState;
        try {
          state = await ensureLoaded(state0, env);
        } catch (e) {
          if ('reply' in msg && msg.reply) (msg.reply as (r: unknown) => void)({ error: toGridtwinError(e).toJSON() });
          if (toGridtwinError(e).code === ErrorCode.NOT_FOUND) return state0;
          throw e;
        }
        const s = state as Loaded;
        switch (msg.type) {
          case 'create':
            state = await answering(msg.reply, s, async () => {
              const r = await createInteraction(s, env, msg.req, msg.opts);
              return { state: r.state, data: r.result };
            });
            break;
          case 'get':
            msg.reply({ data: meterView(s.ctx, s.queue, s.inFlight) });
            break;
          case 'abort':
            state = await answering(msg.reply, s, async () => {
              const r = await abortInteraction(s, env, msg.interactionId, msg.reason);
              return { state: r.state, data: r.view };
            });
            break;
          case 'abortCommissioningSiblings':
            state = await answering(msg.reply, s, async () => {
              const r = await abortCommissioningSiblings(s, env, msg.commissioningId, msg.reason);
              return { state: r.state, data: r.count };
            });
            break;
          case 'release':
            state = await answering(msg.reply, s, async () => {
              const r = await release(s, env, msg.interactionId);
              return { state: r.state, data: r.view };
            });
            break;
          case 'driverReplied':
            state = resetReconcileWhenInSync(await driverReplied(s, env, msg.interactionId, msg.outcome));
            break;
          case 'worldChanged':
            state = await worldChanged(s, env);
            break;
          case 'tick':
            state = await expireOverdue(s, env);
            state = await reconcile(state as Loaded, env);
            break;
          case 'unsolicited':
            state = resetReconcileWhenInSync(await unsolicited(s, env, msg.report));
            break;
          case 'setDesired':
            state = await answering(msg.reply, s, async () => {
              const desired = { ...s.ctx.meter.desired, ...msg.desired };
              const rv = await registryRepo.setDesired(env.db.sql, s.id, desired, s.ctx.meter.rowVersion);
              if (rv === undefined) throw new GridtwinError(ErrorCode.CONFLICT, 'meter changed under its actor');
              const next: Loaded = { ...s, reconcile: {}, ctx: { ...s.ctx, meter: { ...s.ctx.meter, desired, rowVersion: rv } } };
              publishMeterState(next, env);
              return { state: next, data: meterView(next.ctx, next.queue, next.inFlight) };
            });
            break;
          case 'issue':
            state = await answering(msg.reply, s, () => changeIssue(s, env, msg.op));
            break;
          case 'sync':
            // A command is on the wire to this meter: the sync waits for it (the two never overlap).
            if (s.inFlight) deferSync(env, msg);
            else state = await answering(msg.reply, s, async () => {
              const r = await syncMeter(s, env, msg.syncers, msg.sweepId);
              return { state: r.state, data: r.result };
            });
            break;
          default: {
            const never: never = msg;
            throw new GridtwinError(ErrorCode.INTERNAL, `unknown meter message ${(never as { type: string }).type}`);
          }
        }
        return dispatchNext(state as Loaded, env);
      },
    };
  };
}
