import { MikroORM, type EntityManager } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { PGliteDriver } from 'mikro-orm-pglite';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { detach } from '../core/detached';
import { ErrorCode, GridtwinError } from '../core/errors';
import { migrationsList } from './migrations';
import { mapped } from './errors';

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
  /**
   * LISTEN on a channel: `onNotify` gets each payload. On PostgreSQL a dedicated connection, re-opened after
   * a loss with `onReconnect` called (notifications sent while it was down are lost: the caller resyncs);
   * on PGlite the embedded engine's own listener. Resolves to a stop function.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
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
    all: (q: string, p: unknown[] = []) => mapped(async () => (await conn().execute(q, p, 'all', ctx())) as never[]),
    one: (q: string, p: unknown[] = []) => mapped(async () => (await conn().execute(q, p, 'get', ctx())) as never),
    run: (q: string, p: unknown[] = []) => mapped(async () => ((await conn().execute(q, p, 'run', ctx())) as { affectedRows: number }).affectedRows),
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
    all: (text: string, p: unknown[] = []) => mapped(async () => (await run(text, p)).rows as never[]),
    one: (text: string, p: unknown[] = []) => mapped(async () => (await run(text, p)).rows[0] as never),
    run: (text: string, p: unknown[] = []) => mapped(async () => (await run(text, p)).rowCount ?? 0),
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

/** The session setting the change feed's trigger reads (Migration20261202035000_origin_change_feed). */
export const WRITER_SETTING = 'gridtwin.writer';
const WRITER = 'gridtwin';

/**
 * LISTEN on a connection of its own, re-opened with backoff after an error or a loss (also when the first
 * attempt fails: the node starts while the database is down, and the feed follows once it is back).
 */
async function listenPg(url: string, channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new GridtwinError(ErrorCode.INTERNAL, `bad channel name ${channel}`);
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  const attempt = (backoffMs: number, isFirst: boolean): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    let retried = false;
    const retry = () => {
      if (retried || stopped) return;
      retried = true;
      client = null;
      timer = setTimeout(() => detach(attempt(Math.min(backoffMs * 2, 5_000), false), 'change feed: listen again'), backoffMs);
      timer.unref?.();
    };
    c.on('notification', (n) => { if (n.channel === channel && n.payload !== undefined) onNotify(n.payload); });
    c.on('error', () => { c.end().catch(() => undefined).finally(retry); });
    c.on('end', retry);
    return c.connect()
      .then(() => c.query(`listen ${channel}`))
      .then(() => {
        client = c;
        if (!isFirst) onReconnect?.();
      }, () => { c.end().catch(() => undefined).finally(retry); });
  };
  await attempt(250, true);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await (client as pg.Client | null)?.end().catch(() => undefined);
  };
}

/** Whether MikroORM's migration table lists every checked-in migration (names stored with or without an extension). */
async function appliedAll(sql: Sql): Promise<boolean> {
  const table = await sql.one<{ t: string | null }>(`select to_regclass('mikro_orm_migrations')::text as t`);
  if (!table?.t) return false;
  const applied = new Set((await sql.all<{ name: string }>(`select name from mikro_orm_migrations`)).map((r) => r.name.replace(/\.[jt]s$/, '')));
  return migrationsList.every((m) => applied.has(m.name));
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const common = {
    // No entities: every query is SQL in repositories/; MikroORM runs the migrations and drives PGlite.
    entities: [],
    discovery: { warnWhenNoEntities: false },
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    extensions: [Migrator],
    allowGlobalContext: false,
    debug: opts.debug ?? false,
  };
  // gridtwin's own writes are marked, so the change feed's trigger does not announce them back to the actors.
  const session = { ...opts.sessionSettings, [WRITER_SETTING]: WRITER };
  const settings = Object.entries(session).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  let embedded: import('@electric-sql/pglite').PGlite | null = null;
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
      embedded = pglite;
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
  // One embedded connection: the setting holds for the session (a test may override it per transaction).
  if (embedded) await embedded.exec(`set ${WRITER_SETTING} = '${WRITER}'`);
  const root = orm.em;
  const pool = opts.url ? new pg.Pool({ connectionString: opts.url, max: opts.poolMax ?? 10, ...(settings ? { options: settings } : {}) }) : null;
  pool?.on('error', () => undefined); // idle client errors surface on the next query instead
  const sql = pool ? pgSql(pool) : wrapSql(root.fork());
  const tx = pool
    ? async <T>(fn: (sql: Sql) => Promise<T>): Promise<T> => {
        const client = await mapped(() => pool.connect());
        let broken = false;
        try {
          await mapped(() => client.query('begin'));
          const r = await fn(pgSql(client));
          await mapped(() => client.query('commit'));
          return r;
        } catch (e) {
          // A connection lost mid-transaction is dropped from the pool, not handed to the next caller.
          broken = (e as GridtwinError).code === ErrorCode.UNAVAILABLE;
          if (!broken) await client.query('rollback').catch(() => undefined);
          throw e;
        } finally {
          client.release(broken);
        }
      }
    : <T>(fn: (sql: Sql) => Promise<T>) => mapped(() => root.fork().transactional((em) => fn(wrapSql(em))));
  return {
    kind,
    orm,
    em: () => root.fork(),
    sql,
    tx,
    // A warm start whose schema already has every checked-in migration skips the migrator (it costs ~1 s on PGlite).
    migrate: async () => ((await appliedAll(sql)) ? [] : (await orm.getMigrator().up()).map((m) => m.name)),
    ping: async () => {
      try {
        await sql.one('select 1 as ok');
        return true;
      } catch {
        return false;
      }
    },
    listen: (channel, onNotify, onReconnect) =>
      embedded ? embedded.listen(channel, onNotify) : listenPg(opts.url!, channel, onNotify, onReconnect),
    close: async () => {
      await pool?.end();
      await orm.close(true);
    },
  };
}
