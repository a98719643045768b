import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../actors/meter/messages';
import type { MeterView } from '../../actors/meter/views';
import type { InteractionView } from '../../core/events';
import { createWorld, eventually, type World } from '../helpers/world';

let w: World;

beforeAll(async () => {
  w = await createWorld({}, { latencyMs: 60 });
  await w.seed({ meters: 0, orgSettings: { twin: { reconcileBackoffMs: 0, reconcileMaxAttempts: 3, suspensionRecovery: true } } });
});
afterAll(async () => w?.stop());

async function addMeters(prefix: string, n: number) {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  await Promise.all(ids.map((id) => w.call(w.s.registryUpsert('meter'), { id, serial: `${prefix.toUpperCase()}${id}`, protocol: 'CALIN_V2', gridId: 'g1', dcuId: 'd1', lastSeenAt: new Date().toISOString() })));
  for (const id of ids) w.fleet.addMeter(id, `${prefix.toUpperCase()}${id}`, { isOn: true, kwhCredit: 10 });
  return ids;
}
const final = (id: string) => eventually(async () => {
  const i = await w.call<InteractionView>(w.s.interactionGet(id));
  return ['SUCCESSFUL', 'FAILED', 'ABORTED', 'EXPIRED', 'SUPERSEDED'].includes(i.status) ? i : undefined;
});
const meter = (id: string) => w.call<MeterView>(w.s.meterGet(id));

describe('meter twin', () => {
  it('ghost success: the control applied but its ACK was lost ends SUCCESSFUL after verification, sent once', async () => {
    const [m] = await addMeters('gh', 1);
    w.fleet.dropAckOnce(m!);
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'TURN_OFF' });
    const done = await final(c.id);
    expect(done.status).toBe('SUCCESSFUL');
    expect(w.fleet.executedCount(m!, 'TURN_OFF')).toBe(1);
    expect(w.fleet.executedCount(m!, 'READ_CREDIT')).toBe(1);
    expect((await meter(m!)).meter.isOn).toBe(false);
    const verifying = await w.db.sql.one<{ verifying_at: unknown }>(`select verifying_at from meter_interactions where id = ?`, [c.id]);
    expect(verifying!.verifying_at).not.toBeNull();
  });

  it('a control the meter did not apply ends FAILED after verification, and the cascade runs once', async () => {
    const [m] = await addMeters('nf', 1);
    w.fleet.unreachable(m!);
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'TURN_OFF' });
    const done = await final(c.id);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^TIMEOUT: .*; verification read failed/);
    expect(w.fleet.executedCount(m!, 'TURN_OFF')).toBe(0);
    w.fleet.clearFaults(m!);
    const steps = await w.db.sql.all(`select step from cascade_outbox where interaction_id = ?`, [c.id]);
    expect(steps).toHaveLength(1);
  });

  it('drift is corrected within one reconcile cycle', async () => {
    const [m] = await addMeters('dr', 1);
    const off = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'TURN_OFF' });
    expect((await final(off.id)).status).toBe('SUCCESSFUL');
    w.fleet.flipRelay(m!); // the meter turns itself back on
    const read = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'READ_CREDIT' });
    await final(read.id);
    const seen = await meter(m!);
    expect(seen.shadow.delta).toEqual({ relay: 'off' });
    await w.node.runtime.tick();
    await eventually(async () => (await meter(m!)).meter.isOn === false);
    expect(w.fleet.executedCount(m!, 'TURN_OFF')).toBe(2);
    expect(w.fleet.getMeter(m!)!.isOn).toBe(false);
    expect((await meter(m!)).shadow.delta).toEqual({});
  });

  it('10 stacked batches of TURN_OFF over the same 100 meters send exactly 100 controls', async () => {
    const ids = await addMeters('st', 100);
    const batches = await Promise.all(Array.from({ length: 10 }, () => w.call<{ id: string }>(w.s.batchCreate(), { type: 'TURN_OFF', meterIds: ids })));
    await eventually(async () => {
      const r = await w.db.sql.one<{ n: string }>(`select count(*) as n from meter_interactions where meter_id like 'st%' and status = 'SUCCESSFUL'`);
      return Number(r!.n) === 100;
    }, 30_000, 100);
    const controls = ids.reduce((n, id) => n + w.fleet.executedCount(id, 'TURN_OFF'), 0);
    expect(controls).toBe(100);
    // One interaction per meter; each of the 900 joined requests is recorded SUPERSEDED, naming its meter's interaction.
    const rows = await w.db.sql.one<{ n: string; joined: string; wrong: string }>(
      `select count(*) filter (where i.coalesced_into is null) as n, count(*) filter (where i.coalesced_into is not null and i.status = 'SUPERSEDED') as joined,
              count(*) filter (where i.coalesced_into is not null and s.meter_id <> i.meter_id) as wrong
         from meter_interactions i left join meter_interactions s on s.id = i.coalesced_into where i.meter_id like 'st%'`);
    expect([Number(rows!.n), Number(rows!.joined), Number(rows!.wrong)]).toEqual([100, 900, 0]);
    for (const b of batches) {
      const v = await eventually(async () => {
        w.node.runtime.batches.tell(b.id, { type: 'flush' });
        const x = await w.call<{ successfulCount: number; totalCount: number }>(w.s.batchGet(b.id));
        return x.successfulCount === 100 ? x : undefined;
      }, 15_000, 200);
      expect(v.successfulCount).toBe(100);
    }
  }, 60_000);

  it('TURN_ON supersedes a queued TURN_OFF, which is never sent', async () => {
    const [m] = await addMeters('sp', 1);
    // Sent together (one connection keeps their order): waiting for each answer would let the 60 ms read finish first on a loaded machine.
    const create = (type: string) => w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type });
    const [busy, off, on] = await Promise.all([create('READ_VERSION'), create('TURN_OFF'), create('TURN_ON')]);
    expect((await final(off.id)).status).toBe('SUPERSEDED');
    expect((await final(on.id)).status).toBe('SUCCESSFUL');
    await final(busy.id);
    expect(w.fleet.executedCount(m!, 'TURN_OFF')).toBe(0);
    expect(w.fleet.executedCount(m!, 'TURN_ON')).toBe(1);
    expect((await meter(m!)).shadow.desired.relay).toBe('on');
  });

  it('a read past its TTL expires unsent', async () => {
    const [m] = await addMeters('ex', 1);
    const busy = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'READ_POWER' });
    const r = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'READ_VERSION', ttlMs: 1 });
    expect((await final(r.id)).status).toBe('EXPIRED');
    await final(busy.id);
    expect(w.fleet.executedCount(m!, 'READ_VERSION')).toBe(0);
  });

  it('suspension recovery purges stale controls and sends one synchronising control', async () => {
    const [m] = await addMeters('su', 1);
    await w.call(w.s.gridOnlineSet(), { id: 'g1', online: false });
    const a = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'TURN_OFF' });
    const b = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'TURN_ON' });
    const c = await w.call<CreateResult>(w.s.meterCreateInteraction(m!), { type: 'TURN_OFF' });
    expect([a.status, b.status, c.status]).toEqual(['SUSPENDED', 'SUSPENDED', 'SUSPENDED']);
    await w.call(w.s.gridOnlineSet(), { id: 'g1', online: true });
    for (const id of [a.id, b.id, c.id]) expect(['ABORTED', 'SUPERSEDED']).toContain((await final(id)).status);
    await eventually(async () => (await meter(m!)).meter.isOn === false);
    expect(w.fleet.executedCount(m!, 'TURN_OFF')).toBe(1);
    expect(w.fleet.executedCount(m!, 'TURN_ON')).toBe(0);
  });

  it('no reconcile storm: a meter that keeps refusing gets bounded attempts, then an issue', async () => {
    const [m] = await addMeters('rf', 1);
    w.fleet.refuse(m!);
    await w.call(w.s.meterDesiredSet(m!), { relay: 'off' });
    for (let i = 0; i < 8; i++) {
      await w.node.runtime.tick();
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(w.fleet.executedCount(m!, 'TURN_OFF')).toBe(0);
    const attempts = await w.db.sql.one<{ n: string }>(`select count(*) as n from meter_interactions where meter_id = ? and interaction_type = 'TURN_OFF'`, [m]);
    expect(Number(attempts!.n)).toBe(3);
    const issue = await w.db.sql.all<{ issue_type: string }>(`select issue_type from issues where meter_id = ? and status = 'OPEN'`, [m]);
    expect(issue.map((i) => i.issue_type)).toEqual(['UNEXPECTED_METER_STATUS']);
  });

  it('a passivated meter with a delta is woken by the reconcile tick and corrected', async () => {
    const [m] = await addMeters('pz', 1);
    await eventually(async () => (await meter(m!)).meter.id === m);
    w.node.runtime.meters.passivate(m!);
    await eventually(async () => !w.node.runtime.meters.ids().includes(m!));
    await w.db.sql.run(`update meters set is_on = true, desired = '{"relay":"off"}'::jsonb where id = ?`, [m]);
    await w.node.runtime.tick();
    await eventually(async () => w.fleet.executedCount(m!, 'TURN_OFF') === 1);
    await eventually(async () => (await meter(m!)).shadow.delta.relay === undefined);
  });
});
