import type { InteractionRow, MeterContext } from '../../persistence';
import type { ReplyFn } from '../host';
import type { SyncResult } from './sync/types';

/** A sync request waiting for the wire (a command or another sync of this meter is on it). */
export interface SyncRequest {
  syncers?: string[];
  sweepId?: string;
  reply?: ReplyFn<SyncResult>;
}

/** Before the first message (or after a crash reset): nothing but the id; the next message rehydrates. */
export interface Unloaded {
  phase: 'unloaded';
  id: string;
}

export interface Loaded {
  phase: 'loaded';
  id: string;
  ctx: MeterContext;
  /** Open interactions in arrival order, including the one in flight. */
  queue: InteractionRow[];
  inFlight: string | null;
  /** Reconciliation bookkeeping (meter twin): attempts and the earliest next attempt per attribute. */
  reconcile: Record<string, { attempts: number; nextAt: number }>;
  /** Emlite sync: the run on the wire (its id) and the requests queued behind it or behind a command. */
  sync: { running: string | null; waiting: SyncRequest[] } | null;
}

export type MeterState = Unloaded | Loaded;

export const initialMeterState = (id: string): MeterState => ({ phase: 'unloaded', id });

/** Nothing is on the wire to this meter: no command, no sync. */
export const wireFree = (s: Loaded) => s.inFlight === null && !s.sync?.running;
