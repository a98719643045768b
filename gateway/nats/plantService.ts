import { z } from 'zod';
import type { Bus, ServiceHandle } from '../../adapters/bus';
import { CredentialUpsertSchema, PlantUpsertSchema, type PlantRuntime } from '../../actors/plant';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import type { Logger } from '../../core/logger';
import type { Subjects } from '../../core/subjects';
import { endpointFactory, parseBody, subjectToken, validate } from './endpoint';

/**
 * The plant runtime's NATS interface (seed 002): poll, get, alert ack/list, plant and credential registry.
 * Replies are `{data}` / `{error}`; a credential is never part of a reply, an error or a log line.
 */
const id = z.string().regex(SUBJECT_SAFE_ID, 'must be a subject-safe id');
const Empty = z.object({}).strict();
const AckSchema = z.object({ organizationId: id.optional(), by: z.string().max(200).optional() }).strict();
const ListSchema = z.object({
  organizationId: id, state: z.enum(['NEW', 'ACKED', 'RESOLVED']).optional(), plantId: id.optional(), limit: z.number().int().min(1).max(1000).optional(),
}).strict();

const token = subjectToken;

export async function servePlants(opts: { bus: Bus; subjects: Subjects; plants: PlantRuntime; logger: Logger; version: string }): Promise<ServiceHandle> {
  const { bus, subjects: s, plants, logger } = opts;
  const p = s.prefix;
  const endpoint = endpointFactory(logger, 'plant');
  return bus.serve({
    name: 'gridtwin-plants',
    version: opts.version,
    description: 'gridtwin solar plant runtime',
    queue: 'gridtwin',
    endpoints: [
      endpoint('plant-poll', `${p}.plant.*.poll`, async (m) => {
        validate(Empty, parseBody(m));
        return plants.poll(token(m.subject, p, 1));
      }),
      endpoint('plant-get', `${p}.plant.*.get`, async (m) => plants.get(token(m.subject, p, 1))),
      endpoint('alert-ack', `${p}.alert.*.ack`, async (m) => plants.ackAlert(token(m.subject, p, 1), validate(AckSchema, parseBody(m)))),
      endpoint('alerts-list', s.alertsList(), async (m) => plants.listAlerts(validate(ListSchema, parseBody(m)))),
      endpoint('registry-plant', s.registryUpsert('plant'), async (m) => plants.upsertPlant(validate(PlantUpsertSchema, parseBody(m)))),
      endpoint('registry-credential', s.registryUpsert('credential'), async (m) => plants.upsertCredential(validate(CredentialUpsertSchema, parseBody(m)))),
    ],
  });
}
