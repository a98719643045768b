import pLimit from 'p-limit';
import type { Bus } from '../../adapters/bus';
import { refuseMissingMeters, type Runtime } from '../../actors/system';
import { newId } from '../../core/ids';
import type { Reply } from '../../core/reply';
import type { Subjects } from '../../core/subjects';
import { batchesRepo, type Database } from '../../persistence';
import { natsHeadersOf, type Principal } from '../auth';

/**
 * A batch in a cluster: the batch row here, each meter's interaction created through its own subject,
 * so it lands on the node owning that meter (the single-node runtime asks its local actors instead).
 */
export async function createBatchOverBus(
  d: { bus: Bus; subjects: Subjects; runtime: Runtime; db: Database },
  req: { type: string; params: Record<string, unknown>; meterIds: string[]; organizationId?: string },
  /** The caller (NATS auth mode `token`): its own token goes with every meter's request; undefined in mode `trusted`. */
  caller?: Principal,
) {
  const headers = caller ? natsHeadersOf(caller) : undefined;
  await refuseMissingMeters(d, req.meterIds);
  const id = newId();
  await batchesRepo.create(d.db.sql, { id, organizationId: req.organizationId ?? null, type: req.type, total: req.meterIds.length });
  const limit = pLimit(64);
  const replies = await Promise.all(req.meterIds.map((m) => limit(() =>
    d.bus.request<Reply<Record<string, unknown>>>(d.subjects.meterCreateInteraction(m), { type: req.type, params: req.params, batchExecutionId: id }, { timeoutMs: 30_000, headers })
      .catch(() => null))));
  const interactions = replies.flatMap((r) => (r && 'data' in r ? [r.data] : []));
  d.runtime.batches.tell(id, { type: 'recount', interactionId: '', final: false });
  return { ...(await batchesRepo.get(d.db.sql, id))!, interactions };
}
