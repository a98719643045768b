import type { DriverCommand } from '../../../adapters/meters/types';
import type { InteractionRow } from '../../../persistence';
import { andThen, decided, type DecideEnv, type Decision, type Effect } from '../effects';
import { wireFree, type Loaded } from '../state';
import { interactionView } from '../views';
import { finish } from './Finish';

/** The command a driver gets for an interaction (or for its verification read). */
export function commandFor(s: Loaded, interactionId: string, type: DriverCommand['type'], params: Record<string, unknown>, deadlineAt: number): DriverCommand {
  const m = s.ctx.meter;
  const dcu = s.ctx.dcus.find((d) => d.id === m.dcuId);
  return {
    interactionId, type, params: params as DriverCommand['params'], deadlineAt,
    meter: { id: m.id, serial: m.serial, externalReference: m.externalReference, protocol: m.protocol, dcuExternalReference: dcu?.externalReference ?? null, mediatorAddress: m.mediatorAddress },
  };
}

/**
 * After every message: when nothing is on the wire to this meter, a waiting sync starts first (it was
 * queued behind the command that just finished), otherwise the first QUEUED interaction is sent — at most
 * one per meter, in arrival order. Reads past their TTL EXPIRE unsent. The driver call is not awaited:
 * its outcome comes back as `driverReplied`.
 */
export function next(state: Loaded, env: Pick<DecideEnv, 'now' | 'sinks' | 'limits' | 'newId'>): Decision {
  if (!wireFree(state)) return decided(state);
  const waiting = state.sync?.waiting ?? [];
  if (waiting.length) {
    const [req, ...rest] = waiting;
    const runId = env.newId();
    return decided({ ...state, sync: { running: runId, waiting: rest } }, { kind: 'startSync', runId, req: req! });
  }
  const first = state.queue.find((i) => i.status === 'QUEUED');
  if (!first) return decided(state);
  if (first.expiresAt && Date.parse(first.expiresAt) <= env.now) {
    return andThen(finish(state, env, first, { status: 'EXPIRED', failureReason: 'read expired before it was sent' }), (s) => next(s, env));
  }
  return send(state, env, first);
}

function send(state: Loaded, env: Pick<DecideEnv, 'now' | 'limits'>, i: InteractionRow): Decision {
  const deadlineAt = env.now + env.limits.processingDeadlineMs;
  const deadlineIso = new Date(deadlineAt).toISOString();
  const processing: InteractionRow = { ...i, status: 'PROCESSING', deadlineAt: deadlineIso };
  const s: Loaded = { ...state, inFlight: i.id, queue: state.queue.map((q) => (q.id === i.id ? processing : q)) };
  const effects: Effect[] = [
    { kind: 'transition', id: i.id, from: ['QUEUED'], to: 'PROCESSING', deadlineAt: deadlineIso },
    { kind: 'count', type: i.type, status: 'PROCESSING' },
  ];
  if (!processing.skipWebsocketEmission) effects.push({ kind: 'publishInteraction', view: interactionView(processing, s.ctx.meter.gridId) });
  effects.push({ kind: 'send', cmd: commandFor(s, i.id, i.type, i.params, deadlineAt) });
  return decided(s, ...effects);
}
