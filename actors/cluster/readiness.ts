import { type LeaseView, type MemberValue, validOwner } from './lease';

export interface ReadinessView {
  self: string;
  partitions: number;
  now: number;
  ttlMs: number;
  leases: Map<number, LeaseView>;
  members: Map<string, MemberValue>;
  draining: boolean;
  /** Partitions this node serves, with the end of its last renewed lease. */
  owned: Array<{ partition: number; validUntil: number }>;
}

/**
 * Whether a node is ready in the cluster (/readyz), a pure decision: not draining, its own leases renewed in
 * time, and every partition owned by a member whose heartbeat is fresh. Heartbeats come every TTL/3, so a member
 * silent for two periods is taken as gone: readiness drops then, before its leases run out, and comes back once
 * the survivors own its partitions.
 */
export function clusterReadiness(v: ReadinessView): { ready: boolean; reason?: string } {
  if (v.draining) return { ready: false, reason: 'draining' };
  const lapsed = v.owned.filter((h) => h.validUntil <= v.now).length;
  if (lapsed) return { ready: false, reason: `${lapsed} leases of this node not renewed in time` };
  const fresh = new Set([...v.members.values()].filter((m) => v.now - m.seenAt < (2 * v.ttlMs) / 3).map((m) => m.nodeId));
  fresh.add(v.self);
  let unserved = 0;
  for (let p = 0; p < v.partitions; p++) {
    const owner = validOwner(v.leases.get(p), v.now);
    if (!owner || !fresh.has(owner)) unserved++;
  }
  return unserved ? { ready: false, reason: `${unserved} of ${v.partitions} partitions without a live owner` } : { ready: true };
}
