import type { InteractionView } from '../../core/events';
import { interactionsRepo, type OutboxClaim, type OutboxRow } from '../../persistence';
import { backoffMs, sleep, type Backoff } from '../../core/backoff';
import { isTransient } from '../../core/errors';
import { randomBytes } from 'node:crypto';
import type { RuntimeDeps } from '../deps';
import { interactionView } from '../meter/views';
import { runOutboxStep, type EffectTargets, type OutboxSinks, type OutboxStepEnv } from '../meter/cascade/outbox';

export type { EffectTargets } from '../meter/cascade/outbox';

/** Completions lost to a database outage are retried in memory: the step already ran and must not run again. */
const COMPLETE_RETRY: Backoff = { initialMs: 100, maxMs: 5_000 };

/**
 * Runs the cascade's durable steps 5–8 from outbox rows (what each step does: actors/meter/cascade/outbox.ts),
 * without blocking the meter actor. Each step
 * completes its own row (exactly once: `completeOutbox` is fenced on PENDING); a failed step stays
 * PENDING with a backoff and is picked up again by the sweep; rows are never run twice at once here.
 * Rows found by a sweep or a rehydrating actor are claimed first (one UPDATE … RETURNING), so a row that
 * has just completed is never run again (issue 11, defect 10).
 */
export class EffectsRunner {
  private running = new Set<number>();
  private stopped = false;
  private readonly claim: OutboxClaim;
  private readonly stepEnv: OutboxStepEnv;
  /** Rows written for this runner are claimed by it at once (see OutcomeCommit.claim). */
  get outboxClaim(): OutboxClaim {
    return this.claim;
  }

  constructor(
    private readonly deps: RuntimeDeps,
    targets: EffectTargets,
    private readonly sinks: OutboxSinks,
  ) {
    this.stepEnv = { publisher: deps, sinks, targets };
    this.claim = { claimer: `${deps.config.nodeId}:${randomBytes(4).toString('hex')}`, leaseMs: deps.config.interactions.outboxLeaseMs };
  }

  /** Steps in the seed's order: 5–7 fired without waiting, the event (8) last. */
  run(rows: OutboxRow[], view?: InteractionView): void {
    const fresh = rows.filter((r) => !this.running.has(r.id));
    if (!fresh.length) return;
    for (const r of fresh) this.running.add(r.id);
    this.runAll(fresh, view).catch((e: unknown) => {
      for (const r of fresh) this.running.delete(r.id);
      this.deps.logger.error({ err: (e as Error).message }, 'cascade: steps failed unexpectedly; the sweep will retry them');
    });
  }

  /** A meter actor rehydrated: the PENDING rows it found (a crash may have left them) are claimed, then run. */
  async resume(rows: OutboxRow[]): Promise<void> {
    if (!rows.length) return;
    this.runGrouped(await interactionsRepo.claimOutboxRows(this.deps.db.sql, rows.map((r) => r.id), this.claim));
  }

  stop(): void {
    this.stopped = true;
  }

  get sinkFlags() {
    return { chat: Boolean(this.sinks.chat), analytics: Boolean(this.sinks.readReports) };
  }

  inFlight(): number {
    return this.running.size;
  }

  private async runAll(rows: OutboxRow[], known?: InteractionView) {
    let view = known;
    try {
      if (!view) {
        const found = await interactionsRepo.getWithGridId(this.deps.db.sql, rows[0]!.interactionId);
        if (!found) return;
        view = interactionView(found.interaction, found.gridId);
      }
    } catch (e) {
      for (const r of rows) this.running.delete(r.id);
      this.deps.logger.warn({ err: (e as Error).message }, 'cascade: cannot load interaction; will retry');
      return;
    }
    const ordered = [...rows].sort((a, b) => (a.step === 'emitEvent' ? 1 : 0) - (b.step === 'emitEvent' ? 1 : 0));
    await Promise.all(ordered.map((r) => this.runOne(r, view)));
  }

  private async runOne(row: OutboxRow, view: InteractionView) {
    const started = performance.now();
    try {
      if ((await runOutboxStep(row, view, this.stepEnv)) === 'done') await this.complete(row);
      this.deps.metrics.cascadeStepSeconds.observe({ step: row.step }, (performance.now() - started) / 1000);
    } catch (e) {
      const delay = backoffMs(row.attempts + 1, { initialMs: 1_000, maxMs: 60_000 });
      this.deps.logger.warn({ step: row.step, interactionId: row.interactionId, err: (e as Error).message, attempt: row.attempts + 1 }, 'cascade step failed; will retry');
      // If this write fails too (database down), the row keeps its claim and the sweep takes it when the claim expires.
      await interactionsRepo.retryOutboxLater(this.deps.db.sql, row.id, (e as Error).message, delay).catch(() => undefined);
      this.running.delete(row.id);
    }
  }

  /** Completion by the runner itself, or by the actor that performed the step (batch, commissioning). */
  async complete(row: { id: number }): Promise<void> {
    // Completions of the same moment go to the database as one statement. A step completed twice is
    // harmless (fenced on PENDING); a completion lost to a crash only re-runs an idempotent step.
    this.toComplete.push(row.id);
    if (!this.flushing) this.flushing = new Promise<void>((resolve, reject) => setImmediate(() => {
      this.flush().then(resolve, reject);
    }));
    await this.flushing;
  }

  private toComplete: number[] = [];
  private flushing: Promise<void> | null = null;

  /**
   * The step has run: its completion is retried through a database outage (issue 11, defect 1) while the row
   * stays in `running`, so neither this runner nor its sweep runs the step a second time.
   */
  private async flush(): Promise<void> {
    const ids = this.toComplete;
    this.toComplete = [];
    this.flushing = null;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await interactionsRepo.completeOutboxMany(this.deps.db.sql, ids);
          return;
        } catch (e) {
          if (this.stopped || !isTransient(e)) throw e;
          if (attempt === 1) this.deps.logger.warn({ rows: ids.length, err: (e as Error).message }, 'cascade: cannot record completed steps; retrying');
          await sleep(backoffMs(attempt, COMPLETE_RETRY));
        }
      }
    } finally {
      for (const id of ids) this.running.delete(id);
    }
  }

  /** Claims and runs rows that are due (after a crash, a failed step, or a restart); in a cluster only the partitions owned here. */
  async sweep(opts: { limit?: number; partitions?: { count: number; owned: number[] } } = {}): Promise<number> {
    if (opts.partitions && !opts.partitions.owned.length) return 0;
    const due = await interactionsRepo.claimDueOutbox(this.deps.db.sql, { ...this.claim, limit: opts.limit ?? 500, partitions: opts.partitions });
    this.runGrouped(due);
    return due.length;
  }

  private runGrouped(rows: OutboxRow[]) {
    const byInteraction = new Map<string, OutboxRow[]>();
    for (const r of rows) byInteraction.set(r.interactionId, [...(byInteraction.get(r.interactionId) ?? []), r]);
    for (const group of byInteraction.values()) this.run(group);
  }
}
