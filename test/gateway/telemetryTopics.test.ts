import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgToken, startDemoNode, type DemoNode } from './demoNode';
import { Client } from './helpers';

let d: DemoNode;
let ws: string;
beforeAll(async () => {
  d = await startDemoNode();
  ws = `${d.url.replace(/^http/, 'ws')}/ws`;
}, 120_000);
afterAll(() => d?.stop());

describe('WS live telemetry topics (real uWS socket)', () => {
  it('telemetry/plant/<id>: the snapshot is today so far, each poll streams its energy and power', async () => {
    const c = await Client.connect(ws, { token: await orgToken('demo-esco') });
    try {
      const snap = await c.subscribe('telemetry/plant/plant-solis-1');
      expect(snap).toMatchObject({ type: 'snapshot', data: { plantId: 'plant-solis-1', id: null } });
      const event = c.next((m) => m.type === 'event' && m.topic === 'telemetry/plant/plant-solis-1', 30_000);
      expect((await d.call('POST', '/api/plants/plant-solis-1/poll')).status).toBe(200);
      const e = await event;
      const view = (await d.call('GET', '/api/plants/plant-solis-1')).body.data;
      expect(e.data).toEqual({
        id: expect.any(String), plantId: 'plant-solis-1', at: expect.any(String), date: view.snapshot.date,
        todayEnergyKwh: view.snapshot.todayEnergyKwh, currentPowerW: view.snapshot.currentPowerW, lastSeenAt: view.snapshot.lastSeenAt,
      });
      expect(e.seq).toBe(snap.seq + 1);
      // A fresh subscriber's snapshot now carries the same values.
      const again = await (await Client.connect(ws, { token: await orgToken('demo-esco') })).subscribe('telemetry/plant/plant-solis-1');
      expect(again.data).toMatchObject({ todayEnergyKwh: e.data.todayEnergyKwh, currentPowerW: e.data.currentPowerW, date: e.data.date });
    } finally {
      c.close();
    }
  }, 60_000);

  it('telemetry/meter/<id>: credit and relay after each read or command; an Emlite meter streams its reads after a sync', async () => {
    const c = await Client.connect(ws, { token: await orgToken('demo-esco') });
    try {
      const snap = await c.subscribe('telemetry/meter/mtr-n3');
      expect(snap.data).toMatchObject({ meterId: 'mtr-n3', id: null, emlite: null });
      const off = c.next((m) => m.topic === 'telemetry/meter/mtr-n3' && m.type === 'event' && m.data.isOn === false, 30_000);
      expect((await d.call('POST', '/api/meters/mtr-n3/interactions', { type: 'TURN_OFF' })).status).toBeLessThan(300);
      const e = await off;
      const meter = (await d.call('GET', '/api/meters/mtr-n3')).body.data.meter;
      expect(e.data).toMatchObject({ meterId: 'mtr-n3', isOn: false, kwhCredit: meter.kwhCreditAvailable, powerLimitW: meter.powerLimit, id: expect.stringMatching(/^mtr-n3:/) });

      const emlite = await c.subscribe('telemetry/meter/mtr-e1');
      expect(emlite).toMatchObject({ type: 'snapshot', data: { meterId: 'mtr-e1' } });
      const synced = c.next((m) => m.topic === 'telemetry/meter/mtr-e1' && m.type === 'event' && m.data.emlite !== null, 60_000);
      expect((await d.call('POST', '/api/meters/mtr-e1/sync')).status).toBe(200);
      expect((await synced).data.emlite).toEqual(expect.objectContaining({}));
      expect(Object.keys((await synced).data.emlite).length).toBeGreaterThan(0);
    } finally {
      c.close();
    }
  }, 90_000);

  it('is authorised like the other topics: another organization is refused whatever its role; an unknown target or id is an error', async () => {
    for (const role of ['viewer', 'operator', 'admin']) {
      const c = await Client.connect(ws, { token: await orgToken('org-other', { role }) });
      try {
        expect(await c.subscribe('telemetry/plant/plant-solis-1')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
        expect(await c.subscribe('telemetry/meter/mtr-n1')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      } finally {
        c.close();
      }
    }
    const c = await Client.connect(ws, { token: await orgToken('demo-esco') });
    try {
      const bad = c.next((m) => m.type === 'error', 10_000);
      c.send({ op: 'subscribe', topic: 'telemetry/grid/grid-north' });
      expect(await bad).toMatchObject({ type: 'error' });
      expect((await c.subscribe('telemetry/meter/mtr-none')).code).toBe('NOT_FOUND');
    } finally {
      c.close();
    }
  }, 60_000);
});
