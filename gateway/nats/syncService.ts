import { z } from 'zod';
import type { Bus, BusMsg, Endpoint, ServiceHandle } from '../../adapters/bus';
import type { SyncResult } from '../../actors/meter/handlers/Sync';
import type { SyncSweeper } from '../../actors/sync';
import type { Runtime } from '../../actors/system';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../core/errors';
import { assertSubjectSafeId } from '../../core/ids';
import type { Logger } from '../../core/logger';
import { fail, ok, unwrap } from '../../core/reply';
import type { Subjects } from '../../core/subjects';

const Syncers = z.array(z.string().min(1).max(64)).min(1).max(20);
const MeterSyncSchema = z.object({ syncers: Syncers.optional() }).strict();
const EscoSyncSchema = z.object({
  syncers: Syncers.optional(),
  frequencies: z.array(z.enum(['hourly', '12hourly', 'daily'])).min(1).optional(),
  /** Reply with the sweep id at once instead of waiting for the sweep to finish. */
  async: z.boolean().optional(),
}).strict();

function body<T>(schema: z.ZodType<T>, m: BusMsg): T {
  let raw: unknown = {};
  if (m.data.length) {
    try {
      raw = m.json();
    } catch {
      throw new GridtwinError(ErrorCode.BAD_REQUEST, 'payload is not valid JSON');
    }
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'invalid request', { details: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return r.data;
}

/**
 * Emlite sync over NATS: `meter.<id>.sync` (optional `{syncers}`), `esco.<esco>.sync` (waits for the sweep, or
 * `{async:true}` for its id at once) and `esco.<esco>.sync.status`.
 */
export async function serveSyncNats(opts: { bus: Bus; subjects: Subjects; runtime: Runtime; sweeper: SyncSweeper; logger: Logger; version: string; meterTimeoutMs: number }): Promise<ServiceHandle> {
  const { bus, subjects: s, runtime, sweeper, logger } = opts;
  const p = s.prefix;
  const token = (subject: string, index: number) => subject.slice(p.length + 1).split('.')[index] ?? '';
  const endpoint = (name: string, subject: string, f: (m: BusMsg) => Promise<unknown>): Endpoint => ({
    name,
    subject,
    handler: async (m) => {
      try {
        m.respond(ok(await f(m)));
      } catch (e) {
        const err = toGridtwinError(e);
        if (err.code === ErrorCode.INTERNAL) logger.error({ subject: m.subject, err: (e as Error).message }, 'sync request failed');
        m.respond(fail(err));
      }
    },
  });
  return bus.serve({
    name: 'gridtwin-sync',
    version: opts.version,
    description: 'gridtwin Emlite meter sync',
    queue: 'gridtwin-sync',
    endpoints: [
      endpoint('meter-sync', s.meterSync('*'), async (m) => {
        const meterId = assertSubjectSafeId(token(m.subject, 1), 'meterId');
        const { syncers } = body(MeterSyncSchema, m);
        return unwrap(await runtime.meters.ask<SyncResult>(meterId, (reply) => ({ type: 'sync', syncers, reply }), opts.meterTimeoutMs));
      }),
      endpoint('esco-sync', s.escoSync('*'), async (m) => {
        const esco = assertSubjectSafeId(token(m.subject, 1), 'esco');
        const b = body(EscoSyncSchema, m);
        const { sweepId, done } = sweeper.sweep(esco, { trigger: 'manual', syncers: b.syncers, frequencies: b.frequencies });
        if (b.async) {
          done.catch((e) => logger.warn({ esco, sweepId, err: (e as Error).message }, 'emlite sweep failed'));
          return { sweepId, async: true };
        }
        return done;
      }),
      endpoint('esco-sync-status', s.escoSyncStatus('*'), async (m) => {
        const esco = assertSubjectSafeId(token(m.subject, 1), 'esco');
        const st = sweeper.status(esco);
        if (!st) throw new GridtwinError(ErrorCode.NOT_FOUND, `no sweep of ${esco} yet`);
        return st;
      }),
    ],
  });
}
