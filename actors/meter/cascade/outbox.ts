import type { ChatNotifier, OrderNotifier, ReadReportSink } from '../../../adapters/notify/types';
import type { InteractionType } from '../../../core/domain';
import type { InteractionView } from '../../../core/events';
import type { OutboxRow } from '../../../persistence';
import type { RuntimeDeps } from '../../deps';
import { publishInteraction } from '../events';
import type { CascadeStep } from './PlanEffects';

/** The actors a step hands its row to (they complete it themselves, exactly once, in their own turn). */
export interface EffectTargets {
  recountBatch(batchId: string, outboxId: number): void;
  commissioning(payload: { mode: 'advance' | 'resume'; commissioningId: string }, interaction: InteractionView, outboxId: number): void;
  createFollowUp(meterId: string, type: InteractionType, originId: string): Promise<void>;
}

export interface OutboxSinks {
  order?: OrderNotifier;
  chat?: ChatNotifier;
  readReports?: ReadReportSink;
}

export interface OutboxStepEnv {
  publisher: Pick<RuntimeDeps, 'bus' | 'subjects' | 'now'>;
  sinks: OutboxSinks;
  targets: EffectTargets;
}

/** `done`: the runner completes the row. `handedOver`: the target actor completes it. */
export type StepOutcome = 'done' | 'handedOver';

/**
 * The cascade's durable steps 5–8 (planned by PlanEffects.ts, written with the outcome as outbox rows), one
 * function per step and one publisher per event: the runner (actors/effects/EffectsRunner.ts) claims, runs,
 * completes and retries; what a step does is here. Every external call carries an idempotency key made of
 * the interaction and its status, so a step re-run after a crash is deduplicated by its receiver.
 */
export const OUTBOX_STEPS: Record<CascadeStep, (row: OutboxRow, view: InteractionView, env: OutboxStepEnv) => Promise<StepOutcome>> = {
  async notifyOrder(_row, view, { sinks }) {
    if (sinks.order && view.orderId && (view.status === 'SUCCESSFUL' || view.status === 'FAILED')) {
      await sinks.order.notify({
        orderId: view.orderId, interactionId: view.id, meterId: view.meterId, type: view.type, status: view.status,
        resultValue: view.resultValue, failureReason: view.failureReason, occurredAt: view.updatedAt,
        idempotencyKey: `order:${view.id}:${view.status}`,
      });
    }
    return 'done';
  },
  async notifyChat(_row, view, { sinks }) {
    if (sinks.chat && view.orderId) {
      const why = view.failureReason ? ` — ${view.failureReason}` : '';
      await sinks.chat.send({ text: `Order ${view.orderId}: ${view.type} on meter ${view.meterId} ${view.status}${why}`, idempotencyKey: `chat:${view.id}:${view.status}` });
    }
    return 'done';
  },
  async analytics(_row, view, { sinks }) {
    if (sinks.readReports) {
      await sinks.readReports.post({ meterId: view.meterId, interactionId: view.id, result: view.resultValue, receivedAt: view.updatedAt, idempotencyKey: `report:${view.id}` });
    }
    return 'done';
  },
  async batchProgress(row, _view, { targets }) {
    for (const b of (row.payload.batchIds as string[]) ?? []) targets.recountBatch(b, row.id);
    return 'handedOver';
  },
  async commissioning(row, view, { targets }) {
    targets.commissioning(row.payload as { mode: 'advance' | 'resume'; commissioningId: string }, view, row.id);
    return 'handedOver';
  },
  async followUps(row, view, { targets }) {
    for (const t of (row.payload.types as InteractionType[]) ?? []) await targets.createFollowUp(view.meterId, t, view.id);
    return 'done';
  },
  async emitEvent(_row, view, { publisher }) {
    publishInteraction(publisher, view);
    return 'done';
  },
};

/** Runs one outbox row's step; a step this node does not know (a row written by a newer node) is completed as done. */
export function runOutboxStep(row: OutboxRow, view: InteractionView, env: OutboxStepEnv): Promise<StepOutcome> {
  const run = Object.hasOwn(OUTBOX_STEPS, row.step) ? OUTBOX_STEPS[row.step as CascadeStep] : undefined;
  return run ? run(row, view, env) : Promise.resolve('done');
}
