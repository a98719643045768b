import type { UnsolicitedReport } from '../../../adapters/meters/types';
import { newId } from '../../../core/ids';
import { interactionsRepo } from '../../../persistence';
import type { MeterEnv, MeterState } from '../state';
import { finish } from './Finish';

type Loaded = MeterState & { ctx: NonNullable<MeterState['ctx']> };

/**
 * A report the meter sent on its own (READ_REPORT, JOIN_NETWORK) is recorded as a SUCCESSFUL interaction
 * and runs the same cascade (meter fields, issue auto-close, LoRaWAN device info, event).
 * The uplink's deduplication id is its idempotency key, so a redelivered uplink is recorded once.
 * Like the origin (blastoff with skipWebsocketEmission), no grid event is emitted unless the sender asks
 * for one; the meter state event is still published by the cascade.
 */
export async function unsolicited(state: Loaded, env: MeterEnv, report: UnsolicitedReport): Promise<MeterState> {
  const key = `uplink:${state.id}:${report.type}:${report.receivedAt}`;
  if (await interactionsRepo.byIdempotencyKey(env.db.sql, key)) return state;
  const row = await interactionsRepo.insert(env.db.sql, {
    id: newId(), meterId: state.id, type: report.type, status: 'PROCESSING', params: {}, idempotencyKey: key, requestHash: key,
    skipWebsocketEmission: report.skipWebsocketEmission ?? true,
  });
  const withRow = { ...state, queue: [...state.queue, row] };
  return finish(withRow, env, row, { status: 'SUCCESSFUL', result: report.result, deviceInfo: report.deviceInfo });
}
