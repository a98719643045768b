import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../actors/meter/messages';
import type { InteractionView, MeterInteractionEvent } from '../../core/events';
import { startNode } from '../../gateway/node';
import { silentLogger } from '../../core/logger';
import { createMetrics } from '../../core/metrics';
import { createMeterDriverRouter } from '../../adapters/meters/router';
import { SimulatedTokenService } from '../../adapters/meters/simulated';
import { OrderWebhookNotifier } from '../../adapters/notify';
import { createWorld, eventually, type World } from '../helpers/world';

let w: World;
let meters: string[];
const events: MeterInteractionEvent[] = [];

beforeAll(async () => {
  w = await createWorld();
  meters = await w.seed({ meters: 3 });
  w.bus.subscribe(w.s.evtGridMeterInteraction('g1'), (m) => events.push(m.json<MeterInteractionEvent>()));
});
afterAll(async () => w?.stop());

const finalStatus = (id: string) => eventually(async () => {
  const i = await w.call<InteractionView>(w.s.interactionGet(id));
  return ['SUCCESSFUL', 'FAILED', 'ABORTED'].includes(i.status) ? i : undefined;
});
const allDone = (id: string) => eventually(async () => {
  const rows = await w.db.sql.all<{ step: string; status: string }>(`select step, status from cascade_outbox where interaction_id = ? order by id`, [id]);
  return rows.length && rows.every((r) => r.status === 'DONE') ? rows : undefined;
});

describe('faults lose nothing and double nothing', () => {
  it('a meter actor crash after step 4 re-runs steps 5–8 exactly once', async () => {
    const m = meters[0]!;
    w.fleet.addMeter(m, 'S1000', { kwhCredit: 1 });
    const runtime = w.node.runtime;
    const effects = runtime.effects as unknown as { run: (...a: unknown[]) => void };
    const original = effects.run.bind(runtime.effects);
    let crashes = 0;
    effects.run = (...a: unknown[]) => {
      if (crashes === 0) {
        crashes++;
        throw new Error('injected crash between the cascade transaction and steps 5–8');
      }
      return original(...a);
    };
    try {
      const top = await w.call<CreateResult>(w.s.meterCreateInteraction(m), { type: 'TOP_UP', params: { kwh: 2 }, orderId: 'o-crash' });
      expect((await finalStatus(top.id)).status).toBe('SUCCESSFUL');
      const steps = await allDone(top.id);
      expect(steps.map((s) => s.step)).toEqual(['notifyOrder', 'followUps', 'emitEvent']);
      expect(crashes).toBe(1);
      const follow = await eventually(async () => w.db.sql.all(`select id from meter_interactions where follow_up_of = ?`, [top.id]).then((r) => (r.length ? r : undefined)));
      await new Promise((r) => setTimeout(r, 300));
      expect(await w.db.sql.all(`select id from meter_interactions where follow_up_of = ?`, [top.id])).toHaveLength(follow.length);
      expect(follow).toHaveLength(1);
      expect(w.webhook.deliveryCount(`order:${top.id}:SUCCESSFUL`)).toBe(1);
      expect(events.filter((e) => e.interaction.id === top.id && e.interaction.status === 'SUCCESSFUL')).toHaveLength(1);
      expect(w.fleet.executedCount(m, 'TOP_UP')).toBe(1);
      await expect(w.node.metrics.actorCrashes.get()).resolves.toBeDefined();
    } finally {
      effects.run = original;
    }
  });

  it('a webhook that answers 500 twice is delivered once, and the step completes', async () => {
    w.webhook.respondNext(500, 500);
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(meters[1]!), { type: 'READ_CREDIT', orderId: 'o-500' });
    expect((await finalStatus(c.id)).status).toBe('SUCCESSFUL');
    await allDone(c.id);
    expect(w.webhook.deliveryCount(`order:${c.id}:SUCCESSFUL`)).toBe(1);
    expect(w.webhook.requests.filter((r) => r.idempotencyKey === `order:${c.id}:SUCCESSFUL`).length).toBe(3);
  });

  it('a node stopped after step 4 runs steps 5–8 on restart, once', async () => {
    const m = meters[2]!;
    const runtime = w.node.runtime;
    const effects = runtime.effects as unknown as { run: (...a: unknown[]) => void };
    const original = effects.run.bind(runtime.effects);
    effects.run = () => undefined; // the node "dies" before running the durable steps
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(m), { type: 'READ_VERSION', orderId: 'o-restart' });
    expect((await finalStatus(c.id)).status).toBe('SUCCESSFUL');
    const pending = await w.db.sql.all<{ status: string }>(`select status from cascade_outbox where interaction_id = ?`, [c.id]);
    expect(pending.map((p) => p.status)).toEqual(['PENDING', 'PENDING']);
    effects.run = original;
    // a second node on the same database sweeps the outbox at start
    const driver = createMeterDriverRouter({ byProtocol: { CALIN_V2: w.fleet }, tokenService: new SimulatedTokenService() });
    const node2 = await startNode({ ...w.config, nodeId: 'node-2' }, {
      db: w.db, bus: w.bus, driver, notifier: new OrderWebhookNotifier({ url: w.webhook.url }), logger: silentLogger, metrics: createMetrics(), gateway: false,
    });
    try {
      // node 1's claim on the rows expires (outboxLeaseMs), then node 2's sweep takes them
      await eventually(async () => (await node2.runtime.effects.sweep()) > 0, 15_000, 100);
      await allDone(c.id);
      expect(w.webhook.deliveryCount(`order:${c.id}:SUCCESSFUL`)).toBe(1);
      expect(events.filter((e) => e.interaction.id === c.id && e.interaction.status === 'SUCCESSFUL')).toHaveLength(1);
    } finally {
      await node2.stop();
    }
  });

  it('a database error mid-cascade loses nothing: the outcome is retried after the actor resets', async () => {
    const m = meters[1]!;
    await w.call(w.s.meterGet(m));
    // Someone else bumps the meter row: the actor's fenced write fails, it resets, reloads and retries.
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(m), { type: 'TURN_OFF' });
    await w.db.sql.run(`update meters set row_version = row_version + 5 where id = ?`, [m]);
    const done = await finalStatus(c.id);
    expect(done.failureReason).toBeNull();
    expect(done.status).toBe('SUCCESSFUL');
    await allDone(c.id);
    expect(w.fleet.executedCount(m, 'TURN_OFF')).toBe(1);
  });
});
