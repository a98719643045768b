import type { Bus, KvBucket, KvEntry } from '../../adapters/bus';
import { drainDevices, type DrainTarget } from '../../actors/cluster/handoff';
import { type LeaseValue, type LeaseView, type MemberValue, epochOf, isLive, validOwner } from '../../actors/cluster/lease';
import { partitionOf } from '../../actors/cluster/partition';
import { planStep } from '../../actors/cluster/rebalance';
import { clusterReadiness } from '../../actors/cluster/readiness';
import type { Config } from '../../core/config';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { detach } from '../../core/detached';
import type { Logger } from '../../core/logger';
import type { Metrics } from '../../core/metrics';
import type { Subjects } from '../../core/subjects';
import { fencingRepo } from '../../persistence/repositories/fencing';
import type { Database } from '../../persistence';

type LocalState = 'acquiring' | 'owned' | 'releasing';
interface Held { state: LocalState; epoch: number; revision: number; validUntil: number; lock: Promise<void> }

/** Renewal and release of one lease never race each other's compare-and-set. */
async function serially<T>(h: Held, f: () => Promise<T>): Promise<T> {
  const prev = h.lock;
  let done!: () => void;
  h.lock = new Promise((r) => { done = r; });
  await prev;
  try {
    return await f();
  } finally {
    done();
  }
}

export interface MemberOptions {
  bus: Bus;
  db: Database;
  devices: DrainTarget;
  subjects: Subjects;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
  /** Partitions moved per rebalancing step (default 16; draining moves 64). */
  step?: number;
  /** Longest a graceful hand-off waits for in-flight work (default 5 s). */
  drainTimeoutMs?: number;
}

const leaseKey = (p: number) => `lease.${p}`;
const memberKey = (n: string) => `member.${n}`;

/**
 * A node's membership in the cluster: partition leases in a JetStream KV bucket (create-if-absent,
 * renewed by compare-and-set on the revision; the acquiring revision is the partition's epoch, recorded
 * in PostgreSQL before the node serves it), heartbeats, rebalancing steps, graceful hand-off, takeover of
 * expired leases, and one elected leader for cluster-wide schedules.
 */
export class ClusterMember {
  readonly nodeId: string;
  readonly partitions: number;
  private readonly ttl: number;
  private readonly now: () => number;
  private kv!: KvBucket;
  private readonly leases = new Map<number, LeaseView>();
  private readonly members = new Map<string, MemberValue>();
  private readonly held = new Map<number, Held>();
  private leader: LeaseView | null = null;
  private leaderHeld: { revision: number; validUntil: number } | null = null;
  private waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private planTimer: NodeJS.Timeout | null = null;
  private rebalancing: Promise<void> | null = null;
  private draining = false;
  private stopped = false;
  private readonly startedAt: number;
  private watchStop: (() => void) | null = null;
  private inflight = new Map<number, number>();
  private onLeaderChange: Array<(leader: boolean) => void> = [];

  constructor(private readonly o: MemberOptions) {
    this.nodeId = o.config.nodeId;
    this.partitions = o.config.cluster.partitions;
    this.ttl = o.config.cluster.leaseTtlMs;
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    if (this.ttl < 300) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'cluster.leaseTtlMs must be at least 300 ms');
  }

  async start(): Promise<void> {
    const bucket = this.o.subjects.clusterBucket();
    try {
      this.kv = await this.o.bus.kv(bucket);
    } catch (e) {
      throw new GridtwinError(ErrorCode.UNAVAILABLE, `cluster: cannot open the KV bucket ${bucket} (JetStream enabled on the NATS server?)`, { cause: e });
    }
    await this.checkPartitionCount();
    const ready = new Promise<void>((resolve, reject) => { this.watch(resolve).then(undefined, reject); });
    await ready;
    await this.heartbeat();
    // One heartbeat period to see the members already running before claiming free partitions.
    await new Promise((r) => setTimeout(r, Math.min(this.ttl / 2, 1000)));
    await this.tick();
    this.timer = setInterval(() => detach(this.tick(), 'cluster tick'), Math.max(100, Math.floor(this.ttl / 3)));
    this.timer.unref?.();
    // Leases are renewed every TTL/3, but the plan (a pure read of the watched bucket; it writes only to move a
    // partition) runs every TTL/10: a dead node's partitions are taken within a tenth of a TTL of their expiry.
    this.planTimer = setInterval(() => this.step(), Math.max(50, Math.floor(this.ttl / 10)));
    this.planTimer.unref?.();
  }

  /** The partition count is fixed when the cluster is created; a node configured otherwise refuses to start. */
  private async checkPartitionCount() {
    try {
      await this.kv.create('meta', ({ partitions: this.partitions, createdAt: new Date(this.now()).toISOString() }));
    } catch {
      const e = await this.kv.get('meta');
      const stored = e?.json<{ partitions: number }>().partitions;
      if (stored !== this.partitions) {
        throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `cluster: this cluster has ${stored} partitions; this node is configured with ${this.partitions} (GRIDTWIN_PARTITIONS). The count cannot change under a running cluster.`);
      }
    }
  }

  private async watch(ready: () => void) {
    const t = setTimeout(ready, 2_000);
    const w = await this.kv.watch((e) => {
      this.apply(e);
      // The existing values come first; `delta` counts those still to come (the bucket always holds `meta`).
      if (e.delta === 0) { clearTimeout(t); ready(); }
    });
    this.watchStop = () => w.stop();
  }

  private apply(e: KvEntry) {
    const deleted = e.operation !== 'PUT';
    if (e.key.startsWith('lease.')) {
      const p = Number(e.key.slice(6));
      this.leases.set(p, { partition: p, revision: e.revision, value: deleted ? null : e.json<LeaseValue>() });
    } else if (e.key.startsWith('member.')) {
      if (deleted) this.members.delete(e.key.slice(7));
      else this.members.set(e.key.slice(7), e.json<MemberValue>());
    } else if (e.key === 'leader') {
      this.leader = { partition: -1, revision: e.revision, value: deleted ? null : e.json<LeaseValue>() };
    }
    this.wake();
  }

  private wake() {
    const w = this.waiters;
    this.waiters = new Set();
    for (const f of w) f();
  }

  /** Resolves on the next change of ownership or membership (or after `ms`). */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.waiters.delete(done); resolve(); }, ms);
      const done = () => { clearTimeout(t); resolve(); };
      this.waiters.add(done);
    });
  }

  partitionOf(deviceId: string): number {
    return partitionOf(deviceId, this.partitions);
  }

  /** Serving here now: lease held, epoch recorded, not in hand-off, not past the lease's end. */
  ownsLocally(p: number): boolean {
    const h = this.held.get(p);
    return h?.state === 'owned' && h.validUntil > this.now();
  }

  /** Acquiring or releasing here: requests wait for the hand-off to settle. */
  inHandoff(p: number): boolean {
    const s = this.held.get(p)?.state;
    return s === 'acquiring' || s === 'releasing';
  }

  /** The node another node should forward to, when the lease is valid and held by a live member. */
  ownerOf(p: number): string | null {
    const owner = validOwner(this.leases.get(p), this.now());
    if (!owner || owner === this.nodeId) return null;
    if (this.leases.get(p)?.value?.owner === null) return null;
    return owner;
  }

  /** Requests being served locally per partition: a hand-off waits for them. */
  enter(p: number) { this.inflight.set(p, (this.inflight.get(p) ?? 0) + 1); }
  leave(p: number) {
    const n = (this.inflight.get(p) ?? 1) - 1;
    if (n <= 0) this.inflight.delete(p); else this.inflight.set(p, n);
    this.wake();
  }

  /** For /readyz: see `clusterReadiness`. */
  readiness(): { ready: boolean; reason?: string } {
    if (this.stopped) return { ready: false, reason: 'stopped' };
    return clusterReadiness({
      self: this.nodeId, partitions: this.partitions, now: this.now(), ttlMs: this.ttl, leases: this.leases, members: this.members,
      draining: this.draining, owned: [...this.held.entries()].filter(([, h]) => h.state === 'owned').map(([partition, h]) => ({ partition, validUntil: h.validUntil })),
    });
  }

  ownedPartitions(): number[] {
    return [...this.held.entries()].filter(([, h]) => h.state === 'owned').map(([p]) => p).sort((a, b) => a - b);
  }

  isLeader(): boolean {
    return this.leaderHeld !== null && this.leaderHeld.validUntil > this.now();
  }

  onLeadership(f: (leader: boolean) => void) {
    this.onLeaderChange.push(f);
  }

  private async tick() {
    if (this.stopped) return;
    await Promise.all([this.renewAll(), this.heartbeat(), this.electLeader()]);
    this.step();
  }

  /** One rebalancing step, unless one is under way. */
  private step() {
    if (!this.rebalancing && !this.stopped) {
      this.rebalancing = this.rebalance().catch((e) => this.o.logger.warn({ err: (e as Error).message }, 'cluster: rebalancing step failed')).finally(() => { this.rebalancing = null; });
    }
  }

  private async heartbeat() {
    const v: MemberValue = {
      nodeId: this.nodeId, startedAt: this.startedAt, seenAt: this.now(), draining: this.draining,
      owned: this.ownedPartitions().length, actors: this.o.devices.ids().length,
    };
    await this.kv.put(memberKey(this.nodeId), v).catch(() => undefined);
  }

  private async renewAll() {
    await Promise.all([...this.held.entries()].filter(([, h]) => h.state !== 'acquiring').map(([p, h]) => this.renew(p, h)));
  }

  private renew(p: number, h: Held) {
    return serially(h, () => this.renewNow(p, h));
  }

  private async renewNow(p: number, h: Held) {
    if (this.held.get(p) !== h) return;
    const sentAt = this.now();
    try {
      h.revision = await this.kv.update(leaseKey(p), ({ owner: this.nodeId, expiresAt: sentAt + this.ttl, epoch: h.epoch } satisfies LeaseValue), h.revision);
      h.validUntil = sentAt + this.ttl;
      this.o.metrics.leaseRenewals.inc({ outcome: 'ok' });
    } catch (e) {
      const current = await this.kv.get(leaseKey(p)).catch(() => null);
      const stillMine = current && current.operation === 'PUT' && current.json<LeaseValue>().owner === this.nodeId && (current.json<LeaseValue>().epoch ?? current.revision) === h.epoch;
      if (current && !stillMine) {
        this.o.metrics.leaseRenewals.inc({ outcome: 'lost' });
        this.o.logger.warn({ partition: p, epoch: h.epoch }, 'cluster: lease lost to another node; passivating its devices');
        this.held.delete(p);
        this.passivatePartition(p);
        this.wake();
      } else {
        this.o.metrics.leaseRenewals.inc({ outcome: 'error' });
        if (h.validUntil <= this.now()) this.o.logger.warn({ partition: p, err: (e as Error).message }, 'cluster: lease not renewed in time; not serving the partition until renewed');
      }
    }
  }

  private passivatePartition(p: number) {
    for (const id of this.o.devices.ids()) if (this.partitionOf(id) === p) this.o.devices.passivate(id);
  }

  private async rebalance() {
    const plan = planStep({
      self: this.nodeId, partitions: this.partitions, now: this.now(), ttlMs: this.ttl, leases: this.leases, members: this.members,
      local: new Set(this.held.keys()), busy: new Set([...this.held.entries()].filter(([, h]) => h.state !== 'owned').map(([p]) => p)),
      actorsIn: (p) => this.o.devices.ids().filter((id) => this.partitionOf(id) === p).length,
      draining: this.draining, step: this.draining ? 64 : (this.o.step ?? 16),
    });
    if (plan.acquire.length) {
      const won = (await Promise.all(plan.acquire.map((p) => this.acquire(p)))).filter((p): p is number => p !== null);
      if (won.length) await this.wakeOpenWork(won);
    }
    if (plan.release.length) await Promise.all(plan.release.map((r) => this.release(r.partition, r.to)));
  }

  private async acquire(p: number): Promise<number | null> {
    if (this.held.has(p) || this.stopped) return null;
    const seen = this.leases.get(p);
    const h: Held = { state: 'acquiring', epoch: 0, revision: 0, validUntil: 0, lock: Promise.resolve() };
    this.held.set(p, h);
    this.wake();
    const sentAt = this.now();
    try {
      const value = ({ owner: this.nodeId, expiresAt: sentAt + this.ttl } satisfies LeaseValue);
      const rev = seen && seen.revision ? await this.kv.update(leaseKey(p), value, seen.revision) : await this.kv.create(leaseKey(p), value);
      h.epoch = rev;
      h.revision = rev;
      h.validUntil = sentAt + this.ttl;
      if (!(await fencingRepo.claim(this.o.db.sql, p, rev, this.nodeId))) {
        this.o.logger.error({ partition: p, epoch: rev }, 'cluster: the database records a newer epoch for this partition; releasing it');
        await this.kv.update(leaseKey(p), ({ owner: null, expiresAt: 0, releasedAt: this.now() } satisfies LeaseValue), rev).catch(() => undefined);
        this.held.delete(p);
        return null;
      }
      h.state = 'owned';
      this.o.metrics.handoffs.inc({ direction: 'in' });
      return p;
    } catch {
      // Someone else was faster (compare-and-set failed): fine.
      this.held.delete(p);
      return null;
    } finally {
      this.wake();
    }
  }

  /** A new owner starts the work its devices left open: queued or interrupted interactions, pending cascade steps. */
  private async wakeOpenWork(ps: number[]) {
    const set = new Set(ps);
    const ids = await fencingRepo.metersWithOpenWork(this.o.db.sql).catch(() => [] as string[]);
    for (const id of ids) if (set.has(this.partitionOf(id))) this.o.devices.wake(id);
  }

  /** Graceful hand-off: stop intake, let in-flight work finish, passivate, release the lease to `to`. */
  private async release(p: number, to: string | null) {
    const h = this.held.get(p);
    if (!h || h.state !== 'owned') return;
    h.state = 'releasing';
    this.wake();
    const deadline = this.now() + (this.o.drainTimeoutMs ?? 5_000);
    while ((this.inflight.get(p) ?? 0) > 0 && this.now() < deadline) await this.changed(50);
    const ids = this.o.devices.ids().filter((id) => this.partitionOf(id) === p);
    await drainDevices(this.o.devices, ids, deadline, () => fencingRepo.pendingOutboxOf(this.o.db.sql, ids));
    for (const id of ids) this.o.devices.passivate(id);
    await serially(h, async () => {
      try {
        await this.kv.update(leaseKey(p), ({ owner: null, expiresAt: 0, epoch: h.epoch, handoffTo: to ?? undefined, releasedAt: this.now() } satisfies LeaseValue), h.revision);
        this.o.metrics.handoffs.inc({ direction: 'out' });
      } catch (e) {
        this.o.logger.warn({ partition: p, err: (e as Error).message }, 'cluster: release failed; the lease will expire instead');
      }
      this.held.delete(p);
    });
    this.wake();
  }

  private async electLeader() {
    const sentAt = this.now();
    const value = ({ owner: this.nodeId, expiresAt: sentAt + this.ttl } satisfies LeaseValue);
    const was = this.isLeader();
    try {
      if (this.leaderHeld) {
        this.leaderHeld = { revision: await this.kv.update('leader', value, this.leaderHeld.revision), validUntil: sentAt + this.ttl };
      } else if (!this.draining) {
        const cur = this.leader;
        const free = !cur || !validOwner(cur, sentAt) || cur.value?.owner === this.nodeId;
        if (free) this.leaderHeld = { revision: cur ? await this.kv.update('leader', value, cur.revision) : await this.kv.create('leader', value), validUntil: sentAt + this.ttl };
      }
    } catch {
      // Lost the compare-and-set (another leader) or NATS is away: not the leader until the next win.
      this.leaderHeld = null;
    }
    if (was !== this.isLeader()) for (const f of this.onLeaderChange) f(this.isLeader());
  }

  /** SIGTERM: hand every partition to the other members, then leave. */
  async leaveCluster(timeoutMs = 20_000): Promise<void> {
    this.draining = true;
    await this.heartbeat();
    if (this.leaderHeld) {
      await this.kv.update('leader', ({ owner: null, expiresAt: 0, releasedAt: this.now() } satisfies LeaseValue), this.leaderHeld.revision).catch(() => undefined);
      this.leaderHeld = null;
      for (const f of this.onLeaderChange) f(false);
    }
    const until = this.now() + timeoutMs;
    while (this.held.size > 0 && this.now() < until) {
      await (this.rebalancing ?? this.tick());
      await this.changed(50);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.planTimer) clearInterval(this.planTimer);
    await this.rebalancing;
    this.watchStop?.();
    await this.kv.delete(memberKey(this.nodeId)).catch(() => undefined);
    this.wake();
  }

  /** The cluster as this node sees it: members, owner and epoch of every partition. */
  clusterStatus() {
    const now = this.now();
    const nodes = [...this.members.values()].map((m) => ({ ...m, live: isLive(m, now, this.ttl) }));
    const partitions = [...Array(this.partitions).keys()].map((p) => {
      const l = this.leases.get(p);
      return { partition: p, owner: validOwner(l, now), epoch: l ? epochOf(l) : null };
    });
    return { partitions: this.partitions, leaseTtlMs: this.ttl, leader: validOwner(this.leader ?? undefined, now), nodes, partitionOwners: partitions };
  }

  /** This node's own report. */
  nodeStatus() {
    return {
      nodeId: this.nodeId, draining: this.draining, leader: this.isLeader(),
      partitions: [...this.held.entries()].map(([p, h]) => ({ partition: p, epoch: h.epoch, state: h.state })).sort((a, b) => a.partition - b.partition),
      actors: this.o.devices.ids(),
    };
  }
}
