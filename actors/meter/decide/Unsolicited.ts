import type { UnsolicitedReport } from '../../../adapters/meters/types';
import type { InteractionRow } from '../../../persistence';
import { decided, type DecideEnv, type Decision } from '../effects';
import type { Loaded } from '../state';
import { finish } from './Finish';

/** The uplink's deduplication id is its idempotency key, so a redelivered uplink is recorded once. */
export const uplinkKey = (meterId: string, r: UnsolicitedReport) => `uplink:${meterId}:${r.type}:${r.receivedAt}`;

/**
 * A report the meter sent on its own (READ_REPORT, JOIN_NETWORK) is recorded as a SUCCESSFUL interaction
 * and runs the same cascade (meter fields, issue auto-close, LoRaWAN device info, event). `seen` says the
 * key is already stored. Like the origin (blastoff with skipWebsocketEmission), no grid event is emitted
 * unless the sender asks for one; the meter state event is still published.
 */
export function unsolicited(state: Loaded, env: DecideEnv, report: UnsolicitedReport, seen: boolean): Decision {
  if (seen) return decided(state);
  const key = uplinkKey(state.id, report);
  const at = new Date(env.now).toISOString();
  const row: InteractionRow = {
    id: env.newId(), meterId: state.id, type: report.type, status: 'PROCESSING', params: {}, targetValue: null, resultValue: null,
    failureReason: null, orderId: null, batchExecutionId: null, batchExecutionIds: [], meterCommissioningId: null, idempotencyKey: key,
    requestHash: key, skipWebsocketEmission: report.skipWebsocketEmission ?? true, followUpOf: null, seq: 0, expiresAt: null, deadlineAt: null, createdAt: at, updatedAt: at,
  };
  const d = finish({ ...state, queue: [...state.queue, row] }, env, row, { status: 'SUCCESSFUL', result: report.result, deviceInfo: report.deviceInfo });
  return { state: d.state, effects: [{ kind: 'insert', row }, ...d.effects] };
}
