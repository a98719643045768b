import { SYNCER_NAMES, runSyncers, type MediatorPool } from '../../../adapters/emlite';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../../core/errors';
import { emliteRepo, type Database } from '../../../persistence';
import type { SyncRequest } from '../state';
import type { SyncRun } from './types';

/** Longest health entry kept; mediator errors are one line, this only guards against a runaway text. */
const MAX_HEALTH_DETAILS = 500;

/** `CODE: message`, one line; mediator errors never carry credentials (tokens are not sent by syncers). */
export function healthDetailsOf(e: unknown): string {
  const err = toGridtwinError(e);
  return `${err.code}: ${err.message}`.replace(/\s+/g, ' ').slice(0, MAX_HEALTH_DETAILS);
}

export interface SyncEnv {
  db: Database;
  mediators?: MediatorPool;
  now: () => number;
}

/**
 * One Emlite sync, outside the meter actor's turn (the actor keeps answering; nothing else goes on the
 * wire to this meter meanwhile): the syncers to run, the meter's mode and mediator read fresh (a meter
 * deactivated after a sweep listed it is skipped), then the gRPC calls. Writes nothing: the result goes
 * back to the actor, which commits it in its turn. Never rejects.
 */
export async function runSync(env: SyncEnv, meterId: string, req: SyncRequest): Promise<SyncRun> {
  try {
    const names = req.syncers ? SYNCER_NAMES.filter((n) => req.syncers!.includes(n)) : await enabled(env);
    const target = await emliteRepo.syncTarget(env.db.sql, meterId);
    if (!target) return { kind: 'refused', error: new GridtwinError(ErrorCode.NOT_FOUND, `meter ${meterId} not found`) };
    if (target.mode !== 'active') return { kind: 'skipped', syncers: names, details: `meter is ${target.mode}` };
    if (!names.length) return { kind: 'skipped', syncers: names, details: 'no syncer enabled' };
    if (!env.mediators) return { kind: 'refused', error: new GridtwinError(ErrorCode.UNAVAILABLE, 'this node has no Emlite mediators configured') };
    const prev = target.shadow;
    try {
      if (!target.mediatorAddress) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `meter ${meterId} has no mediator address`);
      const client = env.mediators.client(target.mediatorAddress);
      const patch = await runSyncers(names, client, target.serial, new Date(env.now()), {
        lastEventAt: prev?.lastEventAt ? new Date(prev.lastEventAt) : null,
        // The stored model tells the meter's kind: a sync does not read the hardware object again (runSyncers checks it is a model name).
        hardware: prev?.hardware,
      });
      return { kind: 'read', syncers: names, patch, prev, registers: target.registers, at: env.now() };
    } catch (e) {
      return { kind: 'failed', syncers: names, details: healthDetailsOf(e), prev, at: env.now() };
    }
  } catch (e) {
    // The database failed before the meter was reached: the caller hears it, nothing was written.
    return { kind: 'refused', error: toGridtwinError(e) };
  }
}

async function enabled(env: SyncEnv) {
  const on = await emliteRepo.enabledSyncers(env.db.sql);
  return SYNCER_NAMES.filter((n) => on.includes(n));
}
