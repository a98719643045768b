import { syncClockDiff } from './clockDiff';
import { syncCsq } from './csq';
import { syncEventLog } from './eventLog';
import { syncFirmwareVersion } from './firmware';
import { syncHardware } from './hardware';
import { syncPrepayBalance } from './prepayBalance';
import { syncReads } from './reads';
import { syncTariffsActive } from './tariffsActive';
import { syncTariffsFuture } from './tariffsFuture';
import type { ShadowPatch, SyncClient, SyncContext, Syncer } from './types';
import { syncVoltage } from './voltage';

/** Every syncer, by the name `meter_metrics.name` uses (the seed's class names). */
export const SYNCERS = {
  SyncerReads: syncReads,
  SyncerPrepayBalance: syncPrepayBalance,
  SyncerCSQ: syncCsq,
  SyncerTariffsActive: syncTariffsActive,
  SyncerTariffsFuture: syncTariffsFuture,
  SyncerEventLog: syncEventLog,
  SyncerHardware: syncHardware,
  SyncerFirmwareVersion: syncFirmwareVersion,
  SyncerClockDiff: syncClockDiff,
  SyncerVoltage: syncVoltage,
} as const satisfies Record<string, Syncer>;

export type SyncerName = keyof typeof SYNCERS;
export const SYNCER_NAMES = Object.keys(SYNCERS) as SyncerName[];
export const isSyncerName = (name: string): name is SyncerName => Object.hasOwn(SYNCERS, name);

/**
 * Runs the named syncers one after another (a meter answers one exchange at a time) and merges their
 * patches. The first failure rejects: the actor marks the meter unhealthy and keeps nothing partial.
 */
export async function runSyncers(names: readonly SyncerName[], client: SyncClient, serial: string, now: Date, ctx?: SyncContext): Promise<ShadowPatch> {
  let patch: ShadowPatch = {};
  for (const name of names) patch = { ...patch, ...(await SYNCERS[name](client, serial, now, ctx)) };
  return patch;
}

export type { ShadowPatch, SyncClient, SyncContext, Syncer };
