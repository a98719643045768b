import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionsRepo, openDatabase, type Database, type OutcomeCommit } from '../../../persistence';
import { createTestDatabase } from '../../helpers/db';

let t: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;

beforeAll(async () => {
  t = await createTestDatabase('gc');
  db = await openDatabase({ url: t.url, poolMax: 4 });
  await db.migrate();
  await db.sql.run(`insert into organizations(id, name) values ('o', 'Org')`);
  await db.sql.run(`insert into grids(id, organization_id, name) values ('g', 'o', 'Grid')`);
  await db.sql.run(`insert into meters(id, serial, communication_protocol, grid_id, organization_id) select 'm' || i, 'S' || i, 'CALIN_V2', 'g', 'o' from generate_series(1, 3) i`);
  await interactionsRepo.insertMany(db.sql, [1, 2, 3].map((i) => ({ id: `i${i}`, meterId: `m${i}`, type: 'READ_CREDIT' as const, status: 'PROCESSING' as const, params: {} })));
});
afterAll(async () => {
  await db?.close();
  await t?.drop();
});

const outcome = (i: number, rv: number, patch: Record<string, unknown> = {}): OutcomeCommit => ({
  interactionId: `i${i}`, fromStatuses: ['PROCESSING'], status: 'SUCCESSFUL', resultValue: { kwhCredit: i }, failureReason: null,
  meterId: `m${i}`, meterRowVersion: rv, meterPatch: patch, closeIssueIds: [], outbox: [{ step: 'followUps', payload: { types: ['READ_CREDIT'] } }, { step: 'emitEvent' }],
});

describe('group commit of outcomes', () => {
  it('commits many meters in one statement; a row whose fence fails changes nothing and fails alone', async () => {
    const at = new Date().toISOString();
    const written = await interactionsRepo.commitOutcomes(db.sql, [
      outcome(1, 1, { kwhCreditAvailable: 1.5, isOn: false, lastSeenAt: at, desired: { relay: 'off' }, connectionMetrics: null }),
      outcome(2, 9),
      outcome(3, 1, { version: 'V3', powerLimit: 800 }),
    ]);
    expect(written.map((w) => ('conflict' in w ? 'conflict' : w.meterRowVersion))).toEqual([2, 'conflict', 2]);
    expect((written[0] as { outbox: Array<{ step: string }> }).outbox.map((o) => o.step)).toEqual(['followUps', 'emitEvent']);
    const meters = await db.sql.all<Record<string, unknown>>(`select id, is_on, kwh_credit_available, version, power_limit, desired, row_version, last_seen_at from meters order by id`);
    expect(meters.map((m) => [m.id, m.is_on, m.kwh_credit_available, m.version, m.power_limit, m.desired, m.row_version])).toEqual([
      ['m1', false, '1.500', null, null, { relay: 'off' }, 2], ['m2', null, null, null, null, {}, 1], ['m3', null, null, 'V3', 800, {}, 2],
    ]);
    expect(new Date(meters[0]!.last_seen_at as string).toISOString()).toBe(at);
    const statuses = await db.sql.all<{ id: string; status: string; successful_at: unknown }>(`select id, status, successful_at from meter_interactions order by id`);
    expect(statuses.map((s) => [s.id, s.status, s.successful_at !== null])).toEqual([['i1', 'SUCCESSFUL', true], ['i2', 'PROCESSING', false], ['i3', 'SUCCESSFUL', true]]);
    expect((await db.sql.all(`select interaction_id from cascade_outbox where interaction_id = 'i2'`))).toEqual([]);
  });
});
