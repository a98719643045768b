import { detach } from '../core/detached';
import { ErrorCode, GridtwinError } from '../core/errors';
import type { Sql } from './db';
import { interactionsRepo, type NewInteraction, type OutcomeCommit, type OutcomeWritten } from './repositories/interactions';
import { rehydrateRepo, type MeterRehydrate } from './repositories/rehydrate';
import type { InteractionRow } from './rows';

/** How long a group of statements of one kind may wait for company, and how large it may grow. */
export interface GroupCommitOptions {
  /** The longest a row waits for its statement once a statement of its kind is already in flight (0: the next turn). */
  windowMs: number;
  /** A group reaching this many rows goes at once. */
  maxRows: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { windowMs: 2, maxRows: 500 };

/**
 * Group commit: many small statements of one kind, issued by many actors, go to PostgreSQL as one
 * statement (one round trip, one WAL flush); each caller still gets its own answer. When no statement of
 * this kind is in flight, a group closes at the end of the event-loop turn (no wait when the system is
 * quiet). While one is in flight, rows gather until it returns, `windowMs` has passed since the first of
 * them, or `maxRows` are waiting, whichever comes first: under load the groups grow instead of queueing
 * round trips behind one another.
 */
export class StatementBatcher<In, Out> {
  private pending: Array<{ input: In; resolve: (o: Out) => void; reject: (e: unknown) => void }> = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly opts: GroupCommitOptions;

  /** `single` (optional) runs one input alone: used when a batch fails, so each caller gets its own error. */
  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    opts: Partial<GroupCommitOptions> = {},
    private readonly single?: (input: In) => Promise<Out>,
  ) {
    this.opts = { ...DEFAULT_GROUP_COMMIT, ...opts };
    const { windowMs, maxRows } = this.opts;
    if (!(Number.isFinite(windowMs) && windowMs >= 0)) throw new GridtwinError(ErrorCode.INTERNAL, `group commit windowMs must be >= 0, got ${windowMs}`);
    if (!(Number.isInteger(maxRows) && maxRows > 0)) throw new GridtwinError(ErrorCode.INTERNAL, `group commit maxRows must be a positive integer, got ${maxRows}`);
  }

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length >= this.opts.maxRows) this.close();
      else if (this.pending.length === 1) this.open();
    });
  }

  /** A group begins: it closes this turn when the line is free, else when the window ends (or the statement in flight returns). */
  private open() {
    if (this.inFlight === 0 || this.opts.windowMs === 0) this.immediate = setImmediate(() => this.close());
    else this.timer = setTimeout(() => this.close(), this.opts.windowMs);
  }

  private close() {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    while (this.pending.length) detach(this.write(this.pending.splice(0, this.opts.maxRows)), 'statement batch');
  }

  private async write(batch: typeof this.pending) {
    this.inFlight++;
    try {
      const out = await this.run(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(out[i]!));
    } catch (e) {
      if (this.single && batch.length > 1) {
        for (const b of batch) await this.single(b.input).then(b.resolve, b.reject);
      } else batch.forEach((b) => b.reject(e));
    } finally {
      this.inFlight--;
      // The line is free: what gathered meanwhile goes now rather than at the end of its window.
      if (this.pending.length && this.timer) this.close();
    }
  }
}

/** QUEUED → PROCESSING for many interactions in one statement; returns, per input, whether it moved. */
export function processingBatcher(sql: () => Sql, opts?: Partial<GroupCommitOptions>) {
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
  }, opts);
}

/** Interaction inserts of one turn in one statement; a failing batch is retried row by row. */
export function insertBatcher(sql: () => Sql, opts?: Partial<GroupCommitOptions>) {
  return new StatementBatcher<NewInteraction, InteractionRow | null>(
    (inputs) => interactionsRepo.insertMany(sql(), inputs),
    opts,
    (input) => interactionsRepo.insert(sql(), input),
  );
}

/**
 * Group commit of final outcomes: the cascade commits (steps 1–4 + outbox rows) of all meters finishing in
 * the same turn of the event loop — and those arriving while the previous group is written — go to
 * PostgreSQL as one statement (one WAL flush). Each row keeps its own fences; a statement that fails as a
 * whole (the cluster fence trigger, a deadlock) is retried row by row, so one row's failure is its own.
 */
export function outcomeBatcher(sql: () => Sql, opts?: Partial<GroupCommitOptions>) {
  return new StatementBatcher<OutcomeCommit, OutcomeWritten>(
    (inputs) => interactionsRepo.commitOutcomes(sql(), inputs),
    opts,
    (input) => interactionsRepo.commitOutcome(sql(), input).then((r): OutcomeWritten => r, (e: unknown) => {
      if ((e as { code?: string }).code === 'CONFLICT') return { conflict: (e as Error).message };
      throw e;
    }),
  );
}

/**
 * Rehydrates of many cold meters arriving together are one statement (rehydrate.ts); at 100,000 cold meters
 * every interaction starts with one.
 */
export function rehydrateBatcher(sql: () => Sql, opts?: Partial<GroupCommitOptions>) {
  return new StatementBatcher<string, MeterRehydrate | undefined>((ids) => rehydrateRepo.many(sql(), ids), opts);
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
  }, { windowMs: 0, maxRows: 1_000 });
}

/** Of these meter ids, the ones with no meter row, in the order given. */
export async function missingMeterIds(sql: Sql, ids: string[]): Promise<string[]> {
  const found = new Set((await sql.all<{ id: string }>(`select id from meters where id in (select jsonb_array_elements_text(?::jsonb))`, [JSON.stringify(ids)])).map((r) => r.id));
  return ids.filter((id) => !found.has(id));
}
