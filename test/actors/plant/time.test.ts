import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, type SimPlant } from '../../../adapters/solar';
import { addDays } from '../../../core/time';
import type { PlantView, PollReply } from '../../../actors/plant';
import type { SnapshotRow } from '../../../persistence';
import { snapshotsRepo } from '../../../persistence';
import { eventually } from '../../helpers/world';
import { createPlantWorld, type PlantWorld } from './world';

/**
 * Everything that depends on the clock, with the runtime's and the vendor's clocks pinned (Solis is left
 * out here: its signed Date header must stay within 15 min of real time). Instants are two days back so
 * no adapter asks the simulators about the future.
 */
const SP = 'America/Sao_Paulo';
const BNE = 'Australia/Brisbane';
const D = addDays(new Date().toISOString().slice(0, 10), -2);
const at = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00Z`);

let w: PlantWorld;
let deye: RunningSimulator;
let goodwe: RunningSimulator;
let deyeIds: string[];
let gwIds: string[];

beforeAll(async () => {
  w = await createPlantWorld();
  w.clock.pin(at(D, '02:58'));
  deye = await w.startSim('DEYE', { plants: 4, timezones: [SP, BNE], alarmEvery: 0, offlineEvery: 0 });
  deyeIds = await w.register('DEYE', deye.fleet.plants);
  goodwe = await w.startSim('GOODWE', { plants: 2, timezones: [SP, BNE], alarmEvery: 0, offlineEvery: 0 });
  gwIds = await w.register('GOODWE', goodwe.fleet.plants);
});
afterAll(async () => w?.stop());

const poll = (id: string) => w.call<PollReply>(w.s.plantPoll(id));
const snaps = (id: string): Promise<SnapshotRow[]> => snapshotsRepo.between(w.db.sql, id, '2000-01-01', '2100-01-01');
const byDate = async (id: string) => new Map((await snaps(id)).map((s) => [s.date, s]));
const view = (id: string) => w.call<PlantView>(w.s.plantGet(id));

describe('day boundaries in UTC−3 and UTC+10', () => {
  it('at 02:58 UTC São Paulo is still on the previous day and Brisbane is past noon of this one', async () => {
    w.clock.pin(at(D, '02:58'));
    await poll(deyeIds[0]!);
    await poll(deyeIds[1]!);
    const sp = await byDate(deyeIds[0]!);
    const bne = await byDate(deyeIds[1]!);
    expect(sp.get(addDays(D, -1))!.source).toBe('POLL');
    expect(sp.has(D)).toBe(false);
    expect([...sp.keys()].sort()).toEqual([addDays(D, -4), addDays(D, -3), addDays(D, -2), addDays(D, -1)]);
    expect(bne.get(D)!.source).toBe('POLL');
    expect(bne.get(D)!.todayEnergyKwh).toBeCloseTo(deye.fleet.todayKwh(deye.fleet.plants[1]!, at(D, '02:58')), 2);
  });

  it('five minutes later São Paulo starts a new day; yesterday keeps its value', async () => {
    const yesterday = (await byDate(deyeIds[0]!)).get(addDays(D, -1))!;
    w.clock.pin(at(D, '03:03'));
    await poll(deyeIds[0]!);
    const sp = await byDate(deyeIds[0]!);
    expect(sp.get(D)).toMatchObject({ source: 'POLL', todayEnergyKwh: 0 });
    expect(sp.get(addDays(D, -1))!.todayEnergyKwh).toBe(yesterday.todayEnergyKwh);
  });

  it('a vendor reading from 23:55 polled at 00:03 goes to yesterday, not today', async () => {
    w.clock.pin(at(D, '03:03'));
    w.clock.vendorLagMs = 8 * 60_000;
    try {
      const sp = goodwe.fleet.plants[0]!;
      const r = await poll(gwIds[0]!);
      expect(r.log.status).toBe('SUCCESS');
      const rows = await byDate(gwIds[0]!);
      expect(rows.has(D)).toBe(false);
      expect(rows.get(addDays(D, -1))!.todayEnergyKwh).toBeCloseTo(goodwe.fleet.todayKwh(sp, w.clock.vendorNow()), 2);
      // the same instant is mid-day in Brisbane
      await poll(gwIds[1]!);
      expect((await byDate(gwIds[1]!)).get(D)!.source).toBe('POLL');
    } finally {
      w.clock.vendorLagMs = 0;
    }
  });
});

describe('status rules end to end', () => {
  it('YELLOW when last seen 2–24 h ago, GREEN again when fresh', async () => {
    w.clock.pin(at(D, '15:00'));
    w.clock.vendorLagMs = 3 * 3_600_000;
    try {
      expect(await poll(deyeIds[2]!)).toMatchObject({ status: 'YELLOW' });
      expect((await view(deyeIds[2]!)).plant.statusReason).toBe('last seen 2–24 h ago');
    } finally {
      w.clock.vendorLagMs = 0;
    }
    expect(await poll(deyeIds[2]!)).toMatchObject({ status: 'GREEN' });
    await eventually(async () => w.statusEvents.some((e) => e.plantId === deyeIds[2] && e.previousStatus === 'YELLOW' && e.status === 'GREEN'));
  });

  it('low generation vs the 7-day median: YELLOW < 30 %, RED < 10 %, no verdict before local noon', async () => {
    const id = deyeIds[3]!; // Brisbane
    const plant: SimPlant = deye.fleet.plants[3]!;
    w.clock.pin(at(D, '04:00')); // 14:00 in Brisbane
    const today = deye.fleet.todayKwh(plant, at(D, '04:00'));
    const history = async (kwh: number) => {
      for (let k = 1; k <= 7; k++) await snapshotsRepo.upsert(w.db.sql, { plantId: id, date: addDays(D, -k), todayEnergyKwh: kwh, source: 'POLL' });
    };
    await history(today / 0.2);
    expect(await poll(id)).toMatchObject({ status: 'YELLOW' });
    let alert = (await view(id)).openAlerts.find((a) => a.type === 'LOW_GENERATION')!;
    expect(alert).toMatchObject({ severity: 'MAJOR', state: 'NEW' });
    expect((await view(id)).plant.statusReason).toBe('low generation');

    await history(today / 0.05);
    expect(await poll(id)).toMatchObject({ status: 'RED' });
    alert = (await view(id)).openAlerts.find((a) => a.type === 'LOW_GENERATION')!;
    expect(alert.severity).toBe('CRITICAL');
    expect((await view(id)).openAlerts.filter((a) => a.type === 'LOW_GENERATION')).toHaveLength(1);

    // next morning in Brisbane (08:00): no verdict yet, so yesterday's alert closes
    w.clock.pin(at(D, '22:00'));
    expect(await poll(id)).toMatchObject({ status: 'GREEN' });
    expect((await view(id)).openAlerts).toEqual([]);
  });

  it('RED when the vendor cannot say when it last heard from a plant it never reported (FusionSolar)', async () => {
    w.clock.pin(at(D, '15:00'));
    const sim = await w.startSim('HUAWEI', { plants: 1, offlineEvery: 1, alarmEvery: 0 });
    const [id] = await w.register('HUAWEI', sim.fleet.plants);
    expect(await poll(id!)).toMatchObject({ status: 'RED' });
    const v = await view(id!);
    expect(v.plant.statusReason).toBe('never seen');
    expect(v.openAlerts.map((a) => a.type)).toEqual(['OFFLINE']);
  });
});

describe('backfill', () => {
  it('a missing D-2 is filled from the daily series; days already stored are not overwritten', async () => {
    w.clock.pin(at(D, '15:00')); // 12:00 in São Paulo
    const id = deyeIds[0]!;
    await poll(id);
    const before = await byDate(id);
    await w.db.sql.run(`delete from metric_snapshots where plant_id = ? and date = ?::date`, [id, addDays(D, -2)]);
    await poll(id);
    const after = await byDate(id);
    expect(after.get(addDays(D, -2))).toMatchObject({ source: 'BACKFILL', todayEnergyKwh: deye.fleet.dailyKwh(deye.fleet.plants[0]!, addDays(D, -2)) });
    expect(after.get(addDays(D, -1))).toEqual(before.get(addDays(D, -1)));
  });
});

describe('alarms: dedupe, 6 h re-notification, resolve on clear', () => {
  it('one alert per alarm; re-notified after 6 h while NEW, not once ACKED; resolved when the vendor reports it cleared', async () => {
    const t0 = at(D, '06:00');
    w.clock.pin(t0);
    const sim = await w.startSim('DEYE', { plants: 1, timezones: ['UTC'], alarmEvery: 1, offlineEvery: 0 });
    const [id] = await w.register('DEYE', sim.fleet.plants, { credentialId: 'cred-deye-alarms' });
    const events = () => w.alertEvents.filter((e) => e.plantId === id && e.alert.vendorAlarmCode === '1001');
    expect(await poll(id!)).toMatchObject({ status: 'RED' });
    await eventually(async () => events().length === 1);
    const alertId = events()[0]!.alert.id;

    w.clock.pin(t0.getTime() + 3 * 3_600_000);
    await poll(id!);
    w.clock.pin(t0.getTime() + 7 * 3_600_000);
    await poll(id!);
    await eventually(async () => events().length === 2);
    expect(events().map((e) => [e.alert.id, e.alert.state])).toEqual([[alertId, 'NEW'], [alertId, 'NEW']]);

    await w.call(w.s.alertAck(alertId), { by: 'op' });
    w.clock.pin(t0.getTime() + 14 * 3_600_000);
    await poll(id!);
    await eventually(async () => events().length === 3); // the ack itself
    expect(events()[2]!.alert.state).toBe('ACKED');

    const alarms = sim.fleet.alarms.bind(sim.fleet);
    sim.fleet.alarms = (p, now) => alarms(p, now).map((a) => (a.code === '1001' ? { ...a, clearedAt: new Date(w.clock.now() - 600_000) } : a));
    try {
      expect(await poll(id!)).toMatchObject({ status: 'GREEN' });
    } finally {
      sim.fleet.alarms = alarms;
    }
    await eventually(async () => events().some((e) => e.alert.state === 'RESOLVED'));
    const rows = await w.db.sql.all<{ id: string; state: string }>(`select id, state from alerts where plant_id = ? and vendor_alarm_code = '1001' order by created_at`, [id]);
    expect(rows).toEqual([{ id: alertId, state: 'RESOLVED' }]);

    // raised again later: a new alert, the resolved one stays as history
    sim.fleet.alarms = (p, now) => alarms(p, now).map((a) => (a.code === '1001' ? { ...a, raisedAt: new Date(w.clock.now() - 60_000) } : a));
    try {
      await poll(id!);
    } finally {
      sim.fleet.alarms = alarms;
    }
    const again = await w.db.sql.all<{ state: string }>(`select state from alerts where plant_id = ? and vendor_alarm_code = '1001' order by created_at`, [id]);
    expect(again.map((r) => r.state)).toEqual(['RESOLVED', 'NEW']);
  });

  it('FusionSolar lists active alarms only: an alarm that disappears is resolved', async () => {
    w.clock.pin(at(D, '06:00'));
    const sim = await w.startSim('HUAWEI', { plants: 1, alarmEvery: 1, offlineEvery: 0 });
    const [id] = await w.register('HUAWEI', sim.fleet.plants, { credentialId: 'cred-huawei-alarms' });
    await poll(id!);
    expect((await view(id!)).openAlerts.map((a) => a.vendorAlarmCode)).toEqual(['1001']);
    const alarms = sim.fleet.alarms.bind(sim.fleet);
    sim.fleet.alarms = () => [];
    try {
      await poll(id!);
    } finally {
      sim.fleet.alarms = alarms;
    }
    expect((await view(id!)).openAlerts).toEqual([]);
  });
});
