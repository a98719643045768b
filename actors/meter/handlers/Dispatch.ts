import type { DriverCommand } from '../../../adapters/meters/types';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../../core/errors';
import { processingBatcher, type StatementBatcher } from '../../../persistence';
import type { MeterEnv, MeterState } from '../state';
import { publishInteractionUpdate } from '../events';
import { interactionView } from '../views';
import { finish } from './Finish';

/**
 * Sends the next QUEUED interaction when nothing is in flight: at most one per meter, in arrival order.
 * Reads past their TTL EXPIRE unsent. The driver call is not awaited here: its outcome comes back as a
 * `driverReplied` message, so the actor keeps answering while the meter works.
 */
const batchers = new WeakMap<object, StatementBatcher<{ id: string; deadlineAt: string }, boolean>>();
/** One batcher per database: many meters' QUEUED → PROCESSING moves of one turn become one statement. */
function toProcessing(env: MeterEnv) {
  let b = batchers.get(env.db);
  if (!b) batchers.set(env.db, (b = processingBatcher(() => env.db.sql)));
  return b;
}

export async function dispatchNext(state: MeterState & { ctx: NonNullable<MeterState['ctx']> }, env: MeterEnv): Promise<MeterState> {
  let s = state;
  while (!s.inFlight) {
    const next = s.queue.find((i) => i.status === 'QUEUED');
    if (!next) return s;
    const now = env.now();
    if (next.expiresAt && Date.parse(next.expiresAt) <= now) {
      s = (await finish(s, env, next, { status: 'EXPIRED', failureReason: 'read expired before it was sent' })) as typeof s;
      continue;
    }
    const deadlineAt = now + env.config.interactions.processingDeadlineMs;
    const moved = await toProcessing(env).submit({ id: next.id, deadlineAt: new Date(deadlineAt).toISOString() });
    if (!moved) {
      s = { ...s, queue: s.queue.filter((q) => q.id !== next.id) };
      continue;
    }
    const processing = { ...next, status: 'PROCESSING' as const, deadlineAt: new Date(deadlineAt).toISOString() };
    s = { ...s, inFlight: next.id, queue: s.queue.map((q) => (q.id === next.id ? processing : q)) };
    env.metrics.interactionsByStatus.inc({ type: next.type, status: 'PROCESSING' });
    if (!processing.skipWebsocketEmission) publishInteractionUpdate(env, interactionView(processing, s.ctx.meter.gridId));
    sendToDriver(s, env, processing.id, processing.type, processing.params, deadlineAt);
  }
  return s;
}

/**
 * Driver calls whose outcome has not been handled yet, process-wide. After a crash reset, a PROCESSING
 * interaction found here is still being worked on (its outcome will arrive as a message); one not
 * found here was interrupted by a stop of the node.
 */
export const outcomesPending = new Set<string>();

export function sendToDriver(s: MeterState, env: MeterEnv, interactionId: string, type: DriverCommand['type'], params: Record<string, unknown>, deadlineAt: number) {
  const m = s.ctx!.meter;
  const dcu = s.ctx!.dcus.find((d) => d.id === m.dcuId);
  const cmd: DriverCommand = {
    interactionId, type, params: params as DriverCommand['params'], deadlineAt,
    meter: { id: m.id, serial: m.serial, externalReference: m.externalReference, protocol: m.protocol, dcuExternalReference: dcu?.externalReference ?? null, mediatorAddress: m.mediatorAddress },
  };
  let settled = false;
  outcomesPending.add(interactionId);
  const guard = setTimeout(() => {
    if (settled) return;
    settled = true;
    env.self({ type: 'driverReplied', interactionId, outcome: { ok: false, error: new GridtwinError(ErrorCode.TIMEOUT, 'no answer from the meter before the deadline') } });
  }, Math.max(0, deadlineAt - env.now()) + 50);
  env.driver.execute(cmd).then(
    (response) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      env.metrics.driverCommands.inc({ protocol: m.protocol, type, outcome: 'ok' });
      env.self({ type: 'driverReplied', interactionId, outcome: { ok: true, response } });
    },
    (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      const error = toGridtwinError(e);
      env.metrics.driverCommands.inc({ protocol: m.protocol, type, outcome: error.code });
      env.self({ type: 'driverReplied', interactionId, outcome: { ok: false, error } });
    },
  );
}
