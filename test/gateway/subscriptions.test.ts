import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus } from '../../adapters/bus';
import { newId } from '../../core/ids';
import { silentLogger } from '../../core/logger';
import { createMetrics } from '../../core/metrics';
import { subjects } from '../../core/subjects';
import { startGateway } from '../../gateway/server';
import { NATS_URL } from '../helpers/nats';
import { Client, FakeRuntime, startWorld, testConfig, token, until, type TestWorld } from './helpers';

let w: TestWorld;
let tk: string;
beforeAll(async () => {
  w = await startWorld({}, { subscribeBurst: 10_000, subscribePerSec: 10_000 });
  tk = await token();
});
afterAll(() => w.close());

describe('lazy bus subscriptions', () => {
  it('three clients on one topic share one bus subscription; it closes when the last leaves', async () => {
    const base = w.bus.subscriptionCount(); // the fake runtime's endpoints
    const clients = await Promise.all([1, 2, 3].map(() => Client.connect(w.wsUrl, { token: tk })));
    expect(w.bus.subscriptionCount()).toBe(base);
    for (const c of clients) expect((await c.subscribe('grid/g1')).type).toBe('snapshot');
    expect(w.bus.subscriptionCount()).toBe(base + 1);
    expect((await clients[0]!.subscribe('plant/p1')).type).toBe('snapshot');
    expect(w.bus.subscriptionCount()).toBe(base + 3); // plant: status + alert feeds

    clients[0]!.send({ op: 'unsubscribe', topic: 'grid/g1', id: 'u1' });
    expect(await clients[0]!.next((m) => m.type === 'unsubscribed')).toEqual({ type: 'unsubscribed', topic: 'grid/g1', id: 'u1' });
    expect(w.bus.subscriptionCount()).toBe(base + 3);
    clients[1]!.close();
    clients[2]!.close();
    await until(() => w.bus.subscriptionCount() === base + 2, 2000, 'grid sub closed');
    clients[0]!.close();
    await until(() => w.bus.subscriptionCount() === base, 2000, 'all closed');
    expect(w.gateway.clientCount()).toBe(0);
    const text = await w.metrics.registry.getSingleMetricAsString('gridtwin_ws_nats_subscriptions');
    expect(text).toMatch(/gridtwin_ws_nats_subscriptions 0$/m);
  });

  it('1,000 connect/subscribe/disconnect cycles leave no bus subscription and no client', async () => {
    const base = w.bus.subscriptionCount();
    let snapshots = 0;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const c = await Client.connect(w.wsUrl, { token: tk });
        const topic = ['grid/g1', 'meter/m1', 'plant/p1', `meter/m${(i % 3) + 1}`][i % 4]!;
        if (i % 5 !== 0) {
          if ((await c.subscribe(topic)).type === 'snapshot') snapshots++;
        } else c.send({ op: 'subscribe', topic }); // leaves with its snapshot still in flight
        if (i % 7 === 0) c.ws.terminate();
        else c.close();
        await c.closed;
      }));
    }
    expect(snapshots).toBe(800);
    await until(() => w.gateway.clientCount() === 0, 5000, 'clients gone');
    await until(() => w.bus.subscriptionCount() === base, 5000, 'subs released');
    expect(w.bus.subscriptionCount()).toBe(base);
  });
});

describe('against real NATS', () => {
  it('streams NATS events to a client and releases the NATS subscription', async () => {
    const prefix = `gwn${newId().slice(0, 8)}`;
    const bus = await NatsBus.connect({ servers: NATS_URL });
    const runtime = await new FakeRuntime(bus, prefix).seed().start();
    const gw = await startGateway({ config: testConfig(prefix), bus, metrics: createMetrics(), logger: silentLogger });
    try {
      const base = bus.subscriptionCount();
      const c = await Client.connect(`ws://127.0.0.1:${gw.port}/ws`, { token: tk });
      const snap = await c.subscribe('meter/m1');
      expect(snap.data.meter.id).toBe('m1');
      expect(bus.subscriptionCount()).toBe(base + 1);
      await bus.flush();
      const ev = c.next((m) => m.type === 'event' && m.topic === 'meter/m1');
      bus.publish(subjects(prefix).evtMeterState('m1'), runtime.meterEvent('m1'));
      expect(await ev).toMatchObject({ seq: snap.seq + 1, data: { meterId: 'm1' } });
      c.close();
      await until(() => bus.subscriptionCount() === base, 3000, 'NATS sub released');
    } finally {
      await gw.close();
      await runtime.stop();
      await bus.close();
    }
  });
});
