import { decided, type Decision } from '../effects';
import { meterStateEvent } from '../events';
import type { Loaded } from '../state';
import { meterView } from '../views';

/** Operator intent (meter twin): merged into desired, written fenced on the row version, published, reconciled afresh. */
export function setDesired(state: Loaded, now: number, desired: Record<string, unknown>, reply: ((r: never) => void) | undefined): Decision {
  const merged = { ...state.ctx.meter.desired, ...desired };
  const next: Loaded = { ...state, reconcile: {}, ctx: { ...state.ctx, meter: { ...state.ctx.meter, desired: merged, rowVersion: state.ctx.meter.rowVersion + 1 } } };
  return decided(next,
    { kind: 'setDesired', desired: merged, fromRowVersion: state.ctx.meter.rowVersion },
    { kind: 'publishMeterState', event: meterStateEvent(next, new Date(now).toISOString()) },
    { kind: 'reply', reply: reply as never, data: meterView(next.ctx, next.queue, next.inFlight) });
}
