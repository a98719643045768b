import type { ChatNotifier, OrderNotifier, ReadReportSink } from '../../adapters/notify/types';
import type { InteractionType } from '../../core/domain';
import type { InteractionView } from '../../core/events';
import { publishInteraction } from '../meter/events';
import { interactionsRepo, type OutboxRow } from '../../persistence';
import type { RuntimeDeps } from '../deps';
import { interactionView } from '../meter/views';
import type { CascadeStep } from '../meter/cascade/PlanEffects';

export interface EffectTargets {
  recountBatch(batchId: string, outboxId: number): void;
  commissioning(payload: { mode: 'advance' | 'resume'; commissioningId: string }, interaction: InteractionView, outboxId: number): void;
  createFollowUp(meterId: string, type: InteractionType, originId: string): Promise<void>;
}

/**
 * Runs the cascade's durable steps 5–8 from outbox rows, without blocking the meter actor. Each step
 * completes its own row (exactly once: `completeOutbox` is fenced on PENDING); a failed step stays
 * PENDING with a backoff and is picked up again by the sweep; rows are never run twice at once here.
 */
export class EffectsRunner {
  private running = new Set<number>();

  constructor(
    private readonly deps: RuntimeDeps,
    private readonly targets: EffectTargets,
    private readonly sinks: { order?: OrderNotifier; chat?: ChatNotifier; readReports?: ReadReportSink },
  ) {}

  /** Steps in the seed's order: 5–7 fired without waiting, the event (8) last. */
  run(rows: OutboxRow[], view?: InteractionView): void {
    const fresh = rows.filter((r) => !this.running.has(r.id));
    if (!fresh.length) return;
    for (const r of fresh) this.running.add(r.id);
    void this.runAll(fresh, view);
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
        const i = await interactionsRepo.get(this.deps.db.sql, rows[0]!.interactionId);
        if (!i) return;
        const g = await this.deps.db.sql.one<{ grid_id: string | null }>(`select grid_id from meters where id = ?`, [i.meterId]);
        view = interactionView(i, g?.grid_id ?? null);
      }
    } catch (e) {
      for (const r of rows) this.running.delete(r.id);
      this.deps.logger.warn({ err: (e as Error).message }, 'cascade: cannot load interaction; will retry');
      return;
    }
    const ordered = [...rows].sort((a, b) => (a.step === 'emitEvent' ? 1 : 0) - (b.step === 'emitEvent' ? 1 : 0));
    for (const r of ordered) void this.runOne(r, view);
  }

  private async runOne(row: OutboxRow, view: InteractionView) {
    const started = performance.now();
    const step = row.step as CascadeStep;
    try {
      switch (step) {
        case 'notifyOrder':
          if (this.sinks.order && view.orderId && (view.status === 'SUCCESSFUL' || view.status === 'FAILED')) {
            await this.sinks.order.notify({
              orderId: view.orderId, interactionId: view.id, meterId: view.meterId, type: view.type, status: view.status,
              resultValue: view.resultValue, failureReason: view.failureReason, occurredAt: view.updatedAt,
              idempotencyKey: `order:${view.id}:${view.status}`,
            });
          }
          await this.complete(row);
          break;
        case 'notifyChat':
          if (this.sinks.chat && view.orderId) {
            const why = view.failureReason ? ` — ${view.failureReason}` : '';
            await this.sinks.chat.send({ text: `Order ${view.orderId}: ${view.type} on meter ${view.meterId} ${view.status}${why}`, idempotencyKey: `chat:${view.id}:${view.status}` });
          }
          await this.complete(row);
          break;
        case 'analytics':
          if (this.sinks.readReports) {
            await this.sinks.readReports.post({ meterId: view.meterId, interactionId: view.id, result: view.resultValue, receivedAt: view.updatedAt, idempotencyKey: `report:${view.id}` });
          }
          await this.complete(row);
          break;
        case 'batchProgress':
          for (const b of (row.payload.batchIds as string[]) ?? []) this.targets.recountBatch(b, row.id);
          break;
        case 'commissioning':
          this.targets.commissioning(row.payload as { mode: 'advance' | 'resume'; commissioningId: string }, view, row.id);
          break;
        case 'followUps':
          for (const t of (row.payload.types as InteractionType[]) ?? []) await this.targets.createFollowUp(view.meterId, t, view.id);
          await this.complete(row);
          break;
        case 'emitEvent':
          publishInteraction(this.deps, view);
          await this.complete(row);
          break;
        default:
          await this.complete(row);
      }
      this.deps.metrics.cascadeStepSeconds.observe({ step }, (performance.now() - started) / 1000);
    } catch (e) {
      this.running.delete(row.id);
      const delay = Math.min(60_000, 1000 * 2 ** Math.min(row.attempts, 6));
      this.deps.logger.warn({ step, interactionId: row.interactionId, err: (e as Error).message, attempt: row.attempts + 1 }, 'cascade step failed; will retry');
      await interactionsRepo.retryOutboxLater(this.deps.db.sql, row.id, (e as Error).message, delay).catch(() => undefined);
    }
  }

  /** Completion by the runner itself, or by the actor that performed the step (batch, commissioning). */
  async complete(row: { id: number }): Promise<void> {
    // Completions of the same moment go to the database as one statement. A step completed twice is
    // harmless (fenced on PENDING); a completion lost to a crash only re-runs an idempotent step.
    this.toComplete.push(row.id);
    if (!this.flushing) this.flushing = new Promise<void>((resolve) => setImmediate(() => void this.flush().finally(resolve)));
    const wait = this.flushing;
    await wait;
  }

  private toComplete: number[] = [];
  private flushing: Promise<void> | null = null;

  private async flush(): Promise<void> {
    const ids = this.toComplete;
    this.toComplete = [];
    this.flushing = null;
    try {
      await interactionsRepo.completeOutboxMany(this.deps.db.sql, ids);
    } finally {
      for (const id of ids) this.running.delete(id);
    }
  }

  /** Picks up rows that are due (after a crash, a failed step, or a restart). */
  async sweep(limit = 500): Promise<number> {
    const due = await interactionsRepo.dueOutbox(this.deps.db.sql, limit);
    const byInteraction = new Map<string, OutboxRow[]>();
    for (const r of due) byInteraction.set(r.interactionId, [...(byInteraction.get(r.interactionId) ?? []), r]);
    for (const rows of byInteraction.values()) this.run(rows);
    return due.length;
  }
}
