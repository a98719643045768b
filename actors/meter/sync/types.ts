import type { ShadowPatch } from '../../../adapters/emlite';
import type { GridtwinError } from '../../../core/errors';
import type { Element, ShadowRow } from '../../../persistence';

export interface SyncResult {
  meterId: string;
  /** `skipped`: the meter is not active (passive, virtual, or deactivated since the sweep began). */
  health: 'healthy' | 'unhealthy' | 'skipped';
  healthDetails: string;
  syncers: string[];
  changed: string[];
  sweepId?: string;
}

/** What a detached sync run found; it comes back to the actor as `syncFinished` and is committed there. */
export type SyncRun =
  | { kind: 'refused'; error: GridtwinError }
  | { kind: 'skipped'; syncers: string[]; details: string }
  | { kind: 'failed'; syncers: string[]; details: string; prev: ShadowRow | null; at: number }
  | { kind: 'read'; syncers: string[]; patch: ShadowPatch; prev: ShadowRow | null; registers: Partial<Record<Element, string>>; at: number };
