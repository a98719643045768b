import { rendezvous } from './partition';
import { type LeaseView, type MemberValue, isLive, validOwner } from './lease';

export interface ClusterView {
  self: string;
  partitions: number;
  now: number;
  ttlMs: number;
  leases: Map<number, LeaseView>;
  members: Map<string, MemberValue>;
  /** Partitions this node holds (in any state). */
  local: Set<number>;
  /** Partitions this node is busy acquiring or releasing. */
  busy: Set<number>;
  /** Live actors per partition on this node (least-loaded partitions move first). */
  actorsIn: (partition: number) => number;
  draining: boolean;
  /** Most partitions released in one rebalancing step (acquiring free or orphaned partitions is not capped). */
  step: number;
}

export interface Plan {
  acquire: number[];
  release: Array<{ partition: number; to: string | null }>;
}

/**
 * One rebalancing step for this node, a pure decision. Every node runs it on every tick; compare-and-set
 * on the lease settles races. Free and expired partitions are taken up to a fair share (the preferred
 * node by rendezvous hash at once, others after a TTL of grace), and the expired leases of a node that is
 * gone are taken beyond the share, all in one step; a node above its share gives the partitions with the
 * fewest live actors to the least-loaded member, `step` at a time; a draining node gives everything away.
 */
export function planStep(v: ClusterView): Plan {
  const live = [...v.members.values()].filter((m) => isLive(m, v.now, v.ttlMs) && !m.draining).map((m) => m.nodeId);
  if (!v.draining && !live.includes(v.self)) live.push(v.self);
  live.sort();
  const owned = new Map<string, number[]>(live.map((n) => [n, []]));
  const free: number[] = [];
  for (let p = 0; p < v.partitions; p++) {
    // A lease in this node's name that this process does not hold is a previous incarnation's (restart): free for it.
    const owner = v.local.has(p) ? v.self : validOwner(v.leases.get(p), v.now);
    if (owner && (owner !== v.self || v.local.has(p))) {
      if (!owned.has(owner)) owned.set(owner, []);
      owned.get(owner)!.push(p);
    } else free.push(p);
  }
  const mine = owned.get(v.self) ?? [];
  const plan: Plan = { acquire: [], release: [] };

  if (v.draining) {
    const targets = live.filter((n) => n !== v.self);
    const load = new Map(targets.map((n) => [n, owned.get(n)!.length]));
    for (const p of leastLoadedFirst(mine, v).slice(0, v.step)) {
      const to = targets.length ? targets.reduce((a, b) => (load.get(a)! <= load.get(b)! ? a : b)) : null;
      if (to) load.set(to, load.get(to)! + 1);
      plan.release.push({ partition: p, to });
    }
    return plan;
  }

  const floor = Math.floor(v.partitions / live.length);
  const ceil = Math.ceil(v.partitions / live.length);
  const leastLoaded = live.reduce((a, b) => (owned.get(a)!.length <= owned.get(b)!.length ? a : b));
  const cap = leastLoaded === v.self ? ceil : Math.max(floor, 1);
  let count = mine.length;
  const ordered = free
    .filter((p) => !v.busy.has(p))
    .sort((a, b) => rendezvous(b, v.self) - rendezvous(a, v.self));
  for (const p of ordered) {
    const l = v.leases.get(p)?.value;
    const handedToMe = (l?.owner === null && l.handoffTo === v.self) || l?.owner === v.self;
    // An expired lease of a node that is no longer a live member is a failover: no share cap, so the survivors
    // serve again one tick after the lease ends (the share is restored later by ordinary rebalancing).
    const orphaned = !!l?.owner && l.owner !== v.self && !live.includes(l.owner);
    if (!handedToMe && !orphaned && count >= cap) continue;
    if (l?.owner === null && l.handoffTo && l.handoffTo !== v.self && live.includes(l.handoffTo) && v.now - (l.releasedAt ?? 0) < v.ttlMs) continue;
    // An expired lease goes to its preferred live node first; everyone else waits one more TTL.
    const preferred = live.reduce((a, b) => (rendezvous(p, a) >= rendezvous(p, b) ? a : b));
    const expiredFor = l?.owner ? v.now - l.expiresAt : Infinity;
    if (!handedToMe && l?.owner && preferred !== v.self && expiredFor < v.ttlMs) continue;
    plan.acquire.push(p);
    count++;
  }

  if (plan.acquire.length === 0 && mine.length > floor) {
    const needy = live.filter((n) => n !== v.self).reduce<string | null>((a, b) => (a === null || owned.get(b)!.length < owned.get(a)!.length ? b : a), null);
    const need = needy ? floor - owned.get(needy)!.length : 0;
    const surplus = mine.length > ceil ? mine.length - ceil : mine.length - floor;
    const n = Math.min(v.step, surplus, Math.max(need, mine.length > ceil ? 1 : 0));
    if (needy && n > 0 && need > 0) {
      for (const p of leastLoadedFirst(mine.filter((x) => !v.busy.has(x)), v).slice(0, n)) plan.release.push({ partition: p, to: needy });
    }
  }
  return plan;
}

function leastLoadedFirst(ps: number[], v: ClusterView): number[] {
  return [...ps].sort((a, b) => v.actorsIn(a) - v.actorsIn(b) || a - b);
}
