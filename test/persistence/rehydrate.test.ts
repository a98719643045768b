import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchesRepo, interactionsRepo, openDatabase, rehydrateRepo, registryRepo, type Database } from '../../persistence';
import { createTestDatabase } from '../helpers/db';

let t: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;

/** Counts the statements sent through it. */
function counting(d: Database) {
  let n = 0;
  const sql = { all: (q: string, p?: unknown[]) => (n++, d.sql.all(q, p)), one: (q: string, p?: unknown[]) => (n++, d.sql.one(q, p)), run: (q: string, p?: unknown[]) => (n++, d.sql.run(q, p)) };
  return { sql: sql as Database['sql'], count: () => n };
}

beforeAll(async () => {
  t = await createTestDatabase('rh');
  db = await openDatabase({ url: t.url, poolMax: 4 });
  await db.migrate();
  await db.sql.run(`insert into organizations(id, name, settings) values ('o', 'Org', '{"twin":{"coalescing":true}}'::jsonb)`);
  await db.sql.run(`insert into grids(id, organization_id, name, is_online) values ('g', 'o', 'Grid', false)`);
  await db.sql.run(`insert into dcus(id, grid_id, external_reference, is_online) values ('d2', 'g', 'GW2', false), ('d1', 'g', 'GW1', true)`);
  await db.sql.run(`insert into meters(id, serial, communication_protocol, grid_id, organization_id, tariff_per_kwh, kwh_credit_available, is_on)
                    values ('m1', 'S1', 'CALIN_V2', 'g', 'o', 100, 12.5, true), ('m2', 'S2', 'CALIN_V2', null, null, null, null, null)`);
  await db.sql.run(`insert into issues(id, meter_id, grid_id, issue_type, status) values ('is1', 'm1', 'g', 'NO_CREDIT', 'OPEN'), ('is0', 'm1', 'g', 'NO_COMMUNICATION', 'CLOSED')`);
  await batchesRepo.create(db.sql, { id: 'b1', organizationId: 'o', type: 'READ_CREDIT', total: 1 });
  await interactionsRepo.insertMany(db.sql, [
    { id: 'i1', meterId: 'm1', type: 'READ_CREDIT', status: 'PROCESSING', params: { a: 1 }, batchExecutionId: 'b1', deadlineAt: '2026-12-02T07:00:00.000Z' },
    { id: 'i2', meterId: 'm1', type: 'TURN_OFF', status: 'QUEUED', params: {}, targetValue: { isOn: false } },
    { id: 'i0', meterId: 'm1', type: 'READ_POWER', status: 'SUCCESSFUL', params: {} },
  ]);
  await db.sql.run(`insert into cascade_outbox(interaction_id, meter_id, step, payload, status) values
                    ('i0', 'm1', 'emitEvent', '{}', 'PENDING'), ('i0', 'm1', 'followUps', '{"types":["READ_CREDIT"]}', 'PENDING'), ('i0', 'm1', 'analytics', '{}', 'DONE')`);
});
afterAll(async () => {
  await db?.close();
  await t?.drop();
});

describe('rehydrate of a meter in one statement', () => {
  it('returns the meter, its world, its open interactions in arrival order and its pending outbox rows', async () => {
    const c = counting(db);
    const r = (await rehydrateRepo.one(c.sql, 'm1'))!;
    expect(c.count()).toBe(1);
    expect(r.ctx.meter).toMatchObject({ id: 'm1', serial: 'S1', gridId: 'g', tariffPerKwh: 100, kwhCreditAvailable: 12.5, isOn: true, rowVersion: 1 });
    expect(r.ctx).toMatchObject({
      organizationId: 'o', organizationSettings: { twin: { coalescing: true } }, grid: { id: 'g', isOnline: false }, lastCommissioningStatus: null,
      dcus: [{ id: 'd1', externalReference: 'GW1', isOnline: true }, { id: 'd2', externalReference: 'GW2', isOnline: false }],
    });
    expect(r.ctx.openIssues.map((i) => [i.id, i.type, i.status])).toEqual([['is1', 'NO_CREDIT', 'OPEN']]);
    expect(r.open.map((i) => [i.id, i.status, i.batchExecutionIds])).toEqual([['i1', 'PROCESSING', ['b1']], ['i2', 'QUEUED', []]]);
    expect(r.open[0]).toMatchObject({ params: { a: 1 }, deadlineAt: '2026-12-02T07:00:00.000Z', meterId: 'm1', type: 'READ_CREDIT' });
    expect(r.open[1]).toMatchObject({ targetValue: { isOn: false }, resultValue: null, deadlineAt: null });
    expect(r.open[0]!.seq).toBeLessThan(r.open[1]!.seq);
    expect(r.pendingOutbox.map((o) => [o.interactionId, o.step, o.payload, o.attempts])).toEqual([['i0', 'emitEvent', {}, 0], ['i0', 'followUps', { types: ['READ_CREDIT'] }, 0]]);
  });

  it('answers many meters in the order asked, undefined for an unknown id, in one statement', async () => {
    const c = counting(db);
    const rs = await rehydrateRepo.many(c.sql, ['m2', 'nope', 'm1']);
    expect(c.count()).toBe(1);
    expect(rs.map((r) => r?.ctx.meter.id)).toEqual(['m2', undefined, 'm1']);
    expect(rs[0]).toMatchObject({ ctx: { grid: null, dcus: [], openIssues: [], organizationId: null, organizationSettings: {} }, open: [], pendingOutbox: [] });
  });

  it('the meter context alone is the same statement', async () => {
    expect(await registryRepo.loadMeterContext(db.sql, 'm1')).toEqual((await rehydrateRepo.one(db.sql, 'm1'))!.ctx);
    expect(await registryRepo.loadMeterContext(db.sql, 'nope')).toBeUndefined();
  });

  it('meters of one organization and grid share one frozen copy of its settings and DCUs (heap per hot actor)', async () => {
    await db.sql.run(`insert into meters(id, serial, communication_protocol, grid_id, organization_id) values ('m3', 'S3', 'CALIN_V2', 'g', 'o') on conflict do nothing`);
    const [a, b] = await rehydrateRepo.many(db.sql, ['m1', 'm3']);
    expect(a!.ctx.organizationSettings).toBe(b!.ctx.organizationSettings);
    expect(a!.ctx.dcus).toBe(b!.ctx.dcus);
    expect(a!.ctx.meter.protocol).toBe(b!.ctx.meter.protocol);
    expect(Object.isFrozen(a!.ctx.organizationSettings) && Object.isFrozen(a!.ctx.organizationSettings.twin) && Object.isFrozen(a!.ctx.dcus[0])).toBe(true);
    expect(() => { (a!.ctx.dcus as unknown[]).push({}); }).toThrow(TypeError);
  });
});
