import type { InteractionView, MeterInteractionEvent, MeterStateEvent } from '../../core/events';
import type { ShadowRow } from '../../persistence';
import type { RuntimeDeps } from '../deps';
import type { Loaded } from './state';
import { shadowOf } from './views';

type Publisher = Pick<RuntimeDeps, 'bus' | 'subjects' | 'now'>;

/**
 * The one publisher of the seed's `meter-interaction` / `UPDATE` event on the interaction's grid. Waiting
 * and in-flight statuses come from `perform` as they happen (best effort); final outcomes from the
 * cascade outbox (step 8). The id (`<interactionId>:<status>`) is the same on a re-publication, so
 * consumers can deduplicate.
 */
export function publishInteraction(deps: Publisher, view: InteractionView): void {
  if (!view.gridId) return;
  const evt: MeterInteractionEvent = {
    id: `${view.id}:${view.status}`, at: new Date(deps.now()).toISOString(), event: 'meter-interaction',
    operation: 'UPDATE', gridId: view.gridId, interaction: view,
  };
  deps.bus.publish(deps.subjects.evtGridMeterInteraction(view.gridId), evt);
}

/** The one publisher of `evt.meter.<id>.state`. */
export function publishMeterState(deps: Pick<RuntimeDeps, 'bus' | 'subjects'>, evt: MeterStateEvent): void {
  deps.bus.publish(deps.subjects.evtMeterState(evt.meterId), evt);
}

/**
 * The meter's state event (pure). Its id is `<meterId>:<rowVersion>` for registry changes, and
 * `<meterId>:sync:<ms>` when it carries an Emlite shadow (`shadow.reported.emlite`).
 */
export function meterStateEvent(s: Loaded, at: string, emlite?: ShadowRow): MeterStateEvent {
  const { desired: _d, shadowMetadata: _s, ...meter } = s.ctx.meter;
  const shadow = shadowOf(s.ctx.meter, s.queue.find((q) => q.id === s.inFlight));
  return {
    id: emlite ? `${s.id}:sync:${Date.parse(at)}` : `${s.id}:${s.ctx.meter.rowVersion}`,
    at,
    meterId: s.id,
    gridId: s.ctx.meter.gridId,
    meter: meter as unknown as Record<string, unknown>,
    shadow: emlite ? { ...shadow, reported: { ...shadow.reported, emlite } } : shadow,
  };
}
