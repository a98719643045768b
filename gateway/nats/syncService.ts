import { z } from 'zod';
import type { Bus, BusMsg, ServiceHandle } from '../../adapters/bus';
import type { ClusterRouting } from '../cluster/router';
import type { SyncResult } from '../../actors/meter/sync/types';
import type { SyncSweeper } from '../../actors/sync';
import type { Runtime } from '../../actors/system';
import { ErrorCode, GridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { unwrap } from '../../core/reply';
import type { Subjects } from '../../core/subjects';
import { endpointFactory, parseBody, routeOrRefuse, routedBy, validate } from './endpoint';
import { guardEndpoints, inSubject, type Access, type DeclaredEndpoint, type NatsGuard } from './access';

const Syncers = z.array(z.string().min(1).max(64)).min(1).max(20);
export const MeterSyncSchema = z.object({ syncers: Syncers.optional() }).strict();
export const EscoSyncSchema = z.object({
  syncers: Syncers.optional(),
  frequencies: z.array(z.enum(['hourly', '12hourly', 'daily'])).min(1).optional(),
  /** Reply with the sweep id at once instead of waiting for the sweep to finish. */
  async: z.boolean().optional(),
}).strict();

const body = <T>(schema: z.ZodType<T>, m: BusMsg): T => validate(schema, parseBody(m));

/**
 * Emlite sync over NATS: `meter.<id>.sync` (optional `{syncers}`), `esco.<esco>.sync` (waits for the sweep, or
 * `{async:true}` for its id at once) and `esco.<esco>.sync.status`.
 */
export async function serveSyncNats(opts: { bus: Bus; subjects: Subjects; runtime: Runtime; sweeper: SyncSweeper; logger: Logger; version: string; meterTimeoutMs: number; guard: NatsGuard; cluster?: ClusterRouting }): Promise<ServiceHandle> {
  const { bus, subjects: s, runtime, sweeper, logger } = opts;
  const plain = endpointFactory(logger, 'sync');
  // In a cluster a meter's sync runs on the node owning its partition (its actor, never a second one).
  const endpoint = (name: string, subject: string, access: Access, f: (m: BusMsg) => Promise<unknown>, meterOf?: (m: BusMsg) => string | null): DeclaredEndpoint => {
    const e = plain(name, subject, access, f);
    const cluster = opts.cluster;
    if (!cluster || !meterOf) return e;
    return { ...e, handler: (m) => routeOrRefuse(cluster, meterOf(m), m, e) };
  };
  const declared: DeclaredEndpoint[] = [
    endpoint('meter-sync', s.meterSync.pattern, {
      role: 'operator', touches: [inSubject('meter', s.meterSync, 'meterId')],
      node: 'sweeps: the elected node\'s scheduled sweep (or the node a manual one reached) syncs each meter on its owner',
    }, async (m) => {
      const { meterId } = s.meterSync.ids(m.subject);
      const { syncers } = body(MeterSyncSchema, m);
      return unwrap(await runtime.meters.ask<SyncResult>(meterId, (reply) => ({ type: 'sync', syncers, reply }), opts.meterTimeoutMs));
    }, routedBy(s.meterSync, 'meterId')),
    endpoint('esco-sync', s.escoSync.pattern, { role: 'operator', touches: [inSubject('esco', s.escoSync, 'esco')] }, async (m) => {
      const { esco } = s.escoSync.ids(m.subject);
      const b = body(EscoSyncSchema, m);
      const { sweepId, done } = sweeper.sweep(esco, { trigger: 'manual', syncers: b.syncers, frequencies: b.frequencies });
      if (b.async) {
        done.catch((e) => logger.warn({ esco, sweepId, err: (e as Error).message }, 'emlite sweep failed'));
        return { sweepId, async: true };
      }
      return done;
    }),
    endpoint('esco-sync-status', s.escoSyncStatus.pattern, { role: 'viewer', touches: [inSubject('esco', s.escoSyncStatus, 'esco')] }, async (m) => {
      const { esco } = s.escoSyncStatus.ids(m.subject);
      const st = sweeper.status(esco);
      if (!st) throw new GridtwinError(ErrorCode.NOT_FOUND, `no sweep of ${esco} yet`);
      return st;
    }),
  ];
  const endpoints = guardEndpoints(opts.guard, s.prefix, declared);
  opts.cluster?.serveForwarded(endpoints);
  return bus.serve({
    name: 'gridtwin-sync',
    version: opts.version,
    description: 'gridtwin Emlite meter sync',
    queue: 'gridtwin-sync',
    endpoints,
  });
}
