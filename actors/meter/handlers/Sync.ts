import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { MeterEnv, MeterState } from '../state';

export interface SyncResult {
  meterId: string;
  health: 'healthy' | 'unhealthy';
  healthDetails: string;
  syncers: string[];
  changed: string[];
}

type Loaded = MeterState & { ctx: NonNullable<MeterState['ctx']> };

/** Runs the meter's enabled Emlite syncers in this actor's turn and persists the shadow (seed 001). */
export async function syncMeter(state: Loaded, env: MeterEnv, _syncers?: string[], _sweepId?: string): Promise<{ state: MeterState; result: SyncResult }> {
  if (state.ctx.meter.protocol !== 'EMLITE' || !env.mediators) {
    throw new GridtwinError(ErrorCode.INVALID_STATE, `meter ${state.id} is not an Emlite meter served by a mediator`);
  }
  throw new GridtwinError(ErrorCode.UNAVAILABLE, 'Emlite sync is not wired yet');
}
