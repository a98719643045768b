import { z } from 'zod';
import type { Bus, BusMsg, ServiceHandle } from '../../adapters/bus';
import type { ClusterRouting } from '../cluster/router';
import { CredentialUpsertSchema, PlantUpsertSchema, type PlantRuntime } from '../../actors/plant';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import type { Logger } from '../../core/logger';
import type { Subjects } from '../../core/subjects';
import { endpointFactory, parseBody, routeOrRefuse, routedBy, validate } from './endpoint';
import { guardEndpoints, inBody, inSubject, organizationList, type Access, type DeclaredEndpoint, type NatsGuard } from './access';

/**
 * The plant runtime's NATS interface (seed 002): poll, get, alert ack/list, plant and credential registry.
 * Replies are `{data}` / `{error}`; a credential is never part of a reply, an error or a log line.
 */
const id = z.string().regex(SUBJECT_SAFE_ID, 'must be a subject-safe id');
const Empty = z.object({}).strict();
export const AckSchema = z.object({ organizationId: id.optional(), by: z.string().max(200).optional() }).strict();
export const AlertListSchema = z.object({
  organizationId: id, state: z.enum(['NEW', 'ACKED', 'RESOLVED']).optional(), plantId: id.optional(),
  by: z.string().min(1).max(200).optional().describe('who acknowledged the alert'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
}).strict();

export async function servePlants(opts: { bus: Bus; subjects: Subjects; plants: PlantRuntime; logger: Logger; version: string; guard: NatsGuard; cluster?: ClusterRouting }): Promise<ServiceHandle> {
  const { bus, subjects: s, plants, logger } = opts;
  const plain = endpointFactory(logger, 'plant');
  // In a cluster a plant's requests run on the node owning its partition (its actor is its lock).
  const endpoint = (name: string, subject: string, access: Access, f: (m: BusMsg) => Promise<unknown>, plantOf?: (m: BusMsg) => string | null): DeclaredEndpoint => {
    const e = plain(name, subject, access, f);
    const cluster = opts.cluster;
    if (!cluster || !plantOf) return e;
    return { ...e, handler: (m) => routeOrRefuse(cluster, plantOf(m), m, e) };
  };
  const declared: DeclaredEndpoint[] = [
    endpoint('plant-poll', s.plantPoll.pattern, { role: 'operator', touches: [inSubject('plant', s.plantPoll, 'plantId')] }, async (m) => {
        const { plantId } = s.plantPoll.ids(m.subject);
        validate(Empty, parseBody(m));
        return plants.poll(plantId);
      }, routedBy(s.plantPoll, 'plantId')),
    endpoint('plant-get', s.plantGet.pattern, { role: 'viewer', touches: [inSubject('plant', s.plantGet, 'plantId')] }, async (m) => plants.get(s.plantGet.ids(m.subject).plantId), routedBy(s.plantGet, 'plantId')),
    endpoint('alert-ack', s.alertAck.pattern, { role: 'operator', touches: [inSubject('alert', s.alertAck, 'alertId')], organization: 'organizationId' }, async (m) => plants.ackAlert(s.alertAck.ids(m.subject).alertId, validate(AckSchema, parseBody(m)))),
    endpoint('alerts-list', s.alertsList(), organizationList(['plant', 'plantId']), async (m) => plants.listAlerts(validate(AlertListSchema, parseBody(m)))),
    endpoint('registry-plant', s.registryUpsert('plant'), { role: 'admin', touches: [inBody('plant', 'id', { mayBeNew: true }), inBody('credential', 'credentialId')], organization: 'organizationId' }, async (m) => plants.upsertPlant(validate(PlantUpsertSchema, parseBody(m)))),
    endpoint('registry-credential', s.registryUpsert('credential'), { role: 'admin', touches: [inBody('credential', 'id', { mayBeNew: true })], organization: 'organizationId' }, async (m) => plants.upsertCredential(validate(CredentialUpsertSchema, parseBody(m)))),
  ];
  const endpoints = guardEndpoints(opts.guard, s.prefix, declared);
  opts.cluster?.serveForwarded(endpoints);
  return bus.serve({
    name: 'gridtwin-plants',
    version: opts.version,
    description: 'gridtwin solar plant runtime',
    queue: 'gridtwin',
    endpoints,
  });
}
