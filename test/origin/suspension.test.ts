import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, eventually, type World } from '../helpers/world';
import { plainClient, type Plain } from './plain';

// Seed 000 (gatekeeper + cascade step 5): a command created while the grid is down is SUSPENDED and resumes
// when it comes back; its order hears exactly one terminal outcome, also with the organization's recovery on.
let w: World;
let c: Plain;
let p: string;

interface Interaction { id: string; status: string; orderId: string | null; failureReason: string | null; type: string }

beforeAll(async () => {
  w = await createWorld();
  await w.seed({ meters: 2 });
  c = await plainClient();
  p = w.s.prefix;
  // A second organization that chose suspension recovery.
  await c.data(`${p}.registry.organization.upsert`, { id: 'org2', name: 'Recovering', settings: { twin: { suspensionRecovery: true, reconcileBackoffMs: 0 } } });
  await c.data(`${p}.registry.grid.upsert`, { id: 'g2', organizationId: 'org2', name: 'Grid 2' });
  await c.data(`${p}.registry.dcu.upsert`, { id: 'd9', gridId: 'g2', externalReference: 'GW-9' });
  for (const id of ['r0', 'r1']) {
    await c.data(`${p}.registry.meter.upsert`, { id, serial: `R-${id}`, externalReference: `dev-${id}`, protocol: 'CALIN_V2', gridId: 'g2', dcuId: 'd9', lastSeenAt: new Date().toISOString() });
  }
  for (const [id, serial] of [['m0', 'S1000'], ['m1', 'S1001'], ['r0', 'R-r0'], ['r1', 'R-r1']]) w.fleet.addMeter(id!, serial!, { isOn: true, kwhCredit: 5 });
});
afterAll(async () => {
  await c?.close();
  await w?.stop();
});

const final = (id: string) => eventually(async () => {
  const i = await c.data<Interaction>(`${p}.interaction.${id}.get`);
  return ['SUCCESSFUL', 'FAILED', 'ABORTED', 'EXPIRED', 'SUPERSEDED'].includes(i.status) ? i : undefined;
});
const ordersFor = (orderId: string) => w.webhook.requests.filter((r) => (r.body as { order_id?: string }).order_id === orderId);
const outboxDone = async (interactionId: string) => (await w.db.sql.all<{ step: string }>(`select step from cascade_outbox where interaction_id = ? and status = 'DONE' and step = 'notifyOrder'`, [interactionId])).length;

describe('suspension and orders (plain nats.js client)', () => {
  it('by default a suspended order-linked TURN_OFF resumes and ends with exactly one order webhook', async () => {
    await c.data(`${p}.registry.grid.online`, { id: 'g1', online: false });
    const off = await c.data<Interaction>(`${p}.meter.m0.interactions.create`, { type: 'TURN_OFF', orderId: 'ord-1' });
    expect(off.status).toBe('SUSPENDED');
    await c.data(`${p}.registry.grid.online`, { id: 'g1', online: true });
    expect((await final(off.id)).status).toBe('SUCCESSFUL');
    await eventually(async () => ordersFor('ord-1').length >= 1);
    await eventually(async () => (await outboxDone(off.id)) === 1);
    expect(ordersFor('ord-1').map((r) => (r.body as { interaction_id: string; status: string }))).toMatchObject([{ interaction_id: off.id, status: 'SUCCESSFUL' }]);
    expect(w.fleet.executedCount('m0', 'TURN_OFF')).toBe(1);
  });

  it('with suspension recovery the order rides on the synchronising TURN_OFF: one webhook, nothing dropped', async () => {
    await c.data(`${p}.registry.grid.online`, { id: 'g2', online: false });
    const off = await c.data<Interaction>(`${p}.meter.r0.interactions.create`, { type: 'TURN_OFF', orderId: 'ord-2' });
    expect(off.status).toBe('SUSPENDED');
    await c.data(`${p}.registry.grid.online`, { id: 'g2', online: true });
    const purged = await final(off.id);
    expect(purged).toMatchObject({ status: 'ABORTED', orderId: 'ord-2' });
    expect(purged.failureReason).toMatch(/order is carried/);
    // the carrier is written before the purge, so once the purge is visible the carrier is too (no waiting here)
    const list = await c.data<{ items: Interaction[] }>(`${p}.meter.r0.interactions.list`, { type: 'TURN_OFF' });
    const sync = list.items.find((i) => i.id !== off.id)!;
    expect(sync).toMatchObject({ orderId: 'ord-2' });
    expect((await final(sync.id)).status).toBe('SUCCESSFUL');
    await eventually(async () => (await outboxDone(sync.id)) === 1);
    expect(ordersFor('ord-2').map((r) => (r.body as { interaction_id: string; status: string }))).toMatchObject([{ interaction_id: sync.id, status: 'SUCCESSFUL' }]);
    expect(await outboxDone(off.id)).toBe(0);
    expect(w.fleet.executedCount('r0', 'TURN_OFF')).toBe(1);
  });

  it('with suspension recovery a batch-linked control is resumed, never purged', async () => {
    await c.data(`${p}.registry.grid.online`, { id: 'g2', online: false });
    const b = await c.data<{ id: string; interactions: Interaction[] }>(`${p}.batch.create`, { type: 'TURN_OFF', meterIds: ['r1'], organizationId: 'org2' });
    expect(b.interactions.map((i) => i.status)).toEqual(['SUSPENDED']);
    await c.data(`${p}.registry.grid.online`, { id: 'g2', online: true });
    expect((await final(b.interactions[0]!.id)).status).toBe('SUCCESSFUL');
    const batch = await eventually(async () => {
      const v = await c.data<{ successfulCount: number; abortedCount: number; totalCount: number }>(`${p}.batch.${b.id}.get`);
      return v.successfulCount === 1 ? v : undefined;
    });
    expect(batch).toMatchObject({ totalCount: 1, successfulCount: 1, abortedCount: 0 });
  });
});
