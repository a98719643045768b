import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../actors/meter/messages';
import type { MeterView } from '../../actors/meter/views';
import type { InteractionView, MeterInteractionEvent } from '../../core/events';
import { createWorld, eventually, type World } from '../helpers/world';

let w: World;
let meters: string[];
const events: MeterInteractionEvent[] = [];

beforeAll(async () => {
  w = await createWorld();
  meters = await w.seed({ meters: 4 });
  w.bus.subscribe(w.s.evtGridMeterInteraction('g1'), (m) => events.push(m.json<MeterInteractionEvent>()));
});
afterAll(async () => w?.stop());

const settled = (id: string) =>
  eventually(async () => {
    const i = await w.call<InteractionView>(w.s.interactionGet(id));
    return ['SUCCESSFUL', 'FAILED', 'ABORTED', 'EXPIRED', 'SUPERSEDED'].includes(i.status) ? i : undefined;
  });
const outboxDone = (id: string) =>
  eventually(async () => {
    const rows = await w.db.sql.all<{ status: string }>(`select status from cascade_outbox where interaction_id = ?`, [id]);
    return rows.length > 0 && rows.every((r) => r.status === 'DONE') ? rows : undefined;
  });

describe('interaction pipeline over NATS', () => {
  it('runs a TURN_OFF to SUCCESSFUL, writes the meter, emits one UPDATE event on the grid', async () => {
    const created = await w.call<CreateResult>(w.s.meterCreateInteraction(meters[0]!), { type: 'TURN_OFF' });
    expect(created.status).toBe('QUEUED');
    const done = await settled(created.id);
    expect(done.status).toBe('SUCCESSFUL');
    await outboxDone(created.id);
    const meter = await w.call<MeterView>(w.s.meterGet(meters[0]!));
    expect(meter.meter.isOn).toBe(false);
    expect(meter.shadow.desired.relay).toBe('off');
    expect(meter.shadow.delta).toEqual({});
    const mine = events.filter((e) => e.interaction.id === created.id);
    await eventually(async () => mine.length === 3 || events.filter((e) => e.interaction.id === created.id).length === 3);
    const seen = events.filter((e) => e.interaction.id === created.id);
    // the live statuses in order, the final one (cascade step 8) exactly once
    expect(seen.map((e) => [e.event, e.operation, e.interaction.status])).toEqual([
      ['meter-interaction', 'UPDATE', 'QUEUED'], ['meter-interaction', 'UPDATE', 'PROCESSING'], ['meter-interaction', 'UPDATE', 'SUCCESSFUL'],
    ]);
  });

  it('TOP_UP success creates exactly one READ_CREDIT follow-up that sets credit and balance', async () => {
    const m = meters[1]!;
    w.fleet.addMeter(m, 'S1001', { kwhCredit: 3 });
    const before = 3;
    const top = await w.call<CreateResult>(w.s.meterCreateInteraction(m), { type: 'TOP_UP', params: { kwh: 12.5 }, orderId: 'order-1' });
    expect((await settled(top.id)).status).toBe('SUCCESSFUL');
    await outboxDone(top.id);
    const follow = await eventually(async () =>
      w.db.sql.one<{ id: string; status: string }>(`select id, status from meter_interactions where follow_up_of = ? and status = 'SUCCESSFUL'`, [top.id]));
    const all = await w.db.sql.all(`select id from meter_interactions where follow_up_of = ?`, [top.id]);
    expect(all).toHaveLength(1);
    const meter = await w.call<MeterView>(w.s.meterGet(m));
    expect(meter.meter.kwhCreditAvailable).toBeCloseTo(before + 12.5, 3);
    expect(meter.meter.balanceInLocalCurrency).toBeCloseTo((before + 12.5) * 100, 1);
    expect(follow.status).toBe('SUCCESSFUL');
    // order notification: one delivery, keyed by interaction and status
    await eventually(async () => w.webhook.deliveryCount(`order:${top.id}:SUCCESSFUL`) === 1);
    expect(w.webhook.deliveryCount(`order:${top.id}:SUCCESSFUL`)).toBe(1);
  });

  it('aborting a finished interaction is refused and changes nothing', async () => {
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(meters[0]!), { type: 'READ_CREDIT' });
    await settled(c.id);
    const r = await w.request(w.s.interactionAbort(c.id), {});
    expect(r).toMatchObject({ error: { code: 'INVALID_STATE' } });
    expect((await w.call<InteractionView>(w.s.interactionGet(c.id))).status).toBe('SUCCESSFUL');
  });

  it('bad input gets structured errors and writes nothing', async () => {
    const count = async () => Number((await w.db.sql.one<{ n: string }>(`select count(*) as n from meter_interactions`))!.n);
    const n0 = await count();
    const cases: Array<[unknown, string]> = [
      [{ type: 'NOPE' }, 'VALIDATION_FAILED'],
      [{ type: 'TOP_UP' }, 'VALIDATION_FAILED'],
      [{ type: 'TOP_UP', params: { kwh: -5 } }, 'VALIDATION_FAILED'],
      [{ type: 'TOP_UP', params: { kwh: 1e9 } }, 'VALIDATION_FAILED'],
      [{ type: 'TURN_ON', params: { extra: 1 } }, 'VALIDATION_FAILED'],
      [{ type: 'TURN_ON', surprise: true }, 'VALIDATION_FAILED'],
      [{ type: 'READ_REPORT' }, 'VALIDATION_FAILED'],
      [{ type: 'READ_VOLTAGE', params: {} }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      expect(await w.request(w.s.meterCreateInteraction(meters[0]!), body), JSON.stringify(body)).toMatchObject({ error: { code } });
    }
    const raw = await w.bus.request(w.s.meterCreateInteraction(meters[0]!), Buffer.from('{not json'));
    expect(raw).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(await w.request(w.s.meterCreateInteraction('ghost'), { type: 'TURN_ON' })).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await w.request(w.s.batchCreate(), { type: 'TURN_ON', meterIds: ['a.b'] })).toMatchObject({ error: { code: 'INVALID_ID' } });
    expect(await w.request(w.s.registryUpsert('meter'), { id: 'x y', serial: '1', protocol: 'CALIN_V1' })).toMatchObject({ error: { code: 'INVALID_ID' } });
    expect(await count()).toBe(n0);
  });

  it('idempotency: same key and request replays; same key and another request is refused', async () => {
    const body = { type: 'READ_VERSION', idempotencyKey: 'k-1' };
    const a = await w.call<CreateResult>(w.s.meterCreateInteraction(meters[2]!), body);
    const b = await w.call<CreateResult>(w.s.meterCreateInteraction(meters[2]!), body);
    expect(b.id).toBe(a.id);
    expect(b.replayed).toBe(true);
    const c = await w.request(w.s.meterCreateInteraction(meters[2]!), { type: 'READ_CREDIT', idempotencyKey: 'k-1' });
    expect(c).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    const rows = await w.db.sql.all(`select id from meter_interactions where idempotency_key = 'k-1'`);
    expect(rows).toHaveLength(1);
  });

  it('auto-closes NO_CREDIT when credit > 0 and NO_COMMUNICATION on success, never UNEXPECTED_METER_STATUS', async () => {
    const m = meters[3]!;
    for (const [id, type] of [['i-nc', 'NO_CREDIT'], ['i-ncomm', 'NO_COMMUNICATION'], ['i-ums', 'UNEXPECTED_METER_STATUS']] as const) {
      await w.db.sql.run(`insert into issues(id, meter_id, grid_id, issue_type) values (?, ?, 'g1', ?)`, [id, m, type]);
    }
    w.node.runtime.meters.tell(m, { type: 'worldChanged' });
    // The actor may hold an older view of issues; a fresh actor reloads them.
    await w.db.sql.run(`update meters set row_version = row_version + 1 where id = ?`, [m]);
    w.fleet.addMeter(m, 'S1003', { kwhCredit: 7 });
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(m), { type: 'READ_CREDIT' });
    expect((await settled(c.id)).status).toBe('SUCCESSFUL');
    const issues = await w.db.sql.all<{ id: string; status: string }>(`select id, status from issues where meter_id = ? order by id`, [m]);
    expect(Object.fromEntries(issues.map((i) => [i.id, i.status]))).toEqual({ 'i-nc': 'CLOSED', 'i-ncomm': 'CLOSED', 'i-ums': 'OPEN' });
  });

  it('an unsolicited report delivered to the meter (the cluster path) is recorded once, even when heard twice', async () => {
    const m = meters[2]!;
    const report = { type: 'READ_REPORT', meterExternalReference: 'dev2', result: { kwhCredit: 3.25, isOn: true }, deviceInfo: { rssi: -80 }, receivedAt: '2026-11-23T10:00:00.000Z' };
    const [a, b] = await Promise.all([w.request(w.s.meterReport(m), report), w.request(w.s.meterReport(m), report)]);
    expect([a, b]).toEqual([{ data: { accepted: true } }, { data: { accepted: true } }]);
    await eventually(async () => (await w.call<MeterView>(w.s.meterGet(m))).meter.kwhCreditAvailable === 3.25);
    const rows = await w.db.sql.all<{ status: string }>(`select status from meter_interactions where meter_id = ? and interaction_type = 'READ_REPORT'`, [m]);
    expect(rows.map((r) => r.status)).toEqual(['SUCCESSFUL']);
    const bad = await w.request(w.s.meterReport(m), { type: 'TURN_ON', meterExternalReference: 'dev2', result: {}, receivedAt: 'x' });
    expect(bad).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});
