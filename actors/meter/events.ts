import type { InteractionView, MeterInteractionEvent } from '../../core/events';
import type { RuntimeDeps } from '../deps';

/**
 * Publishes the seed's `meter-interaction` / `UPDATE` event on the interaction's grid. Final outcomes go
 * through the cascade outbox (step 8); the waiting and in-flight statuses are published as they happen,
 * best effort, so live screens see an interaction move. The id (`<interactionId>:<status>`) is the same
 * on a re-publication, so consumers can deduplicate.
 */
export function publishInteractionUpdate(deps: Pick<RuntimeDeps, 'bus' | 'subjects' | 'now'>, view: InteractionView): void {
  if (!view.gridId) return;
  const evt: MeterInteractionEvent = {
    id: `${view.id}:${view.status}`, at: new Date(deps.now()).toISOString(), event: 'meter-interaction',
    operation: 'UPDATE', gridId: view.gridId, interaction: view,
  };
  deps.bus.publish(deps.subjects.evtGridMeterInteraction(view.gridId), evt);
}
