import { isModelName, isThreePhase } from '../hardware';
import { syncClockDiff } from './clockDiff';
import { syncCsq } from './csq';
import { syncEventLog } from './eventLog';
import { syncFirmwareVersion } from './firmware';
import { syncHardware } from './hardware';
import { syncPrepayBalance } from './prepayBalance';
import { syncReads, syncThreePhaseReads } from './reads';
import { syncSerial, syncThreePhaseSerial } from './serial';
import { syncTariffsActive } from './tariffsActive';
import { syncTariffsFuture } from './tariffsFuture';
import type { ShadowPatch, SyncClient, SyncContext, Syncer } from './types';
import { syncThreePhaseVoltage, syncVoltage } from './voltage';

export type MeterKind = 'singlePhase' | 'threePhase';

/** One syncer per meter kind; `null` where the origin skips it ("properties don't exist so emop calls fail"). */
export type SyncerByKind = Readonly<Record<MeterKind, Syncer | null>>;
const same = (s: Syncer) => ({ singlePhase: s, threePhase: s }) as const;

/**
 * Every syncer, by the name `meter_metrics.name` uses (the seed's class names, plus the origin's
 * SyncerSerial), with what it does on each kind of meter (cepro/simt-emlite simt_emlite/sync/*.py):
 * three-phase meters are read with the three-phase objects and skip prepay, tariffs and the event log.
 */
export const SYNCERS = {
  SyncerReads: { singlePhase: syncReads, threePhase: syncThreePhaseReads },
  SyncerPrepayBalance: { singlePhase: syncPrepayBalance, threePhase: null },
  SyncerCSQ: same(syncCsq),
  SyncerTariffsActive: { singlePhase: syncTariffsActive, threePhase: null },
  SyncerTariffsFuture: { singlePhase: syncTariffsFuture, threePhase: null },
  SyncerEventLog: { singlePhase: syncEventLog, threePhase: null },
  SyncerHardware: same(syncHardware),
  SyncerFirmwareVersion: same(syncFirmwareVersion),
  SyncerClockDiff: same(syncClockDiff),
  SyncerVoltage: { singlePhase: syncVoltage, threePhase: syncThreePhaseVoltage },
  SyncerSerial: { singlePhase: syncSerial, threePhase: syncThreePhaseSerial },
} as const satisfies Record<string, SyncerByKind>;

export type SyncerName = keyof typeof SYNCERS;
export const SYNCER_NAMES = Object.keys(SYNCERS) as SyncerName[];
export const isSyncerName = (name: string): name is SyncerName => Object.hasOwn(SYNCERS, name);

/** The kind of meter a stored model name denotes (hardware.ts); the three-phase flag the sync plan needs. */
export const meterKindOf = (model: string | null | undefined): MeterKind => (isThreePhase(model) ? 'threePhase' : 'singlePhase');

/** The syncers that run on this kind of meter, in the given order; skipped ones are left out. */
export function syncerPlan(names: readonly SyncerName[], kind: MeterKind): Array<{ name: SyncerName; run: Syncer }> {
  return names.flatMap((name) => {
    const run = SYNCERS[name][kind];
    return run ? [{ name, run }] : [];
  });
}

/** Whether the plan for these syncers depends on the meter's kind (if not, its model is never read). */
export const dependsOnKind = (names: readonly SyncerName[]): boolean => names.some((n) => SYNCERS[n].singlePhase !== SYNCERS[n].threePhase);

/**
 * Runs the named syncers of the meter's kind one after another (a meter answers one exchange at a time) and
 * merges their patches. The kind comes from `ctx.hardware` when it is a model name, else from the meter
 * (cached by the client).
 * The first failure rejects: the actor marks the meter unhealthy and keeps nothing partial.
 */
export async function runSyncers(names: readonly SyncerName[], client: SyncClient, serial: string, now: Date, ctx: SyncContext = {}): Promise<ShadowPatch> {
  // A stored raw string ("6Cw", or "" for any three-phase meter) does not tell the kind: read the model instead.
  const stored = isModelName(ctx.hardware) ? ctx.hardware : null;
  const hardware = stored ?? (dependsOnKind(names) ? await client.hardware(serial) : null);
  const runCtx: SyncContext = { ...ctx, hardware };
  let patch: ShadowPatch = {};
  for (const { run } of syncerPlan(names, meterKindOf(hardware))) patch = { ...patch, ...(await run(client, serial, now, runCtx)) };
  return patch;
}

export type { ShadowPatch, SyncClient, SyncContext, Syncer };
