import { topics, type Subjects } from '../../core/subjects';
import type { OwnerKind } from '../../persistence';
import { authorize } from '../auth';
import { authorizeIds, type AuthzContext } from '../authz';
import type { PlantTelemetryEvent } from '../../core/events';
import { meterTelemetry, plantTelemetryOfEvent, plantTelemetryOfView } from './telemetry';

/**
 * The WS topic catalogue: for each kind, the bus subjects that feed it, the command that gives its
 * snapshot, which of its events are state (coalesced under backpressure) and who may see it.
 */
export type TopicKind = keyof typeof topics;

export interface TopicFeed {
  subject: string;
  /** State feeds carry the whole current value, so under backpressure only the newest is kept. */
  state: boolean;
  /** Shapes the bus payload into the WS event's `data`. */
  shape?: (payload: unknown) => unknown;
}

export interface TopicSpec {
  kind: TopicKind;
  id: string;
  topic: string;
  feeds: TopicFeed[];
  /** The request whose answer is the snapshot, and how its data is shaped for the socket (as is by default). */
  snapshot: { subject: string; payload: unknown; shape?: (data: unknown) => unknown };
  /** Checked (role viewer) before the snapshot is fetched; throws FORBIDDEN / NOT_FOUND. */
  authorize(ctx: AuthzContext): Promise<void>;
}

const owned = (kind: OwnerKind, id: string) => (ctx: AuthzContext) => authorizeIds(ctx, 'viewer', kind, [id]);

/** Every topic kind (the tenant matrix test refuses to pass while one has no case). */
export const TOPIC_KINDS = Object.keys(topics) as readonly TopicKind[];

/** The seed's grid event, as socket.io clients of the origin received it. */
const gridEvent = (payload: unknown) => {
  const e = payload as { event?: string; operation?: string; interaction?: unknown; id?: string; at?: string };
  return { event: e.event ?? 'meter-interaction', operation: e.operation ?? 'UPDATE', interaction: e.interaction, id: e.id, at: e.at };
};

/** Resolves a topic string to its spec, or undefined when it is not a known topic with a safe id. */
export function resolveTopic(topic: string, s: Subjects): TopicSpec | undefined {
  for (const kind of TOPIC_KINDS) {
    const r = topics[kind].parse(topic);
    if (!r.ok) continue;
    const { id } = r.ids;
    switch (kind) {
      case 'grid':
        return {
          kind, id, topic: topics.grid(id),
          feeds: [{ subject: s.evtGridMeterInteraction(id), state: false, shape: gridEvent }],
          snapshot: { subject: s.gridGet(id), payload: {} },
          authorize: owned('grid', id),
        };
      case 'meter':
        return {
          kind, id, topic: topics.meter(id),
          feeds: [{ subject: s.evtMeterState(id), state: true }],
          snapshot: { subject: s.meterGet(id), payload: {} },
          authorize: owned('meter', id),
        };
      case 'plant':
        return {
          kind, id, topic: topics.plant(id),
          feeds: [{ subject: s.evtPlantStatus(id), state: true }, { subject: s.evtPlantAlert(id), state: false }],
          snapshot: { subject: s.plantGet(id), payload: {} },
          authorize: owned('plant', id),
        };
      case 'alerts':
        return {
          kind, id, topic: topics.alerts(id),
          feeds: [{ subject: s.evtOrgAlert(id), state: false }],
          snapshot: { subject: s.alertsList(), payload: { organizationId: id } },
          authorize: async (ctx) => authorize(ctx.principal, 'viewer', { organizationId: id }, topic),
        };
      case 'esco':
        return {
          kind, id, topic: topics.esco(id),
          feeds: [{ subject: s.evtEscoSync(id), state: true }],
          snapshot: { subject: s.escoSyncStatus(id), payload: {} },
          authorize: owned('esco', id),
        };
      case 'telemetry': {
        const { of } = r.ids as unknown as { of: string };
        if (of === 'meter') {
          return {
            kind, id, topic: topics.telemetry('meter', id),
            feeds: [{ subject: s.evtMeterState(id), state: true, shape: (p) => meterTelemetry(p) }],
            snapshot: { subject: s.meterGet(id), payload: {}, shape: (d) => meterTelemetry(d, new Date().toISOString()) },
            authorize: owned('meter', id),
          };
        }
        if (of === 'plant') {
          return {
            kind, id, topic: topics.telemetry('plant', id),
            feeds: [{ subject: s.evtPlantTelemetry(id), state: true, shape: (p) => plantTelemetryOfEvent(p as PlantTelemetryEvent) }],
            snapshot: { subject: s.plantGet(id), payload: {}, shape: plantTelemetryOfView },
            authorize: owned('plant', id),
          };
        }
        return undefined;
      }
    }
  }
  return undefined;
}
