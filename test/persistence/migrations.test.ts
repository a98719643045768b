import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../persistence';
import { migrationsList } from '../../persistence/migrations';
import { createTestDatabase } from '../helpers/db';

/**
 * MikroORM runs the checked-in migrations and drives PGlite; it maps no entity (every query is SQL in
 * persistence/repositories). Both engines migrate to the same schema, and a second run applies nothing.
 */
let t: Awaited<ReturnType<typeof createTestDatabase>>;
let pg: Database;
let lite: Database;

const schemaOf = async (db: Database) =>
  (await db.sql.all<{ c: string }>(
    `select table_name || '.' || column_name || ' ' || data_type || case when is_nullable = 'NO' then ' not null' else '' end as c
       from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position`,
  )).map((r) => r.c);

beforeAll(async () => {
  t = await createTestDatabase('mig');
  pg = await openDatabase({ url: t.url, poolMax: 2 });
  lite = await openDatabase({ pgliteDir: 'memory://' });
}, 120_000);
afterAll(async () => {
  await pg?.close();
  await lite?.close();
  await t?.drop();
});

describe('migrations without entities', () => {
  it('PostgreSQL and PGlite apply every checked-in migration once, to the same schema', async () => {
    const names = migrationsList.map((m) => m.name);
    expect(await pg.migrate()).toEqual(names);
    expect(await lite.migrate()).toEqual(names);
    expect(await pg.migrate()).toEqual([]);
    const [a, b] = [await schemaOf(pg), await schemaOf(lite)];
    expect(a.length).toBeGreaterThan(150);
    expect(a).toContain('meter_shadows.health text not null');
    expect(b).toEqual(a);
  }, 120_000);

  it('MikroORM maps no entity', () => {
    expect(Object.keys(pg.orm.getMetadata().getAll())).toEqual([]);
  });
});
