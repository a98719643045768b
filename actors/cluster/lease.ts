/** A partition lease as stored in the KV bucket (`lease.<partition>`); `owner: null` is a released lease. */
export interface LeaseValue {
  owner: string | null;
  /** Owner's clock, ms since epoch; the lease is void after this. Nodes must keep clocks within a fraction of the TTL. */
  expiresAt: number;
  /** KV revision of the write that acquired the lease (absent on that very write: then it is the entry's revision). */
  epoch?: number;
  /** Set on a graceful release: the node meant to take the partition next. */
  handoffTo?: string;
  releasedAt?: number;
}

/** What a node knows of one partition, from the KV watch. */
export interface LeaseView {
  partition: number;
  value: LeaseValue | null;
  revision: number;
}

export const epochOf = (l: LeaseView): number => l.value?.epoch ?? l.revision;

export function validOwner(l: LeaseView | undefined, now: number): string | null {
  if (!l?.value?.owner) return null;
  return l.value.expiresAt > now ? l.value.owner : null;
}

/** A member's heartbeat (`member.<nodeId>`). */
export interface MemberValue {
  nodeId: string;
  startedAt: number;
  seenAt: number;
  draining: boolean;
  owned: number;
  actors: number;
}

export const isLive = (m: MemberValue, now: number, ttlMs: number): boolean => now - m.seenAt < ttlMs;
