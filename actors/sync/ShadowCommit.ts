import { deriveHalfHourlyIntervals, mergeImportExport, type ShadowPatch } from '../../adapters/emlite';
import type { Element, IntervalWrite, RegisterReadRow, ShadowField, ShadowRow, ShadowValues, SyncCommit } from '../../persistence';

/** The four registers a read fills, each with its element and direction. */
const REGISTERS = [
  { field: 'importA', element: 'A', direction: 'import' },
  { field: 'exportA', element: 'A', direction: 'export' },
  { field: 'importB', element: 'B', direction: 'import' },
  { field: 'exportB', element: 'B', direction: 'export' },
] as const satisfies ReadonlyArray<{ field: ShadowField; element: Element; direction: 'import' | 'export' }>;

/** Shadow fields a patch may set directly (the event log is stored as rows plus `lastEventAt`). */
const PATCH_FIELDS = [
  'importA', 'importB', 'exportA', 'exportB', 'balance', 'csq', 'networkOperator', 'tariffsActive', 'tariffsFuture',
  'hardware', 'firmware', 'clockDiffSeconds', 'voltage', 'voltageL1', 'voltageL2', 'voltageL3', 'serialReported',
] as const satisfies ReadonlyArray<ShadowField & keyof ShadowPatch>;

export interface PlannedSync {
  commit: SyncCommit;
  /** Shadow fields whose value changed (plus `health` when the meter was not healthy before). */
  changed: string[];
}

/**
 * Decides what one successful sync writes, from the previous shadow and what the syncers read:
 * - the shadow values (and `readsAt` when registers were read);
 * - one history row per register whose value changed, none for an unchanged one;
 * - half-hour intervals between the previous reads and these (reversals/resets flagged, never negative);
 * - events newer than the last stored one.
 * Pure: the handler performs the writes.
 */
export function planSyncCommit(meterId: string, prev: ShadowRow | null, registers: Partial<Record<Element, string>>, patch: ShadowPatch, at: Date): PlannedSync {
  const atIso = at.toISOString();
  const shadow: ShadowValues = {};
  for (const f of PATCH_FIELDS) if (patch[f] !== undefined) shadow[f] = patch[f];
  const readRegisters = REGISTERS.filter((r) => patch[r.field] !== undefined);
  if (readRegisters.length) shadow.readsAt = atIso;

  const imports: RegisterReadRow[] = [];
  const exports: RegisterReadRow[] = [];
  for (const r of readRegisters) {
    const value = patch[r.field]!;
    if (prev?.[r.field] === value) continue;
    (r.direction === 'import' ? imports : exports).push({ element: r.element, read: value, timestamp: atIso });
  }

  const events = (patch.eventLog ?? []).map((e) => ({ timestamp: e.timestamp.toISOString(), eventId: e.eventId, eventSet: e.eventSet }));
  const newest = events.reduce<string | null>((m, e) => (m === null || e.timestamp > m ? e.timestamp : m), prev?.lastEventAt ?? null);
  if (events.length && newest !== prev?.lastEventAt) shadow.lastEventAt = newest;

  const changed: string[] = (Object.keys(shadow) as ShadowField[]).filter((f) => f !== 'readsAt' && canonical(shadow[f]) !== canonical(prev?.[f] ?? null));
  if (prev?.health !== 'healthy') changed.push('health');

  return {
    commit: { meterId, at: atIso, shadow, registers, imports, exports, intervals: intervalsBetween(prev, patch, at), events },
    changed,
  };
}

/** Interval rows per element from the previous reads (at `prev.readsAt`) to these (at `at`). */
export function intervalsBetween(prev: ShadowRow | null, patch: ShadowPatch, at: Date): IntervalWrite[] {
  if (!prev?.readsAt) return [];
  const from = new Date(prev.readsAt);
  if (at.getTime() <= from.getTime()) return [];
  const pair = (field: ShadowField & keyof ShadowPatch) => {
    const before = prev[field] as number | null;
    const after = patch[field] as number | undefined;
    if (before == null || after === undefined) return [];
    return deriveHalfHourlyIntervals([{ timestamp: from, valueWh: before }, { timestamp: at, valueWh: after }]);
  };
  const out: IntervalWrite[] = [];
  for (const element of ['A', 'B'] as const) {
    const merged = mergeImportExport(pair(`import${element}`), pair(`export${element}`));
    for (const m of merged) out.push({ element, start: m.start.toISOString(), importWh: m.importWh, exportWh: m.exportWh, flags: m.flags });
  }
  return out;
}

/** JSON with sorted keys: jsonb reorders keys, so a plain stringify would see changes that are not there. */
function canonical(v: unknown): string {
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}
