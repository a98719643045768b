import { detach } from '../core/detached';
import type { Sql } from './db';
import { interactionsRepo, type NewInteraction, type OutcomeCommit, type OutcomeWritten } from './repositories/interactions';
import type { InteractionRow } from './rows';

/**
 * Coalesces many small writes issued in the same event-loop turn (by many actors) into one statement:
 * on this machine a round trip to PostgreSQL costs more than the work it carries (writev dominates the
 * CPU profile of bench:interactions). Each caller still gets its own answer.
 */
export class StatementBatcher<In, Out> {
  private pending: Array<{ input: In; resolve: (o: Out) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  /** `single` (optional) runs one input alone: used when a batch fails, so each caller gets its own error. */
  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly maxBatch = 500,
    private readonly single?: (input: In) => Promise<Out>,
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => detach(this.flush(), 'statement batch'));
      }
    });
  }

  private async flush() {
    this.scheduled = false;
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const out = await this.run(batch.map((b) => b.input));
        batch.forEach((b, i) => b.resolve(out[i]!));
      } catch (e) {
        if (this.single && batch.length > 1) {
          for (const b of batch) await this.single(b.input).then(b.resolve, b.reject);
        } else batch.forEach((b) => b.reject(e));
      }
    }
  }
}

/** QUEUED → PROCESSING for many interactions in one statement; returns, per input, whether it moved. */
export function processingBatcher(sql: () => Sql) {
  return new StatementBatcher<{ id: string; deadlineAt: string }, boolean>(async (inputs) => {
    const moved = await sql().all<{ id: string }>(
      `update meter_interactions m set status = 'PROCESSING', processing_at = now(), updated_at = now(), row_version = m.row_version + 1,
              deadline_at = x.deadline_at
         from jsonb_to_recordset(?::jsonb) as x(id text, deadline_at timestamptz)
        where m.id = x.id and m.status = 'QUEUED' returning m.id`,
      [JSON.stringify(inputs.map((i) => ({ id: i.id, deadline_at: i.deadlineAt })))],
    );
    const ok = new Set(moved.map((r) => r.id));
    return inputs.map((i) => ok.has(i.id));
  });
}

/** Interaction inserts of one turn in one statement; a failing batch is retried row by row. */
export function insertBatcher(sql: () => Sql) {
  return new StatementBatcher<NewInteraction, InteractionRow | null>(
    (inputs) => interactionsRepo.insertMany(sql(), inputs),
    500,
    (input) => interactionsRepo.insert(sql(), input),
  );
}

/**
 * Group commit of final outcomes: the cascade commits (steps 1–4 + outbox rows) of all meters finishing in
 * the same turn of the event loop — and those arriving while the previous group is written — go to
 * PostgreSQL as one statement (one WAL flush). Each row keeps its own fences; a statement that fails as a
 * whole (the cluster fence trigger, a deadlock) is retried row by row, so one row's failure is its own.
 */
export function outcomeBatcher(sql: () => Sql) {
  return new StatementBatcher<OutcomeCommit, OutcomeWritten>(
    (inputs) => interactionsRepo.commitOutcomes(sql(), inputs),
    500,
    (input) => interactionsRepo.commitOutcome(sql(), input).then((r): OutcomeWritten => r, (e: unknown) => {
      if ((e as { code?: string }).code === 'CONFLICT') return { conflict: (e as Error).message };
      throw e;
    }),
  );
}

/** Tables whose ids actors are started for (the one whitelist for `existenceBatcher`). */
const ACTOR_TABLES = { meter: 'meters', batch: 'batch_executions', commissioning: 'meter_commissionings' } as const;

/**
 * Whether ids exist, many callers' questions of one turn in one statement: asked before an actor is
 * started, so a flood of unknown ids costs a few queries and no actors (issue 11, defect 2).
 */
export function existenceBatcher(sql: () => Sql, kind: keyof typeof ACTOR_TABLES) {
  return new StatementBatcher<string, boolean>(async (ids) => {
    const found = await sql().all<{ id: string }>(`select id from ${ACTOR_TABLES[kind]} where id in (select jsonb_array_elements_text(?::jsonb))`, [JSON.stringify(ids)]);
    const set = new Set(found.map((r) => r.id));
    return ids.map((id) => set.has(id));
  }, 1_000);
}

/** Of these meter ids, the ones with no meter row, in the order given. */
export async function missingMeterIds(sql: Sql, ids: string[]): Promise<string[]> {
  const found = new Set((await sql.all<{ id: string }>(`select id from meters where id in (select jsonb_array_elements_text(?::jsonb))`, [JSON.stringify(ids)])).map((r) => r.id));
  return ids.filter((id) => !found.has(id));
}
