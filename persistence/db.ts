import { MikroORM, type EntityManager } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { PGliteDriver } from 'mikro-orm-pglite';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { ErrorCode, GridtwinError } from '../core/errors';
import { allEntities } from './entities';
import { migrationsList } from './migrations';

type Row = Record<string, unknown>;

/** Parameterised SQL (`?` placeholders) inside or outside a transaction. Only persistence/ uses it. */
export interface Sql {
  all<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  one<T = Row>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** Returns the number of affected rows. */
  run(sql: string, params?: unknown[]): Promise<number>;
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly orm: MikroORM;
  em(): EntityManager;
  sql: Sql;
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  migrate(): Promise<string[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… for a server; omitted → embedded PGlite in `pgliteDir` (`memory://` for none). */
  url?: string;
  pgliteDir?: string;
  poolMax?: number;
  debug?: boolean;
  /** PostgreSQL settings every connection starts with (`-c key=value`), e.g. the cluster fence's node id. */
  sessionSettings?: Record<string, string>;
}

function wrapSql(em: EntityManager): Sql {
  const conn = () => (em as unknown as { getConnection(): { execute: (q: string, p: unknown[], m: string, ctx?: unknown) => Promise<unknown> } }).getConnection();
  const ctx = () => em.getTransactionContext();
  return {
    all: async <T>(q: string, p: unknown[] = []) => (await conn().execute(q, p, 'all', ctx())) as T[],
    one: async <T>(q: string, p: unknown[] = []) => (await conn().execute(q, p, 'get', ctx())) as T | undefined,
    run: async (q: string, p: unknown[] = []) => ((await conn().execute(q, p, 'run', ctx())) as { affectedRows: number }).affectedRows,
  };
}

/** `?` placeholders → `$n` (PostgreSQL's), cached per statement text. */
const converted = new Map<string, string>();
function toPg(q: string): string {
  let c = converted.get(q);
  if (c === undefined) {
    let i = 0;
    c = q.replace(/\?/g, () => `$${++i}`);
    if (converted.size < 10_000) converted.set(q, c);
  }
  return c;
}

type Queryable = { query: (text: string, values?: unknown[]) => Promise<pg.QueryResult> };

/**
 * The hot path talks to PostgreSQL through node-postgres directly: the ORM's query builder costs ~0.4 ms
 * of CPU per raw statement (measured with --cpu-prof in bench:interactions), node-postgres a fraction.
 */
function pgSql(q: Queryable): Sql {
  // Named (prepared) statements: PostgreSQL plans each statement once per connection instead of per call;
  // planning the cascade's statement was a large share of the database's CPU per interaction.
  const run = (text: string, values: unknown[]) => {
    const c = prepared(text);
    const cfg = c.name ? { name: c.name, text: c.text, values } : { text: c.text, values };
    return (q as unknown as { query: (cfg: { name?: string; text: string; values: unknown[] }) => Promise<pg.QueryResult> }).query(cfg);
  };
  return {
    all: async <T>(text: string, p: unknown[] = []) => (await run(text, p)).rows as T[],
    one: async <T>(text: string, p: unknown[] = []) => (await run(text, p)).rows[0] as T | undefined,
    run: async (text: string, p: unknown[] = []) => (await run(text, p)).rowCount ?? 0,
  };
}

const preparedNames = new Map<string, { name: string; text: string }>();
function prepared(text: string): { name: string; text: string } {
  const p = preparedNames.get(text);
  if (p) return p;
  // Past the cap, statements run unnamed (unplanned-ahead) rather than reuse a name.
  if (preparedNames.size >= 5_000) return { name: '', text: toPg(text) };
  const made = { name: `gt${preparedNames.size}`, text: toPg(text) };
  preparedNames.set(text, made);
  return made;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const common = {
    entities: allEntities,
    discovery: { warnWhenNoEntities: false },
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    extensions: [Migrator],
    allowGlobalContext: false,
    debug: opts.debug ?? false,
  };
  const settings = Object.entries(opts.sessionSettings ?? {}).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  let orm: MikroORM;
  let kind: Database['kind'];
  try {
    if (opts.url) {
      kind = 'postgres';
      orm = await MikroORM.init({
        ...common, driver: PostgreSqlDriver, clientUrl: opts.url, pool: { min: 0, max: opts.poolMax ?? 10 },
        ...(settings ? { driverOptions: { connection: { options: settings } } } : {}),
      });
    } else {
      kind = 'pglite';
      const dir = opts.pgliteDir ?? 'memory://';
      const { PGlite } = await import('@electric-sql/pglite');
      if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
      const pglite = new PGlite(dir);
      orm = await MikroORM.init({
        ...common,
        driver: PGliteDriver,
        dbName: 'postgres',
        driverOptions: { connection: { pglite: () => pglite } },
      } as Parameters<typeof MikroORM.init>[0]);
      const close = orm.close.bind(orm);
      orm.close = async (force?: boolean) => {
        await close(force);
        await pglite.close();
      };
    }
  } catch (e) {
    throw new GridtwinError(ErrorCode.UNAVAILABLE, `cannot open the database (${opts.url ? 'postgres' : 'pglite'})`, { cause: e });
  }
  const root = orm.em;
  const pool = opts.url ? new pg.Pool({ connectionString: opts.url, max: opts.poolMax ?? 10, ...(settings ? { options: settings } : {}) }) : null;
  pool?.on('error', () => undefined); // idle client errors surface on the next query instead
  const sql = pool ? pgSql(pool) : wrapSql(root.fork());
  const tx = pool
    ? async <T>(fn: (sql: Sql) => Promise<T>): Promise<T> => {
        const client = await pool.connect();
        try {
          await client.query('begin');
          const r = await fn(pgSql(client));
          await client.query('commit');
          return r;
        } catch (e) {
          await client.query('rollback').catch(() => undefined);
          throw e;
        } finally {
          client.release();
        }
      }
    : <T>(fn: (sql: Sql) => Promise<T>) => root.fork().transactional((em) => fn(wrapSql(em)));
  return {
    kind,
    orm,
    em: () => root.fork(),
    sql,
    tx,
    migrate: async () => (await orm.getMigrator().up()).map((m) => m.name),
    ping: async () => {
      try {
        await sql.one('select 1 as ok');
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await pool?.end();
      await orm.close(true);
    },
  };
}
