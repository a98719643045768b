import { runMain } from './report';
import { openDatabase } from '../../persistence';
import { createTestDatabase } from '../../test/helpers/db';
async function main() {
  const t = await createTestDatabase('probe');
  const db = await openDatabase({ url: t.url, poolMax: 16 });
  await db.migrate();
  for (const [name, f] of [
    ['select 1', () => db.sql.one('select 1')],
    ['tx with 2 statements', () => db.tx(async (q) => { await q.one('select 1'); await q.one('select 2'); })],
  ] as const) {
    const n = 4000;
    const t0 = performance.now();
    let k = 0;
    await Promise.all(Array.from({ length: 64 }, async () => { while (k++ < n) await f(); }));
    console.log(name, (n / ((performance.now() - t0) / 1000)).toFixed(0), '/s');
  }
  await db.close(); await t.drop();
}
runMain(main);
