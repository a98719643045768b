import { z } from 'zod';
import { DAY_MS } from '../../../core/time';

/**
 * Meter twin settings, per organization (organizations.settings.twin), all on by default except suspension
 * recovery: by default SUSPENDED interactions resume when the world lets them, as in the origin (seed 000).
 * One schema for what an organization may store and what docs/asyncapi.yaml shows as `TwinSettings` (issue 11, defect 6).
 */
export const TwinSettingsSchema = z.object({
  shadow: z.boolean(),
  coalescing: z.boolean(),
  readAfterFail: z.boolean(),
  reconcile: z.boolean(),
  suspensionRecovery: z.boolean(),
  /** Default TTL of read interactions; 0 = none. At most 30 days. */
  readTtlMs: z.number().int().min(0).max(2_592_000_000),
  reconcileMaxAttempts: z.number().int().min(0).max(100),
  /** At most one day. */
  reconcileBackoffMs: z.number().int().min(0).max(DAY_MS),
}).partial().strict();

/** `organizations.settings`: only the twin is defined; anything else is refused, not stored and ignored. */
export const OrganizationSettingsSchema = z.object({ twin: TwinSettingsSchema.optional() }).strict();

export type TwinSettings = Required<z.infer<typeof TwinSettingsSchema>>;

export const TWIN_DEFAULTS: TwinSettings = Object.freeze({
  shadow: true, coalescing: true, readAfterFail: true, reconcile: true, suspensionRecovery: false,
  readTtlMs: 0, reconcileMaxAttempts: 3, reconcileBackoffMs: 30_000,
});

/** Settings objects are shared by the meters of an organization and never changed (rehydrate.ts): each is read once. */
const read = new WeakMap<object, TwinSettings>();

/** Stored settings with the defaults filled in; a stored value the schema refuses (written before it existed) falls back to its default. */
export function twinSettings(orgSettings: Record<string, unknown> | undefined): TwinSettings {
  if (!orgSettings) return TWIN_DEFAULTS;
  let known = read.get(orgSettings);
  if (!known) read.set(orgSettings, (known = Object.freeze(readTwinSettings(orgSettings))));
  return known;
}

function readTwinSettings(orgSettings: Record<string, unknown>): TwinSettings {
  const t = (orgSettings?.twin ?? {}) as Record<string, unknown>;
  const out: TwinSettings = { ...TWIN_DEFAULTS };
  for (const [k, field] of Object.entries(TwinSettingsSchema.shape)) {
    const r = field.safeParse(t[k]);
    if (r.success && r.data !== undefined) (out as Record<string, unknown>)[k] = r.data;
  }
  return out;
}
