/**
 * Meter twin settings, per organization (organizations.settings.twin), all on by default except suspension
 * recovery: by default SUSPENDED interactions resume when the world lets them, as in the origin (seed 000).
 */
export interface TwinSettings {
  shadow: boolean;
  coalescing: boolean;
  readAfterFail: boolean;
  reconcile: boolean;
  suspensionRecovery: boolean;
  /** Default TTL of read interactions; 0 = none. */
  readTtlMs: number;
  reconcileMaxAttempts: number;
  reconcileBackoffMs: number;
}

export const TWIN_DEFAULTS: TwinSettings = {
  shadow: true, coalescing: true, readAfterFail: true, reconcile: true, suspensionRecovery: false,
  readTtlMs: 0, reconcileMaxAttempts: 3, reconcileBackoffMs: 30_000,
};

export function twinSettings(orgSettings: Record<string, unknown> | undefined): TwinSettings {
  const t = (orgSettings?.twin ?? {}) as Partial<TwinSettings>;
  return { ...TWIN_DEFAULTS, ...t };
}
