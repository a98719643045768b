import { isNoResponders, subjectMatches, type Bus, type BusMsg, type BusSubscription, type Endpoint } from '../../adapters/bus';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { detach } from '../../core/detached';
import type { Logger } from '../../core/logger';
import type { Metrics } from '../../core/metrics';
import { fail } from '../../core/reply';
import type { Subjects } from '../../core/subjects';
import type { ClusterMember } from './member';
import { NATS_AUTH_HEADER } from '../auth';

const HOPS = 'Gridtwin-Hops';
const MAX_HOPS = 3;

/** A request that reached this node through another one. */
type Forwarded = BusMsg & { hops?: number };

/** What the NATS service needs from the cluster (see gateway/nats/service.ts). */
export interface ClusterRouting {
  /** Runs `local` on the node owning `deviceId`: here, here after a hand-off settles, or on the owner (forwarded). */
  route(deviceId: string, m: BusMsg, local: () => Promise<void>): Promise<void>;
  /** Serves requests forwarded to this node with the same endpoints (callable once per service). */
  serveForwarded(endpoints: Endpoint[]): void;
  /** Registry changes: every node hears them, only owners act. */
  worldChanged(meterIds: string[]): void;
}

export interface RouterOptions {
  bus: Bus;
  member: ClusterMember;
  subjects: Subjects;
  logger: Logger;
  metrics: Metrics;
  /** Longest a request waits for its partition to have a serving owner (hand-off, failover). */
  settleTimeoutMs: number;
  /** Timeout of a forwarded request (the owner's own ask timeout plus a margin). */
  forwardTimeoutMs: number;
  onWorldChanged: (meterIds: string[]) => void;
}

/**
 * Partition routing by forwarding: every node takes device requests from the shared queue group; the
 * owner serves them, other nodes forward them to `<prefix>.cluster.node.<owner>.fwd.<subject>`. Requests
 * for a partition in hand-off or without a live owner wait (buffered, in arrival order per partition)
 * until ownership settles; they are not dropped.
 */
export class PartitionRouter implements ClusterRouting {
  private subs: BusSubscription[] = [];
  private active = 0;
  private forwardedEndpoints: Endpoint[] = [];

  constructor(private readonly o: RouterOptions) {
    this.subs.push(o.bus.subscribe(o.subjects.clusterWorldChanged(), (m) => {
      const ids = m.json<string[]>().filter((id) => o.member.ownsLocally(o.member.partitionOf(id)));
      if (ids.length) o.onWorldChanged(ids);
    }));
  }

  async route(deviceId: string, m: Forwarded, local: () => Promise<void>): Promise<void> {
    const { member } = this.o;
    const p = member.partitionOf(deviceId);
    const until = Date.now() + this.o.settleTimeoutMs;
    this.active++;
    try {
      for (;;) {
        if (member.ownsLocally(p)) {
          member.enter(p);
          try {
            return await local();
          } finally {
            member.leave(p);
          }
        }
        const owner = member.inHandoff(p) ? null : member.ownerOf(p);
        if (owner && (m.hops ?? 0) < MAX_HOPS && (await this.forward(owner, m))) return;
        if (Date.now() >= until) {
          m.respond(fail(new GridtwinError(ErrorCode.UNAVAILABLE, `partition ${p} has no serving owner yet; retry`, { details: { partition: p } })));
          return;
        }
        await member.changed(Math.min(200, until - Date.now()));
      }
    } finally {
      this.active--;
    }
  }

  /** True when the owner answered (its answer is relayed); false when it is gone (no responders). */
  private async forward(owner: string, m: Forwarded): Promise<boolean> {
    const { subjects, bus } = this.o;
    const headers: Record<string, string> = { [HOPS]: String((m.hops ?? 0) + 1) };
    // The caller's token goes along: the owner authorizes the request again (NATS auth mode `token`).
    const authorization = m.header?.(NATS_AUTH_HEADER);
    if (authorization) headers[NATS_AUTH_HEADER] = authorization;
    try {
      const r = await bus.request<unknown>(subjects.clusterForward(owner, subjects.all.ids(m.subject).rest), m.data, {
        timeoutMs: this.o.forwardTimeoutMs, headers,
      });
      this.o.metrics.forwarded.inc();
      m.respond(r);
      return true;
    } catch (e) {
      if (isNoResponders(e)) return false;
      m.respond(fail(new GridtwinError(ErrorCode.TIMEOUT, `the owning node ${owner} did not answer in ${this.o.forwardTimeoutMs} ms`, { cause: e })));
      return true;
    }
  }

  /** Endpoints of every service on this node (runtime, plants) answer forwarded requests; one subscription. */
  serveForwarded(more: Endpoint[]): void {
    this.forwardedEndpoints.push(...more);
    if (this.forwardedEndpoints.length > more.length) return;
    const endpoints = this.forwardedEndpoints;
    const { subjects, member, bus } = this.o;
    this.subs.push(bus.subscribe(subjects.clusterForward(member.nodeId, '>'), (raw) => {
      const fwd = subjects.clusterForward.parse(raw.subject);
      const subject = fwd.ok ? subjects.all(fwd.ids.subject) : raw.subject;
      const e = endpoints.find((x) => subjectMatches(x.subject, subject));
      // a message may be a class instance (its fields are getters): copied field by field, never spread
      const msg: Forwarded = {
        subject, reply: raw.reply, data: raw.data, hops: Number(raw.header?.(HOPS) ?? '1'),
        json: <T>() => raw.json<T>(),
        header: (name: string) => raw.header?.(name),
        respond: (payload: unknown) => raw.respond(payload),
      };
      if (!e) {
        msg.respond(fail(new GridtwinError(ErrorCode.NOT_FOUND, `no endpoint for ${subject}`)));
        return;
      }
      detach(e.handler(msg), `forwarded ${subject}`);
    }));
  }

  worldChanged(meterIds: string[]): void {
    if (meterIds.length) this.o.bus.publish(this.o.subjects.clusterWorldChanged(), meterIds);
  }

  /** Requests being routed right now (a leaving node waits for them). */
  busy(): number {
    return this.active;
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }
}
