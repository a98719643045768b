import { describe, expect, it } from 'vitest';
import { clusterReadiness, fnv1a32, partitionOf, planStep, type ClusterView, type LeaseView, type MemberValue } from '../../actors/cluster';

const NOW = 1_000_000;
const TTL = 1_500;
const member = (nodeId: string, o: Partial<MemberValue> = {}): MemberValue => ({ nodeId, startedAt: 0, seenAt: NOW - 100, draining: false, owned: 0, actors: 0, ...o });
const held = (p: number, owner: string | null, o: Partial<LeaseView['value'] & object> = {}): LeaseView => ({ partition: p, revision: p + 1, value: { owner, expiresAt: NOW + TTL, ...o } });

function view(partitions: number, owners: Array<string | null>, self: string, members: string[], o: Partial<ClusterView> = {}): ClusterView {
  const leases = new Map<number, LeaseView>();
  owners.forEach((owner, p) => { if (owner !== undefined) leases.set(p, held(p, owner)); });
  return {
    self, partitions, now: NOW, ttlMs: TTL, leases, members: new Map(members.map((m) => [m, member(m)])),
    local: new Set(owners.flatMap((x, p) => (x === self ? [p] : []))), busy: new Set(), actorsIn: () => 0, draining: false, step: 4, ...o,
  };
}

describe('partitions', () => {
  it('hashes ids with FNV-1a (reference vectors) into a stable partition', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(partitionOf('foobar', 256)).toBe(0xbf9cf968 % 256);
  });
});

describe('rebalancing step', () => {
  it('a lone node takes every free partition in one step (the step caps releases, not acquisitions)', () => {
    const plan = planStep(view(16, Array(16).fill(null), 'a', ['a']));
    expect(plan.acquire).toHaveLength(16);
    expect(plan.release).toEqual([]);
  });

  it('two starting nodes each take no more than their share of free partitions', () => {
    const a = planStep(view(16, Array(16).fill(null), 'a', ['a', 'b'], { local: new Set() }));
    expect(a.acquire).toHaveLength(8);
  });

  it('defect 5: after kill -9 the survivor takes every expired lease of the dead node in one step (256 and 1,024 partitions)', () => {
    for (const n of [256, 1024]) {
      const owners = Array.from({ length: n }, (_, p) => (p % 2 ? 'dead' : 'a'));
      const v = view(n, owners, 'a', ['a'], { step: 16 });
      for (const l of v.leases.values()) if (l.value!.owner === 'dead') l.value!.expiresAt = NOW - 1;
      // The dead node's heartbeat is older than a TTL, so it is not a live member.
      v.members.set('dead', member('dead', { seenAt: NOW - 2 * TTL }));
      const plan = planStep(v);
      expect(plan.acquire).toHaveLength(n / 2);
      expect(plan.acquire.every((p) => p % 2 === 1)).toBe(true);
    }
  });

  it('defect 5: orphaned leases are split between survivors by preference, never wanted by both', () => {
    const owners = Array.from({ length: 256 }, (_, p) => ['a', 'b', 'dead'][p % 3]!);
    const v = view(256, owners, 'a', ['a', 'b'], { step: 16 });
    for (const l of v.leases.values()) if (l.value!.owner === 'dead') l.value!.expiresAt = NOW - 1;
    const a = planStep(v).acquire;
    const b = planStep({ ...v, self: 'b', local: new Set(owners.flatMap((x, p) => (x === 'b' ? [p] : []))) }).acquire;
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    expect(a.length + b.length).toBe(owners.filter((x) => x === 'dead').length);
  });

  it('a live node whose lease lapsed is not treated as dead: the share cap still applies', () => {
    const owners = Array.from({ length: 16 }, (_, p) => (p < 8 ? 'a' : 'b'));
    const v = view(16, owners, 'a', ['a', 'b']);
    for (const l of v.leases.values()) if (l.value!.owner === 'b') l.value!.expiresAt = NOW - 1;
    expect(planStep(v).acquire).toEqual([]);
  });

  it('a node above its share gives its least-loaded partitions to the member with the fewest', () => {
    const owners = [...Array(8).fill('a'), ...Array(8).fill('b')];
    const actors = new Map([[0, 5], [1, 0], [2, 3], [3, 0]]);
    const plan = planStep(view(16, owners, 'a', ['a', 'b', 'c'], { actorsIn: (p) => actors.get(p) ?? 1 }));
    expect(plan.acquire).toEqual([]);
    expect(plan.release.map((r) => r.to)).toEqual(['c', 'c']);
    expect(plan.release.map((r) => r.partition)).toEqual([1, 3]);
  });

  it('a balanced cluster does nothing', () => {
    const owners = Array.from({ length: 16 }, (_, p) => ['a', 'b', 'c', 'd'][p % 4]!);
    expect(planStep(view(16, owners, 'a', ['a', 'b', 'c', 'd']))).toEqual({ acquire: [], release: [] });
  });

  it('a draining node hands everything to the live members, least loaded first', () => {
    const owners = [...Array(4).fill('a'), ...Array(6).fill('b'), ...Array(6).fill('c')];
    const plan = planStep(view(16, owners, 'a', ['a', 'b', 'c'], { draining: true, members: new Map([['a', member('a', { draining: true })], ['b', member('b')], ['c', member('c')]]) }));
    expect(plan.release).toHaveLength(4);
    expect(new Set(plan.release.map((r) => r.to))).toEqual(new Set(['b', 'c']));
  });

  it('an expired lease goes to its preferred node first; the others wait a TTL', () => {
    const v = view(4, ['x', 'x', 'x', 'x'], 'a', ['a', 'b']);
    for (const l of v.leases.values()) l.value!.expiresAt = NOW - 10;
    const a = planStep(v).acquire;
    const b = planStep({ ...v, self: 'b', local: new Set() }).acquire;
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length); // no partition wanted by both
    expect(a.length + b.length).toBe(4);
  });

  it('a partition released to a node is taken by it, and left alone by others for a TTL', () => {
    const v = view(4, ['a', 'a', 'b', 'b'], 'c', ['a', 'b', 'c']);
    v.leases.set(0, { partition: 0, revision: 9, value: { owner: null, expiresAt: 0, handoffTo: 'c', releasedAt: NOW - 10 } });
    expect(planStep(v).acquire).toEqual([0]);
    expect(planStep({ ...v, self: 'b', local: new Set([2, 3]) }).acquire).toEqual([]);
  });

  it("a lease in this node's name that the process does not hold (a restart) is reclaimed at once", () => {
    const v = view(2, ['a', 'b'], 'a', ['a', 'b'], { local: new Set() });
    expect(planStep(v).acquire).toEqual([0]);
  });
});

describe('cluster readiness (/readyz actors check)', () => {
  const ready = (v: ClusterView, o: { owned?: Array<{ partition: number; validUntil: number }> } = {}) =>
    clusterReadiness({ ...v, owned: o.owned ?? [...v.local].map((partition) => ({ partition, validUntil: NOW + TTL })) });

  it('a settled cluster is ready', () => {
    expect(ready(view(4, ['a', 'b', 'a', 'b'], 'a', ['a', 'b']))).toEqual({ ready: true });
  });

  it('defect 11: not ready during failover — a silent member still holding unexpired leases', () => {
    const v = view(4, ['a', 'b', 'a', 'b'], 'a', ['a', 'b']);
    v.members.set('b', member('b', { seenAt: NOW - TTL })); // two heartbeat periods missed; its leases are still valid
    expect(ready(v)).toEqual({ ready: false, reason: '2 of 4 partitions without a live owner' });
  });

  it('defect 11: not ready while expired partitions wait for a new owner, ready once taken', () => {
    const v = view(4, ['a', 'x', 'a', 'x'], 'a', ['a']);
    for (const l of v.leases.values()) if (l.value!.owner === 'x') l.value!.expiresAt = NOW - 1;
    expect(ready(v).ready).toBe(false);
    const after = view(4, ['a', 'a', 'a', 'a'], 'a', ['a']);
    expect(ready(after)).toEqual({ ready: true });
  });

  it('not ready when its own renewal lapsed, or while draining', () => {
    const v = view(2, ['a', 'a'], 'a', ['a']);
    expect(ready(v, { owned: [{ partition: 0, validUntil: NOW - 1 }, { partition: 1, validUntil: NOW + 10 }] }).ready).toBe(false);
    expect(ready({ ...v, draining: true })).toEqual({ ready: false, reason: 'draining' });
  });
});
