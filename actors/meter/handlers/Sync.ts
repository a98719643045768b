import { SYNCER_NAMES, isSyncerName, runSyncers, type SyncerName } from '../../../adapters/emlite';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../../core/errors';
import type { MeterStateEvent } from '../../../core/events';
import { emliteRepo, type ShadowRow } from '../../../persistence';
import { planSyncCommit } from '../../sync/ShadowCommit';
import type { MeterMsg } from '../messages';
import type { MeterEnv, MeterState } from '../state';
import { shadowOf } from '../views';

export interface SyncResult {
  meterId: string;
  /** `skipped`: the meter is not active (passive, virtual, or deactivated since the sweep began). */
  health: 'healthy' | 'unhealthy' | 'skipped';
  healthDetails: string;
  syncers: string[];
  changed: string[];
  sweepId?: string;
}

type Loaded = MeterState & { ctx: NonNullable<MeterState['ctx']> };
type SyncMsg = Extract<MeterMsg, { type: 'sync' }>;

/** How soon a sync that found a command in flight asks again. */
export const SYNC_DEFER_MS = 50;

/** Longest health entry kept; mediator errors are one line, this only guards against a runaway text. */
const MAX_HEALTH_DETAILS = 500;

/**
 * Runs the meter's Emlite syncers in this actor's turn (so a sync never overlaps a command on the same
 * meter), then writes shadow, changed register reads and intervals in one transaction. A failure marks
 * the meter unhealthy and is the result, not an error: the sweep goes on.
 */
export async function syncMeter(state: Loaded, env: MeterEnv, requested?: string[], sweepId?: string): Promise<{ state: MeterState; result: SyncResult }> {
  const names = await chooseSyncers(env, requested);
  // Mode and mediator are read fresh: a meter deactivated after the sweep listed it is skipped.
  const target = await emliteRepo.syncTarget(env.db.sql, state.id);
  if (!target) throw new GridtwinError(ErrorCode.NOT_FOUND, `meter ${state.id} not found`);
  if (target.protocol !== 'EMLITE') throw new GridtwinError(ErrorCode.INVALID_STATE, `meter ${state.id} is ${target.protocol}, not an Emlite meter`);
  const base = { meterId: state.id, syncers: names, sweepId };
  if (target.mode !== 'active') return { state, result: { ...base, health: 'skipped', healthDetails: `meter is ${target.mode}`, changed: [] } };
  if (!names.length) return { state, result: { ...base, health: 'skipped', healthDetails: 'no syncer enabled', changed: [] } };
  if (!env.mediators) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'this node has no Emlite mediators configured');

  const prev = target.shadow;
  let patch;
  try {
    if (!target.mediatorAddress) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `meter ${state.id} has no mediator address`);
    const client = env.mediators.client(target.mediatorAddress);
    patch = await runSyncers(names, client, target.serial, new Date(env.now()), { lastEventAt: prev?.lastEventAt ? new Date(prev.lastEventAt) : null });
  } catch (e) {
    const details = healthDetailsOf(e);
    const at = new Date(env.now()).toISOString();
    await emliteRepo.markUnhealthy(env.db.sql, state.id, details, at);
    const changed = prev?.health === 'unhealthy' && prev.healthDetails === details ? [] : ['health'];
    if (changed.length) publishShadow(state, env, { ...(prev ?? emptyShadow(state.id)), health: 'unhealthy', healthDetails: details, csq: null, updatedAt: at }, at);
    return { state, result: { ...base, health: 'unhealthy', healthDetails: details, changed } };
  }

  const at = new Date(env.now());
  const { commit, changed } = planSyncCommit(state.id, prev, target.registers, patch, at);
  await emliteRepo.commitSync(env.db.sql, commit); // one statement: shadow, history and intervals commit together
  if (changed.length) {
    const next = { ...(prev ?? emptyShadow(state.id)), ...commit.shadow, health: 'healthy', healthDetails: '', updatedAt: commit.at, syncedAt: commit.at } as ShadowRow;
    publishShadow(state, env, next, commit.at);
  }
  return { state, result: { ...base, health: 'healthy', healthDetails: '', changed } };
}

/** Re-delivers the sync to this actor shortly: the command in flight finishes first (its reply is in the mailbox). */
export function deferSync(env: MeterEnv, msg: SyncMsg): void {
  setTimeout(() => env.self(msg), SYNC_DEFER_MS);
}

/** The message's syncers (validated, in registry order), or every enabled one in `meter_metrics`. */
async function chooseSyncers(env: MeterEnv, requested?: string[]): Promise<SyncerName[]> {
  if (requested) {
    const unknown = requested.filter((n) => !isSyncerName(n));
    if (unknown.length) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `unknown syncer(s): ${unknown.join(', ')}`, { details: { known: SYNCER_NAMES } });
    return SYNCER_NAMES.filter((n) => requested.includes(n));
  }
  const enabled = await emliteRepo.enabledSyncers(env.db.sql);
  return SYNCER_NAMES.filter((n) => enabled.includes(n));
}

/** `CODE: message`, one line; mediator errors never carry credentials (tokens are not sent by syncers). */
export function healthDetailsOf(e: unknown): string {
  const err = toGridtwinError(e);
  return `${err.code}: ${err.message}`.replace(/\s+/g, ' ').slice(0, MAX_HEALTH_DETAILS);
}

const emptyShadow = (meterId: string): ShadowRow => ({
  meterId, importA: null, importB: null, exportA: null, exportB: null, readsAt: null, balance: null, csq: null, networkOperator: null,
  tariffsActive: null, tariffsFuture: null, hardware: null, firmware: null, clockDiffSeconds: null, voltage: null, lastEventAt: null,
  health: 'unknown', healthDetails: '', updatedAt: new Date(0).toISOString(), syncedAt: null,
});

/** `evt.meter.<id>.state` with the Emlite shadow under `shadow.reported.emlite`; the id is unique per sync. */
function publishShadow(state: Loaded, env: MeterEnv, emlite: ShadowRow, at: string): void {
  const { desired: _d, shadowMetadata: _s, ...meter } = state.ctx.meter;
  const shadow = shadowOf(state.ctx.meter, state.queue.find((q) => q.id === state.inFlight));
  const evt: MeterStateEvent = {
    id: `${state.id}:sync:${Date.parse(at)}`,
    at,
    meterId: state.id,
    gridId: state.ctx.meter.gridId,
    meter: meter as unknown as Record<string, unknown>,
    shadow: { ...shadow, reported: { ...shadow.reported, emlite } },
  };
  env.bus.publish(env.subjects.evtMeterState(state.id), evt);
}
