import { interactionsRepo, registryRepo, rehydrateBatcher, type Database, type GroupCommitOptions, type InteractionRow, type MeterContext } from '../../persistence';
import type { CreateFacts } from './decide/Create';
import type { MessageFacts } from './decide';
import type { LoadFacts } from './decide/Load';
import { uplinkKey } from './decide/Unsolicited';
import type { MeterMsg } from './messages';
import type { Loaded } from './state';

/** Read batchers of one runtime: rehydrates of many meters in one group are one statement. */
export function meterReads(db: Database, opts: Partial<GroupCommitOptions>) {
  return { rehydrate: rehydrateBatcher(() => db.sql, opts) };
}
export type MeterReads = ReturnType<typeof meterReads>;

/**
 * The reads a decision needs and the actor does not hold (the plant poll's `facts.ts`, for the meter).
 * Only reads: every write is an effect of a decision, performed by `perform`.
 */
export const meterFacts = {
  /** One statement, shared with the other meters rehydrating in the same group (persistence/repositories/rehydrate.ts). */
  async load(reads: MeterReads, meterId: string): Promise<LoadFacts> {
    return (await reads.rehydrate.submit(meterId)) ?? { ctx: undefined, open: [], pendingOutbox: [] };
  },
  async create(db: Database, meterId: string, idempotencyKey: string | undefined): Promise<CreateFacts> {
    return idempotencyKey ? { existing: await interactionsRepo.byIdempotencyKey(db.sql, meterId, idempotencyKey) } : {};
  },
  /** The stored row of an interaction that is not open here (only to tell NOT_FOUND from a finished one). */
  async storedUnlessOpen(db: Database, queue: InteractionRow[], interactionId: string): Promise<InteractionRow | undefined> {
    return queue.some((q) => q.id === interactionId) ? undefined : interactionsRepo.get(db.sql, interactionId);
  },
  async world(db: Database, meterId: string): Promise<MeterContext | undefined> {
    return registryRepo.loadMeterContext(db.sql, meterId);
  },
  async seen(db: Database, meterId: string, idempotencyKey: string): Promise<boolean> {
    return (await interactionsRepo.byIdempotencyKey(db.sql, meterId, idempotencyKey)) !== undefined;
  },
  /** What the decision of `msg` needs to know from the database (nothing, for most messages). */
  async of(db: Database, s: Loaded, msg: MeterMsg): Promise<MessageFacts> {
    switch (msg.type) {
      case 'create': return { create: await meterFacts.create(db, s.id, msg.req.idempotencyKey) };
      case 'abort': return { stored: await meterFacts.storedUnlessOpen(db, s.queue, msg.interactionId) };
      case 'worldChanged': return { world: await meterFacts.world(db, s.id) };
      case 'unsolicited': return { seen: await meterFacts.seen(db, s.id, uplinkKey(s.id, msg.report)) };
      default: return {};
    }
  },
};
