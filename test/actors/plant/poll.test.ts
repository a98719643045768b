import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS, SOLAR_BRANDS, type SolarBrand } from '../../../adapters/solar';
import { dateInZone } from '../../../core/time';
import type { PlantView, PollReply } from '../../../actors/plant';
import type { AlertRow } from '../../../persistence';
import { eventually } from '../../helpers/world';
import { ORG, createPlantWorld, type PlantWorld } from './world';

let w: PlantWorld;
const ids = new Map<SolarBrand, string[]>();

beforeAll(async () => {
  w = await createPlantWorld();
  for (const brand of SOLAR_BRANDS) {
    const sim = await w.startSim(brand, { plants: 7, offlineEvery: 7, alarmEvery: 3, latencyMs: brand === 'DEYE' ? 150 : 0 });
    ids.set(brand, await w.register(brand, sim.fleet.plants));
  }
});
afterAll(async () => w?.stop());

describe('a full poll of each brand against its simulator', () => {
  for (const brand of SOLAR_BRANDS) {
    it(`${brand}: snapshot on the plant-local day, vendor alarm deduped into one alert, GREEN/RED by the rules`, async () => {
      const sim = w.sims.get(brand)!;
      const [p1, , p3, , , , p7] = ids.get(brand)!;
      const reply = await w.call<PollReply>(w.s.plantPoll(p1!));
      expect(reply).toMatchObject({ plantId: p1, status: 'GREEN', alreadyInProgress: false, log: { status: 'SUCCESS', errorCode: null } });
      expect(reply.log.vendorCalls).toBeGreaterThanOrEqual(2);

      const plant1 = sim.fleet.plants[0]!;
      const view = await w.call<PlantView>(w.s.plantGet(p1!));
      expect(view.plant).toMatchObject({ id: p1, organizationId: ORG, brand, status: 'GREEN', integrationStatus: 'ACTIVE' });
      expect(view.plant).not.toHaveProperty('credentials');
      expect(view.snapshot!.date).toBe(dateInZone(sim.fleet.lastSeenAt(plant1), plant1.timezone));
      expect(view.snapshot!.todayEnergyKwh).toBeCloseTo(sim.fleet.todayKwh(plant1), 2);
      expect(view.lastPoll!.id).toBe(reply.log.id);
      // D-3..D-0 all present after one poll: the three earlier days came from the daily series
      const days = await w.db.sql.all<{ n: string }>(`select count(*) as n from metric_snapshots where plant_id = ?`, [p1]);
      expect(Number(days[0]!.n)).toBe(4);

      // plant 3 carries an open critical vendor alarm → RED; polled twice → still one alert
      const r3 = await w.call<PollReply>(w.s.plantPoll(p3!));
      expect(r3.status).toBe('RED');
      await w.call<PollReply>(w.s.plantPoll(p3!));
      const open = await w.db.sql.all<{ type: string; vendor_alarm_code: string; severity: string }>(
        `select type, vendor_alarm_code, severity from alerts where plant_id = ? and state <> 'RESOLVED'`, [p3]);
      expect(open).toEqual([{ type: 'VENDOR_ALARM', vendor_alarm_code: '1001', severity: 'CRITICAL' }]);
      expect((await w.call<PlantView>(w.s.plantGet(p3!))).plant.statusReason).toBe('open critical alert');

      // plant 7 has been silent 30 h → RED with an OFFLINE alert
      const r7 = await w.call<PollReply>(w.s.plantPoll(p7!));
      expect(r7.status).toBe('RED');
      const offline = await w.db.sql.all(`select id from alerts where plant_id = ? and type = 'OFFLINE' and state = 'NEW'`, [p7]);
      expect(offline).toHaveLength(1);
      // FusionSolar cannot date a disconnected plant's data: never seen
      expect((await w.call<PlantView>(w.s.plantGet(p7!))).plant.statusReason).toBe(brand === 'HUAWEI' ? 'never seen' : 'last seen more than 24 h ago');
    });
  }

  it('publishes status transitions and alerts on the plant and organization subjects', async () => {
    const p3 = ids.get('SOLIS')![2]!;
    await eventually(async () => w.statusEvents.some((e) => e.plantId === p3 && e.status === 'RED' && e.previousStatus === 'GREY'));
    await eventually(async () => w.alertEvents.some((e) => e.plantId === p3 && e.alert.vendorAlarmCode === '1001' && e.alert.state === 'NEW'));
    await eventually(async () => w.orgAlertEvents.some((e) => e.plantId === p3 && e.organizationId === ORG));
    // polled twice, announced once
    expect(w.alertEvents.filter((e) => e.plantId === p3 && e.alert.vendorAlarmCode === '1001')).toHaveLength(1);
    expect(w.statusEvents.filter((e) => e.plantId === p3)).toHaveLength(1);
  });
});

describe('the plant actor is the lock', () => {
  it('two concurrent poll requests for one plant run one poll; the second waits and says so', async () => {
    const p = ids.get('DEYE')![1]!;
    const before = (await w.logs(p)).length;
    const sim = w.sims.get('DEYE')!;
    sim.resetCounters();
    const [a, b] = await Promise.all([w.call<PollReply>(w.s.plantPoll(p)), w.call<PollReply>(w.s.plantPoll(p))]);
    expect((await w.logs(p)).length).toBe(before + 1);
    expect(a.log.id).toBe(b.log.id);
    expect([a.alreadyInProgress, b.alreadyInProgress].sort()).toEqual([false, true]);
    expect(sim.counters.byPath['/v1.0/station/latest']).toBe(1);
  });

  it('a scheduled sweep polls every ACTIVE plant once and skips none twice', async () => {
    const before = Number((await w.db.sql.one<{ n: string }>(`select count(*) as n from poll_logs`))!.n);
    const sent = await w.plants.sweep();
    expect(sent).toBe(28);
    await eventually(async () => Number((await w.db.sql.one<{ n: string }>(`select count(*) as n from poll_logs`))!.n) === before + 28, 20_000);
  });
});

describe('NATS surface', () => {
  it('lists, acks once, refuses a second ack and another organization', async () => {
    const { alerts } = await w.call<{ alerts: AlertRow[] }>(w.s.alertsList(), { organizationId: ORG, state: 'NEW' });
    expect(alerts.length).toBeGreaterThan(0);
    const a = alerts[0]!;
    expect(a).toMatchObject({ organizationId: ORG, state: 'NEW' });
    expect(await w.request(w.s.alertAck(a.id), { organizationId: 'org-other' })).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const acked = await w.call<{ alert: AlertRow }>(w.s.alertAck(a.id), { organizationId: ORG, by: 'op-1' });
    expect(acked.alert).toMatchObject({ id: a.id, state: 'ACKED', ackedBy: 'op-1' });
    expect(await w.request(w.s.alertAck(a.id), {})).toMatchObject({ error: { code: 'INVALID_STATE' } });
    await eventually(async () => w.orgAlertEvents.some((e) => e.alert.id === a.id && e.alert.state === 'ACKED'));
    const acks = await w.call<{ alerts: AlertRow[] }>(w.s.alertsList(), { organizationId: ORG, state: 'ACKED' });
    expect(acks.alerts.map((x) => x.id)).toContain(a.id);
  });

  it('bad input gets structured errors', async () => {
    const cases: Array<[string, unknown, string]> = [
      [w.s.plantPoll('nope'), {}, 'NOT_FOUND'],
      [w.s.plantGet('nope'), {}, 'NOT_FOUND'],
      [w.s.alertAck('nope'), {}, 'NOT_FOUND'],
      [w.s.alertsList(), {}, 'VALIDATION_FAILED'],
      [w.s.alertsList(), { organizationId: ORG, state: 'OPEN' }, 'VALIDATION_FAILED'],
      [w.s.registryUpsert('plant'), { id: 'x1', organizationId: ORG, credentialId: 'cred-solis', vendorPlantId: 'v', name: 'n', timezone: 'Mars/Olympus' }, 'VALIDATION_FAILED'],
      [w.s.registryUpsert('plant'), { id: 'x1', organizationId: ORG, credentialId: 'cred-none', vendorPlantId: 'v', name: 'n', timezone: 'UTC' }, 'NOT_FOUND'],
      [w.s.registryUpsert('plant'), { id: 'x1', organizationId: ORG, credentialId: 'cred-solis', brand: 'HUAWEI', vendorPlantId: 'v', name: 'n', timezone: 'UTC' }, 'VALIDATION_FAILED'],
      [w.s.registryUpsert('plant'), { id: 'x1', organizationId: ORG, credentialId: 'cred-solis', vendorPlantId: w.sims.get('SOLIS')!.fleet.plants[0]!.id, name: 'dup', timezone: 'UTC' }, 'CONFLICT'],
      [w.s.registryUpsert('credential'), { id: 'c1', organizationId: ORG, brand: 'TESLA', credentials: {} }, 'VALIDATION_FAILED'],
      [w.s.registryUpsert('credential'), { id: 'c1', organizationId: ORG, brand: 'SOLIS', credentials: { keyId: 'k' } }, 'VALIDATION_FAILED'],
      [w.s.registryUpsert('credential'), { id: 'c1', organizationId: 'org-none', brand: 'SOLIS', credentials: SIMULATOR_CREDENTIALS.SOLIS }, 'NOT_FOUND'],
    ];
    for (const [subject, body, code] of cases) expect(await w.request(subject, body), subject).toMatchObject({ error: { code } });
    const raw = await w.bus.request(w.s.plantGet('a.b'), {}, { timeoutMs: 2_000 }).catch((e: Error) => e);
    expect(raw).toBeInstanceOf(Error); // not a plant subject at all: nobody answers
  });

  it('a credential is tested on save, stored encrypted, never echoed', async () => {
    const sim = w.sims.get('GOODWE')!;
    const wrong = { ...SIMULATOR_CREDENTIALS.GOODWE, password: 'not-the-password' };
    const refused = await w.request(w.s.registryUpsert('credential'), { id: 'cred-gw-2', organizationId: ORG, brand: 'GOODWE', credentials: wrong, baseUrl: sim.baseUrl });
    expect(refused).toMatchObject({ error: { code: 'AUTH_FAILED' } });
    expect(JSON.stringify(refused)).not.toContain('not-the-password');
    expect(await w.db.sql.one(`select id from integration_credentials where id = 'cred-gw-2'`)).toBeUndefined();

    const saved = await w.request(w.s.registryUpsert('credential'), { id: 'cred-gw-2', organizationId: ORG, brand: 'sems', credentials: SIMULATOR_CREDENTIALS.GOODWE, baseUrl: sim.baseUrl });
    expect(saved).toMatchObject({ data: { id: 'cred-gw-2', brand: 'GOODWE', plantCount: 7 } });
    expect(JSON.stringify(saved)).not.toContain(SIMULATOR_CREDENTIALS.GOODWE.password);
    const row = await w.db.sql.one<{ encrypted_credentials: string; brand: string }>(`select encrypted_credentials, brand from integration_credentials where id = 'cred-gw-2'`);
    expect(row!.brand).toBe('GOODWE');
    expect(row!.encrypted_credentials).toMatch(/^v1\./);
    expect(row!.encrypted_credentials).not.toContain(SIMULATOR_CREDENTIALS.GOODWE.password);
  });

  it('the seed\'s DELE brand is Deye', async () => {
    const sim = w.sims.get('DEYE')!;
    const saved = await w.call<{ brand: string }>(w.s.registryUpsert('credential'), { id: 'cred-dele', organizationId: ORG, brand: 'DELE', credentials: SIMULATOR_CREDENTIALS.DEYE, baseUrl: sim.baseUrl });
    expect(saved.brand).toBe('DEYE');
  });

  it('a PAUSED plant is GREY and its poll is SKIPPED', async () => {
    const p = ids.get('HUAWEI')![0]!;
    const plant = (await w.call<PlantView>(w.s.plantGet(p))).plant;
    const updated = await w.call<PlantView['plant']>(w.s.registryUpsert('plant'), {
      id: p, organizationId: ORG, credentialId: plant.credentialId, vendorPlantId: plant.vendorPlantId, name: plant.name, timezone: plant.timezone, integrationStatus: 'PAUSED',
    });
    expect(updated.status).toBe('GREY');
    const r = await w.call<PollReply>(w.s.plantPoll(p));
    expect(r).toMatchObject({ status: 'GREY', log: { status: 'SKIPPED', vendorCalls: 0 } });
    await eventually(async () => w.statusEvents.some((e) => e.plantId === p && e.status === 'GREY'));
  });
});
