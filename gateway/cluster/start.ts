import type { DrainTarget } from '../../actors/cluster';
import type { Runtime } from '../../actors/system';
import type { Bus } from '../../adapters/bus';
import type { Config } from '../../core/config';
import type { Logger } from '../../core/logger';
import type { Metrics } from '../../core/metrics';
import { ok } from '../../core/reply';
import type { Placement, Scheduler } from '../../core/scheduler';
import type { Subjects } from '../../core/subjects';
import type { Database } from '../../persistence';
import { ClusterMember } from './member';
import { PartitionRouter, type ClusterRouting } from './router';


export interface ClusterNode {
  member: ClusterMember;
  routing: ClusterRouting;
  /** Whether this node owns the partition of a device id right now. */
  owns(deviceId: string): boolean;
  /** What the scheduler acts on here: owned ids, owned partitions, leadership. */
  placement: Placement;
  /** For /readyz: false during a failover, a hand-off or a lapsed lease renewal (with the reason). */
  readiness(): { ready: boolean; reason?: string };
  /** Graceful leave: hand every partition off, wait for routed requests. */
  leave(): Promise<void>;
  stop(): Promise<void>;
}

const OPEN = new Set(['QUEUED', 'PROCESSING', 'VERIFYING']);

/** The meter actors of this node, as a hand-off drives them. */
function meterDevices(runtime: Runtime): DrainTarget {
  return {
    ids: () => runtime.meters.ids(),
    busy: async (id) => {
      const r = await runtime.meters.ask<{ openInteractions: Array<{ status: string }> }>(id, (reply) => ({ type: 'get', reply }), 2_000);
      return 'data' in r && r.data.openInteractions.some((i) => OPEN.has(i.status));
    },
    passivate: (id) => runtime.meters.passivate(id),
    wake: (id) => runtime.meters.tell(id, { type: 'tick' }),
  };
}

/**
 * Joins this node to the cluster: membership and leases, routing of device requests, the placement that scopes
 * the node's scheduled jobs (reconcile ticks and outbox sweeps act only on owned devices, cluster-wide jobs run
 * on the elected node), the single-activation sweep, the status broadcast and the status subjects.
 */
export async function startCluster(o: {
  bus: Bus; db: Database; runtime: Runtime; subjects: Subjects; config: Config; logger: Logger; metrics: Metrics;
  /** The node's scheduler: the cluster registers its own jobs and, started with `placement`, scopes every job. */
  scheduler: Scheduler;
}): Promise<ClusterNode> {
  const { bus, runtime, subjects: s, config, logger } = o;
  const member = new ClusterMember({ ...o, devices: meterDevices(runtime) });
  const router = new PartitionRouter({
    bus, member, subjects: s, logger, metrics: o.metrics,
    settleTimeoutMs: Math.max(10_000, config.cluster.leaseTtlMs * 4),
    forwardTimeoutMs: config.actors.askTimeoutMs + 2_000,
    onWorldChanged: (ids) => runtime.notifyWorldChanged(ids),
  });
  await member.start();

  const owns = (meterId: string) => member.ownsLocally(member.partitionOf(meterId));
  const placement: Placement = {
    owns,
    leads: () => member.isLeader(),
    partitions: () => ({ count: config.cluster.partitions, owned: Array.from({ length: config.cluster.partitions }, (_, p) => p).filter((p) => member.ownsLocally(p)) }),
  };
  // Single activation: nothing lives here unowned (a partition in hand-off keeps its actors until it is released).
  o.scheduler.add({
    name: 'cluster.single-activation', everyMs: config.interactions.reconcileEveryMs,
    run: () => {
      for (const id of runtime.meters.ids()) if (!owns(id) && !member.inHandoff(member.partitionOf(id))) runtime.meters.passivate(id);
    },
  });
  // A cluster-wide schedule: the elected node broadcasts the cluster's status.
  o.scheduler.add({
    name: 'cluster.status', everyMs: Math.max(1_000, config.cluster.leaseTtlMs), scope: 'cluster',
    run: () => bus.publish(s.evtClusterStatus(), { at: new Date().toISOString(), by: member.nodeId, status: member.clusterStatus() }),
  });

  const statusSubs = [
    bus.subscribe(s.clusterStatus(), (m) => m.respond(ok(member.clusterStatus())), { queue: 'gridtwin' }),
    bus.subscribe(s.clusterNodeStatus(member.nodeId), (m) => m.respond(ok(member.nodeStatus()))),
  ];

  const routed = async () => {
    const until = Date.now() + 5_000;
    while (router.busy() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  };

  return {
    member,
    routing: router,
    owns,
    placement,
    readiness: () => member.readiness(),
    async leave() {
      await member.leaveCluster();
      await routed();
    },
    async stop() {
      // Called once the service no longer takes requests: answer those still being forwarded first.
      await routed();
      for (const sub of statusSubs) sub.unsubscribe();
      router.stop();
      await member.stop();
    },
  };
}
