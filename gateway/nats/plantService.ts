import { z } from 'zod';
import type { Bus, BusMsg, Endpoint, ServiceHandle } from '../../adapters/bus';
import { CredentialUpsertSchema, PlantUpsertSchema, type PlantRuntime } from '../../actors/plant';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import type { Logger } from '../../core/logger';
import { fail, ok } from '../../core/reply';
import type { Subjects } from '../../core/subjects';

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

function parseBody(m: BusMsg): unknown {
  if (m.data.length === 0) return {};
  try {
    return m.json();
  } catch {
    throw new GridtwinError(ErrorCode.BAD_REQUEST, 'payload is not valid JSON');
  }
}

function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    // paths and messages only: zod's issues may quote the input, which can hold a secret
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'invalid request', { details: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return r.data;
}

const token = (subject: string, prefix: string, index: number) => subject.slice(prefix.length + 1).split('.')[index] ?? '';

export async function servePlants(opts: { bus: Bus; subjects: Subjects; plants: PlantRuntime; logger: Logger; version: string }): Promise<ServiceHandle> {
  const { bus, subjects: s, plants, logger } = opts;
  const p = s.prefix;
  const endpoint = (name: string, subject: string, f: (m: BusMsg) => Promise<unknown>): Endpoint => ({
    name,
    subject,
    handler: async (m) => {
      try {
        m.respond(ok(await f(m)));
      } catch (e) {
        const err = e instanceof GridtwinError ? e : new GridtwinError(ErrorCode.INTERNAL, 'internal error', { cause: e });
        if (err.code === ErrorCode.INTERNAL) logger.error({ subject: m.subject, err: (e as Error).message }, 'plant request failed');
        m.respond(fail(err));
      }
    },
  });
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
