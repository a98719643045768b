import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_CHANNEL, parseChange } from '../../actors/changeFeed';
import { openDatabase } from '../../persistence';
import { createWorld, eventually, type World } from '../helpers/world';
import { plainClient, type Plain } from './plain';

// Issue 13 item 1b: rows other services write directly reach the live meter actor; its own writes do not bounce back.
let w: World;
let c: Plain;
let other: pg.Client;
let heard: string[] = [];
let p: string;

beforeAll(async () => {
  w = await createWorld();
  await w.seed({ meters: 3 });
  for (let i = 0; i < 3; i++) w.fleet.addMeter(`m${i}`, `S${1000 + i}`, { kwhCredit: 4 });
  c = await plainClient();
  p = w.s.prefix;
  // Another service: its own connection, no gridtwin code. It also listens to see what the feed announces.
  other = new pg.Client({ connectionString: w.dbUrl });
  await other.connect();
  other.on('notification', (n) => heard.push(n.payload ?? ''));
  await other.query(`listen ${CHANGE_CHANNEL}`);
});
afterAll(async () => {
  await other?.end();
  await c?.close();
  await w?.stop();
});

const settle = (id: string) => eventually(async () => {
  const i = await c.data<{ status: string }>(`${p}.interaction.${id}.get`);
  return ['SUCCESSFUL', 'FAILED', 'ABORTED', 'EXPIRED', 'SUPERSEDED'].includes(i.status) ? i.status : undefined;
});
type MeterView = { meter: { powerLimitShouldBe: number | null }; openIssues: Array<{ id: string; type: string }> };

describe('change feed (PostgreSQL LISTEN/NOTIFY)', () => {
  it('an issue inserted by SQL while the actor is live is closed by the next qualifying success', async () => {
    await c.data(`${p}.meter.m0.get`); // the actor is live
    await other.query(`insert into issues(id, meter_id, grid_id, issue_type) values ('iss-sql-1', 'm0', 'g1', 'NO_CREDIT')`);
    await eventually(async () => (await c.data<MeterView>(`${p}.meter.m0.get`)).openIssues.some((i) => i.id === 'iss-sql-1'));
    const read = await c.data<{ id: string }>(`${p}.meter.m0.interactions.create`, { type: 'READ_CREDIT' });
    expect(await settle(read.id)).toBe('SUCCESSFUL');
    const row = (await other.query(`select status, closed_by_interaction_id from issues where id = 'iss-sql-1'`)).rows[0];
    expect(row).toEqual({ status: 'CLOSED', closed_by_interaction_id: read.id });
  });

  it('a meter row and a grid written by SQL reach the live actor', async () => {
    await c.data(`${p}.meter.m1.get`);
    await other.query(`update meters set power_limit_should_be = 2222 where id = 'm1'`);
    await eventually(async () => (await c.data<MeterView>(`${p}.meter.m1.get`)).meter.powerLimitShouldBe === 2222);
    // The grid goes down behind gridtwin's back: a new command waits (SUSPENDED) instead of being sent.
    await other.query(`update grids set is_online = false where id = 'g1'`);
    await eventually(async () => {
      const i = await c.data<{ id: string; status: string }>(`${p}.meter.m1.interactions.create`, { type: 'READ_VERSION', idempotencyKey: `probe-${Date.now()}` });
      return i.status === 'SUSPENDED' ? i : undefined;
    });
    await other.query(`update grids set is_online = true where id = 'g1'`);
  });

  it("the actor's own writes are not announced (no reload bounces back); other writers' are", async () => {
    heard = [];
    const read = await c.data<{ id: string }>(`${p}.meter.m2.interactions.create`, { type: 'READ_CREDIT' });
    expect(await settle(read.id)).toBe('SUCCESSFUL');
    await c.data(`${p}.meter.m2.issues.open`, { type: 'UNEXPECTED_METER_STATUS' });
    await other.query(`update meters set tariff_per_kwh = 99 where id = 'm1'`); // a marker written after the actor's writes
    await eventually(async () => heard.length > 0);
    expect(heard.map(parseChange)).toEqual([{ table: 'meters', meterId: 'm1' }]);
  });
});

describe('change feed on PGlite (standalone)', () => {
  it('delivers another writer\'s change in-process and not gridtwin\'s own', async () => {
    const db = await openDatabase({ pgliteDir: 'memory://' });
    try {
      await db.migrate();
      const got: string[] = [];
      const stop = await db.listen(CHANGE_CHANNEL, (x) => got.push(x));
      await db.sql.run(`insert into organizations(id, name) values ('o', 'O')`);
      await db.sql.run(`insert into grids(id, organization_id, name) values ('g', 'o', 'G')`); // gridtwin's own: not announced
      await db.tx(async (sql) => {
        await sql.run(`set local gridtwin.writer = 'billing'`); // another writer on the embedded engine
        await sql.run(`update grids set is_online = false where id = 'g'`);
      });
      await eventually(async () => got.length > 0);
      expect(got.map(parseChange)).toEqual([{ table: 'grids', gridId: 'g' }]);
      await stop();
    } finally {
      await db.close();
    }
  }, 240_000); // opening PGlite (WASM) alone takes ~40 s on the loaded CI machine
});
