import { describe, expect, it } from 'vitest';
import { OUTBOX_STEPS, runOutboxStep, type OutboxStepEnv } from '../../../actors/meter/cascade/outbox';
import { CASCADE_STEPS } from '../../../actors/meter/cascade/PlanEffects';
import type { InteractionView, MeterInteractionEvent } from '../../../core/events';
import { subjects } from '../../../core/subjects';
import type { OutboxRow } from '../../../persistence';

const view = (o: Partial<InteractionView> = {}): InteractionView => ({
  id: 'i1', meterId: 'm1', gridId: 'g1', type: 'TURN_OFF', status: 'SUCCESSFUL', params: {}, resultValue: { isOn: false }, failureReason: null,
  orderId: 'o1', batchExecutionIds: ['b1'], meterCommissioningId: null, idempotencyKey: null, createdAt: '2026-12-02T07:00:00.000Z', updatedAt: '2026-12-02T07:00:01.000Z', ...o,
});
const row = (step: string, payload: Record<string, unknown> = {}): OutboxRow => ({ id: 7, interactionId: 'i1', meterId: 'm1', step, payload, attempts: 0 });

/** Records every call a step makes on its sinks, targets and bus. */
function world(sinks: { order?: boolean; chat?: boolean; reports?: boolean } = {}) {
  const calls: Array<[string, unknown]> = [];
  const env: OutboxStepEnv = {
    publisher: { bus: { publish: (subject: string, payload: unknown) => calls.push([`publish ${subject}`, payload]) } as never, subjects: subjects('t'), now: () => Date.parse('2026-12-02T07:00:02Z') },
    sinks: {
      ...(sinks.order ? { order: { notify: async (e: unknown) => void calls.push(['order', e]) } as never } : {}),
      ...(sinks.chat ? { chat: { send: async (e: unknown) => void calls.push(['chat', e]) } as never } : {}),
      ...(sinks.reports ? { readReports: { post: async (e: unknown) => void calls.push(['report', e]) } as never } : {}),
    },
    targets: {
      recountBatch: (b, id) => void calls.push(['recount', [b, id]]),
      commissioning: (p, v, id) => void calls.push(['commissioning', [p, v.id, id]]),
      createFollowUp: async (m, t, origin) => void calls.push(['followUp', [m, t, origin]]),
    },
  };
  return { env, calls };
}

describe('outbox steps (cascade 5–8), one function per step', () => {
  it('covers every planned step', () => {
    expect(Object.keys(OUTBOX_STEPS).sort()).toEqual([...CASCADE_STEPS].sort());
  });

  it('notifyOrder tells the order webhook of a final outcome once, keyed by interaction and status', async () => {
    const w = world({ order: true });
    expect(await runOutboxStep(row('notifyOrder'), view(), w.env)).toBe('done');
    expect(w.calls).toEqual([['order', expect.objectContaining({ orderId: 'o1', interactionId: 'i1', status: 'SUCCESSFUL', idempotencyKey: 'order:i1:SUCCESSFUL' })]]);
    const quiet = world({ order: true });
    expect(await runOutboxStep(row('notifyOrder'), view({ status: 'ABORTED' }), quiet.env)).toBe('done');
    expect(quiet.calls).toEqual([]);
  });

  it('a sink this node does not have is skipped, and the row is still done', async () => {
    const w = world();
    for (const step of ['notifyOrder', 'notifyChat', 'analytics']) expect(await runOutboxStep(row(step), view(), w.env)).toBe('done');
    expect(w.calls).toEqual([]);
  });

  it('batch progress and commissioning are handed to their actors, which complete the row themselves', async () => {
    const w = world();
    expect(await runOutboxStep(row('batchProgress', { batchIds: ['b1', 'b2'] }), view(), w.env)).toBe('handedOver');
    expect(await runOutboxStep(row('commissioning', { mode: 'advance', commissioningId: 'c1' }), view(), w.env)).toBe('handedOver');
    expect(w.calls).toEqual([['recount', ['b1', 7]], ['recount', ['b2', 7]], ['commissioning', [{ mode: 'advance', commissioningId: 'c1' }, 'i1', 7]]]);
  });

  it('follow-ups are created in order; the event is published once on the grid subject with a stable id', async () => {
    const w = world();
    expect(await runOutboxStep(row('followUps', { types: ['READ_CREDIT', 'READ_POWER'] }), view(), w.env)).toBe('done');
    expect(await runOutboxStep(row('emitEvent'), view(), w.env)).toBe('done');
    expect(w.calls.slice(0, 2)).toEqual([['followUp', ['m1', 'READ_CREDIT', 'i1']], ['followUp', ['m1', 'READ_POWER', 'i1']]]);
    expect(w.calls).toHaveLength(3);
    const [subject, evt] = w.calls[2]! as [string, MeterInteractionEvent];
    expect(subject).toBe(`publish ${subjects('t').evtGridMeterInteraction('g1')}`);
    expect(evt).toMatchObject({ id: 'i1:SUCCESSFUL', event: 'meter-interaction', operation: 'UPDATE', gridId: 'g1', interaction: { id: 'i1' } });
  });

  it('a step this node does not know (written by a newer node) is done without acting', async () => {
    const w = world({ order: true, chat: true, reports: true });
    expect(await runOutboxStep(row('somethingNew'), view(), w.env)).toBe('done');
    expect(w.calls).toEqual([]);
  });
});
