import type { Bus } from '../../adapters/bus';
import type { UnsolicitedReport } from '../../adapters/meters/types';
import type { MeterMsg } from '../../actors/meter/messages';
import type { Runtime } from '../../actors/system';
import type { Config } from '../../core/config';
import { ErrorCode, GridtwinError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { Metrics } from '../../core/metrics';
import type { Reply } from '../../core/reply';
import { SOLE, type Placement, type Scheduler } from '../../core/scheduler';
import type { Subjects } from '../../core/subjects';
import type { Database } from '../../persistence';
import { NodeCredential, nodeTokenKey } from '../nodeToken';
import { fenceSettings } from './fence';
import type { ClusterRouting } from './router';
import { startCluster, type ClusterNode } from './start';

/** The meter actors as a sweep reaches them: `ask` by id. */
export type MeterAsk = Pick<Runtime['meters'], 'ask'>;

/**
 * What differs between a standalone node and a cluster node, provided as pieces instead of an if/else at each use:
 * the database session settings, where an uplink goes, which subjects belong to the cluster, and (once the actors
 * run) placement, routing, how a sweep reaches a meter, readiness.
 */
export interface Topology {
  /** Settings of every database connection (a cluster node's id and partition count, which the fence trigger reads). */
  readonly sessionSettings?: Record<string, string>;
  /** Where an unsolicited report heard by this node's driver goes; absent: the meter's actor here. */
  readonly deliverReport?: (meterId: string, report: UnsolicitedReport) => void;
  /** Subjects under the prefix that are not the catch-all's to answer. */
  readonly ignore?: (subject: string) => boolean;
  join(o: { db: Database; runtime: Runtime; metrics: Metrics; scheduler: Scheduler }): Promise<Joined>;
}

export interface Joined {
  cluster: ClusterNode | null;
  placement: Placement;
  routing?: ClusterRouting;
  meters: MeterAsk;
  /** For /readyz: the actors may take requests here. */
  ready(): boolean;
  /** Graceful leave (hand every partition off); nothing to do alone. */
  leave(): Promise<void>;
  stop(): Promise<void>;
}

/** One node owning every id. */
export const standaloneTopology: Topology = {
  join: async ({ runtime }) => ({
    cluster: null, placement: SOLE, meters: runtime.meters, ready: () => true,
    leave: async () => undefined, stop: async () => undefined,
  }),
};

/** A node of a cluster: partition leases over the bus's KV, requests routed to owners, jobs scoped by placement. */
export function clusterTopology(o: { config: Config; bus: Bus; subjects: Subjects; logger: Logger }): Topology {
  const { config, bus, subjects, logger } = o;
  if (bus.kind !== 'nats') throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'GRIDTWIN_CLUSTER=true needs NATS (NATS_URL) with JetStream');
  // NATS auth mode `token`: the node's own requests carry its node token (none is checked in mode `trusted`).
  const key = nodeTokenKey(config);
  const credential = key ? new NodeCredential(key, config.nodeId) : null;
  const ownHeaders = async () => (credential ? credential.headers() : undefined);
  return {
    sessionSettings: fenceSettings(config.nodeId, config.cluster.partitions),
    // Every node's driver may hear the same uplink: it goes to the meter's partition owner, which keeps one copy.
    // A refusal in the reply (the owner answered `{error}`) is as much a failed delivery as a transport error: both are logged.
    deliverReport: (id, r) => void ownHeaders().then((headers) => bus.request<Reply<unknown>>(subjects.meterReport(id), r, { timeoutMs: 30_000, headers }))
      .then((reply) => {
        if ('error' in reply) logger.warn({ meterId: id, code: reply.error.code, err: reply.error.message }, 'the owner refused an unsolicited report');
      })
      .catch((e: unknown) => logger.warn({ meterId: id, err: (e as Error).message }, 'could not deliver an unsolicited report')),
    ignore: (subject) => subjects.cluster.parse(subject).ok,
    async join({ db, runtime, metrics, scheduler }) {
      const cluster = await startCluster({ bus, db, runtime, subjects, config, logger, metrics, scheduler });
      return {
        cluster, placement: cluster.placement, routing: cluster.routing,
        meters: routedMeters(bus, subjects, config.emlite.deadlineMs * 12, ownHeaders),
        ready: () => cluster.readiness().ready,
        leave: () => cluster.leave(),
        stop: () => cluster.stop(),
      };
    },
  };
}

/** A sweep's `sync` to a meter goes through the meter's routed subject, so it runs on the meter's owner (a node's own request). */
function routedMeters(bus: Bus, subjects: Subjects, defaultTimeoutMs: number, ownHeaders: () => Promise<Record<string, string> | undefined>): MeterAsk {
  return {
    ask: async <T>(id: string, make: (reply: never) => MeterMsg, timeoutMs?: number) => {
      const msg = make((() => undefined) as never);
      if (msg.type !== 'sync') throw new GridtwinError(ErrorCode.INTERNAL, `a cluster routes only sync to a meter by subject, not ${msg.type}`);
      return bus.request<Reply<T>>(subjects.meterSync(id), msg.syncers ? { syncers: msg.syncers } : {}, { timeoutMs: timeoutMs ?? defaultTimeoutMs, headers: await ownHeaders() });
    },
  } as MeterAsk;
}
