import { runMain } from './report';
/** Diagnostic: heap held by 10,000 rehydrated meter contexts alone (no actors), to split bench:interactions' heap per actor. */
import { openDatabase, rehydrateRepo } from '../../persistence';
import { createTestDatabase } from '../../test/helpers/db';
const gc = (globalThis as { gc?: () => void }).gc!;
async function settle() { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); } }
async function main() {
  const t = await createTestDatabase('sh');
  const db = await openDatabase({ url: t.url });
  await db.migrate();
  await db.sql.run(`insert into organizations(id, name) values ('o', 'Org')`);
  await db.sql.run(`insert into grids(id, organization_id, name) values ('g', 'o', 'Grid')`);
  await db.sql.run(`insert into dcus(id, grid_id, external_reference) values ('d1', 'g', 'GW1'), ('d2', 'g', 'GW2')`);
  await db.sql.run(`insert into meters(id, serial, communication_protocol, grid_id, dcu_id, tariff_per_kwh, last_seen_at, is_on, kwh_credit_available, power_limit) select 'm' || i, 'S' || i, 'CALIN_V2', 'g', 'd1', 100, now(), true, 12.5, 1000 from generate_series(0, 9999) i`);
  await settle();
  const before = process.memoryUsage().heapUsed;
  const keep = [];
  for (let i = 0; i < 10000; i++) {
    const r = (await rehydrateRepo.one(db.sql, `m${i}`))!;
    keep.push({ ctx: r.ctx, queue: r.open });
  }
  await settle();
  console.log('meter state bytes', ((process.memoryUsage().heapUsed - before) / keep.length).toFixed(0));
  console.log(JSON.stringify(keep[0]).length, 'chars of JSON per state');
  await db.close(); await t.drop();
}
runMain(main);
