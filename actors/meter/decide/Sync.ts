import { SYNCER_NAMES, isSyncerName } from '../../../adapters/emlite';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { ShadowRow } from '../../../persistence';
import { planSyncCommit } from '../../sync/ShadowCommit';
import { decided, type Decision, type Effect } from '../effects';
import { meterStateEvent } from '../events';
import type { Loaded, SyncRequest } from '../state';
import type { SyncResult, SyncRun } from '../sync/types';

/**
 * An Emlite sync is asked for (seed 001). Refused at once when it cannot apply; otherwise queued: it
 * starts when nothing else is on the wire to this meter (see `next`), so a sync and a command never overlap.
 */
export function requestSync(state: Loaded, req: SyncRequest): Decision {
  if (req.syncers) {
    const unknown = req.syncers.filter((n) => !isSyncerName(n));
    if (unknown.length) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `unknown syncer(s): ${unknown.join(', ')}`, { details: { known: SYNCER_NAMES } });
  }
  if (state.ctx.meter.protocol !== 'EMLITE') {
    throw new GridtwinError(ErrorCode.INVALID_STATE, `meter ${state.id} is ${state.ctx.meter.protocol}, not an Emlite meter`);
  }
  const sync = state.sync ?? { running: null, waiting: [] };
  return decided({ ...state, sync: { ...sync, waiting: [...sync.waiting, req] } });
}

const emptyShadow = (meterId: string): ShadowRow => ({
  meterId, importA: null, importB: null, exportA: null, exportB: null, readsAt: null, balance: null, csq: null, networkOperator: null,
  tariffsActive: null, tariffsFuture: null, hardware: null, firmware: null, clockDiffSeconds: null, voltage: null, lastEventAt: null,
  health: 'unknown', healthDetails: '', updatedAt: new Date(0).toISOString(), syncedAt: null,
});

/**
 * A sync run came back: its writes are decided here and performed in this turn — the shadow, changed
 * register reads and intervals as one commit, or the meter marked unhealthy (a failure is the result, not
 * an error: the sweep goes on). The wire is free again. A run this actor no longer knows (it was reset
 * meanwhile) is answered as interrupted and writes nothing.
 */
export function syncFinished(state: Loaded, runId: string, req: SyncRequest, run: SyncRun): Decision {
  const current = state.sync?.running === runId;
  const s: Loaded = current ? { ...state, sync: state.sync!.waiting.length ? { running: null, waiting: state.sync!.waiting } : null } : state;
  if (!current) return decided(s, { kind: 'refuse', reply: req.reply as never, error: new GridtwinError(ErrorCode.UNAVAILABLE, `the sync of meter ${state.id} was interrupted by an actor reset; ask again`) });
  if (run.kind === 'refused') return decided(s, { kind: 'refuse', reply: req.reply as never, error: run.error });
  const base = { meterId: state.id, sweepId: req.sweepId, syncers: run.syncers };
  const answer = (r: SyncResult): Effect => ({ kind: 'reply', reply: req.reply as never, data: r });
  if (run.kind === 'skipped') return decided(s, answer({ ...base, health: 'skipped', healthDetails: run.details, changed: [] }));
  const at = new Date(run.at).toISOString();
  if (run.kind === 'failed') {
    const prev = run.prev;
    const changed = prev?.health === 'unhealthy' && prev.healthDetails === run.details ? [] : ['health'];
    const effects: Effect[] = [{ kind: 'markUnhealthy', details: run.details, at }];
    if (changed.length) {
      effects.push({ kind: 'publishMeterState', event: meterStateEvent(s, at, { ...(prev ?? emptyShadow(s.id)), health: 'unhealthy', healthDetails: run.details, csq: null, updatedAt: at }) });
    }
    return decided(s, ...effects, answer({ ...base, health: 'unhealthy', healthDetails: run.details, changed }));
  }
  const { commit, changed } = planSyncCommit(s.id, run.prev, run.registers, run.patch, new Date(run.at));
  const effects: Effect[] = [{ kind: 'commitSync', commit }];
  if (changed.length) {
    const emlite = { ...(run.prev ?? emptyShadow(s.id)), ...commit.shadow, health: 'healthy', healthDetails: '', updatedAt: commit.at, syncedAt: commit.at } as ShadowRow;
    effects.push({ kind: 'publishMeterState', event: meterStateEvent(s, commit.at, emlite) });
  }
  return decided(s, ...effects, answer({ ...base, health: 'healthy', healthDetails: '', changed }));
}
