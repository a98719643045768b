import type { Sql } from '../db';
import { isoOrNull as iso, utcDate } from '../../core/time';

/** How often an Emlite syncer runs (meter_metrics.run_frequency). */
export type RunFrequency = 'hourly' | '12hourly' | 'daily';
/** A meter's health after its last sync (meter_shadows.health). */
export type MeterHealth = 'healthy' | 'unhealthy' | 'unknown';

export type Element = 'A' | 'B';

/** A meter's Emlite shadow as the sync handler sees it (Wh registers, ISO times). */
export interface ShadowRow {
  meterId: string;
  importA: number | null;
  importB: number | null;
  exportA: number | null;
  exportB: number | null;
  /** When the registers above were read (the baseline of the next interval pair). */
  readsAt: string | null;
  balance: number | null;
  csq: number | null;
  networkOperator: number | null;
  tariffsActive: unknown;
  tariffsFuture: unknown;
  hardware: string | null;
  firmware: string | null;
  clockDiffSeconds: number | null;
  voltage: number | null;
  /** Three-phase meters only; optional so callers that build an empty row need not name them. */
  voltageL1?: number | null;
  voltageL2?: number | null;
  voltageL3?: number | null;
  /** The serial the meter itself reports (SyncerSerial). */
  serialReported?: string | null;
  lastEventAt: string | null;
  health: MeterHealth;
  healthDetails: string;
  updatedAt: string;
  syncedAt: string | null;
}

/** Shadow columns a sync may set (camelCase → column). One table, one place. */
export const SHADOW_COLUMNS = {
  importA: 'import_a', importB: 'import_b', exportA: 'export_a', exportB: 'export_b', readsAt: 'reads_at',
  balance: 'balance', csq: 'csq', networkOperator: 'network_operator', tariffsActive: 'tariffs_active',
  tariffsFuture: 'tariffs_future', hardware: 'hardware', firmware: 'firmware', clockDiffSeconds: 'clock_diff_seconds',
  voltage: 'voltage', voltageL1: 'voltage_l1', voltageL2: 'voltage_l2', voltageL3: 'voltage_l3', serialReported: 'serial_reported',
  lastEventAt: 'last_event_at',
} as const;
export type ShadowField = keyof typeof SHADOW_COLUMNS;
export type ShadowValues = Partial<Record<ShadowField, unknown>>;
const JSON_FIELDS = new Set<ShadowField>(['tariffsActive', 'tariffsFuture']);

/** What the sync handler needs about a meter, read fresh at the start of its turn. */
export interface SyncTarget {
  meterId: string;
  serial: string;
  protocol: string;
  mode: 'active' | 'passive' | 'virtual';
  esco: string | null;
  mediatorAddress: string | null;
  shadow: ShadowRow | null;
  registers: Partial<Record<Element, string>>;
}

export interface RegisterReadRow { element: Element; read: number; timestamp: string }
export interface IntervalWrite { element: Element; start: string; importWh: number; exportWh: number; flags: string[] }
export interface EventWrite { timestamp: string; eventId: number; eventSet: number }

/** One successful sync: shadow values and the history it appends, written in one transaction. */
export interface SyncCommit {
  meterId: string;
  at: string;
  shadow: ShadowValues;
  registers: Partial<Record<Element, string>>;
  imports: RegisterReadRow[];
  exports: RegisterReadRow[];
  intervals: IntervalWrite[];
  events: EventWrite[];
}

export interface MeterMetricRow { name: string; enabled: boolean; runFrequency: RunFrequency }

const num = (v: unknown): number | null => (v == null ? null : Number(v));
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v ?? null);

function toShadowRow(r: Record<string, unknown>): ShadowRow {
  return {
    meterId: String(r.meter_id),
    importA: num(r.import_a), importB: num(r.import_b), exportA: num(r.export_a), exportB: num(r.export_b),
    readsAt: iso(r.reads_at), balance: num(r.balance), csq: num(r.csq), networkOperator: num(r.network_operator),
    tariffsActive: json(r.tariffs_active), tariffsFuture: json(r.tariffs_future),
    hardware: (r.hardware as string | null) ?? null, firmware: (r.firmware as string | null) ?? null,
    clockDiffSeconds: num(r.clock_diff_seconds), voltage: num(r.voltage), lastEventAt: iso(r.last_event_at),
    voltageL1: num(r.voltage_l1), voltageL2: num(r.voltage_l2), voltageL3: num(r.voltage_l3),
    serialReported: (r.serial_reported as string | null) ?? null,
    health: r.health as MeterHealth, healthDetails: String(r.health_details ?? ''),
    updatedAt: iso(r.updated_at)!, syncedAt: iso(r.synced_at),
  };
}

/** `?, ?, ?` groups for a multi-row VALUES list. */
const tuples = (rows: number, width: number, casts: string[] = []) =>
  Array.from({ length: rows }, () => `(${Array.from({ length: width }, (_, i) => `?${casts[i] ?? ''}`).join(', ')})`).join(', ');

/** A PostgreSQL array literal for text values without quotes or commas (interval flags). */
const textArray = (values: readonly string[]) => `{${values.join(',')}}`;

export const emliteRepo = {
  async listMetrics(sql: Sql): Promise<MeterMetricRow[]> {
    const rows = await sql.all<{ name: string; enabled: boolean; run_frequency: RunFrequency }>(`select name, enabled, run_frequency from meter_metrics order by name`);
    return rows.map((r) => ({ name: r.name, enabled: r.enabled, runFrequency: r.run_frequency }));
  },

  /** Names of the enabled syncers, of one frequency or of all. */
  async enabledSyncers(sql: Sql, frequency?: RunFrequency): Promise<string[]> {
    const rows = frequency
      ? await sql.all<{ name: string }>(`select name from meter_metrics where enabled and run_frequency = ? order by name`, [frequency])
      : await sql.all<{ name: string }>(`select name from meter_metrics where enabled order by name`);
    return rows.map((r) => r.name);
  },

  async setMetric(sql: Sql, m: MeterMetricRow): Promise<void> {
    await sql.run(
      `insert into meter_metrics(name, enabled, run_frequency) values (?, ?, ?)
       on conflict (name) do update set enabled = excluded.enabled, run_frequency = excluded.run_frequency, updated_at = now()`,
      [m.name, m.enabled, m.runFrequency],
    );
  },

  async syncTarget(sql: Sql, meterId: string): Promise<SyncTarget | undefined> {
    const r = await sql.one<Record<string, unknown>>(
      `select m.id, m.serial, m.communication_protocol, m.mode, m.esco, m.mediator_address, s.*,
              (select register_id::text from meter_registers where meter_id = m.id and element = 'A') as register_a,
              (select register_id::text from meter_registers where meter_id = m.id and element = 'B') as register_b
         from meters m left join meter_shadows s on s.meter_id = m.id
        where m.id = ?`,
      [meterId],
    );
    if (!r) return undefined;
    const registers: Partial<Record<Element, string>> = {};
    if (r.register_a) registers.A = String(r.register_a);
    if (r.register_b) registers.B = String(r.register_b);
    return {
      meterId: String(r.id), serial: String(r.serial), protocol: String(r.communication_protocol),
      mode: r.mode as SyncTarget['mode'], esco: (r.esco as string | null) ?? null, mediatorAddress: (r.mediator_address as string | null) ?? null,
      shadow: r.meter_id ? toShadowRow(r) : null,
      registers,
    };
  },

  async shadow(sql: Sql, meterId: string): Promise<ShadowRow | undefined> {
    const r = await sql.one<Record<string, unknown>>(`select * from meter_shadows where meter_id = ?`, [meterId]);
    return r ? toShadowRow(r) : undefined;
  },

  /**
   * Writes one successful sync as ONE statement (so one transaction, one round trip): the shadow (healthy),
   * the meter's A/B registers when missing, the register reads that changed, the half-hour intervals
   * (added to what earlier pairs gave the same half-hour) and new events.
   */
  async commitSync(sql: Sql, c: SyncCommit): Promise<void> {
    const fields = (Object.keys(c.shadow) as ShadowField[]).filter((f) => Object.hasOwn(SHADOW_COLUMNS, f));
    const cols = [...fields.map((f) => SHADOW_COLUMNS[f]), 'health', 'health_details', 'updated_at', 'synced_at'];
    const params: unknown[] = [];
    const ctes: string[] = [];
    const known = Boolean(c.registers.A && c.registers.B);
    const needsRegisters = c.imports.length + c.exports.length + c.intervals.length > 0;
    if (needsRegisters && known) {
      ctes.push(`regs(element, register_id) as (values ('A', ?::uuid), ('B', ?::uuid))`);
      params.push(c.registers.A, c.registers.B);
    } else if (needsRegisters) {
      ctes.push(`made as (insert into meter_registers(meter_id, element) values (?, 'A'), (?, 'B') on conflict (meter_id, element) do nothing returning element, register_id)`);
      ctes.push(`regs as (select element, register_id from made union all select element, register_id from meter_registers where meter_id = ?)`);
      params.push(c.meterId, c.meterId, c.meterId);
    }
    const values = fields.map((f) => (JSON_FIELDS.has(f) ? '?::jsonb' : '?'));
    ctes.push(`shadow as (insert into meter_shadows(meter_id, ${cols.join(', ')}) values (?, ${[...values, `'healthy'`, `''`, '?::timestamptz', '?::timestamptz'].join(', ')})
      on conflict (meter_id) do update set ${cols.map((col) => `${col} = excluded.${col}`).join(', ')} returning 1)`);
    params.push(c.meterId, ...fields.map((f) => (JSON_FIELDS.has(f) ? JSON.stringify(c.shadow[f]) : c.shadow[f])), c.at, c.at);
    for (const [name, table, rows] of [['imp', 'register_import', c.imports], ['exp', 'register_export', c.exports]] as const) {
      if (!rows.length) continue;
      ctes.push(`${name} as (insert into ${table}(register_id, read, timestamp)
        select r.register_id, v.read, v.ts from (values ${tuples(rows.length, 3, ['::text', '::bigint', '::timestamptz'])}) v(element, read, ts) join regs r using (element)
        on conflict (register_id, timestamp) do nothing returning 1)`);
      params.push(...rows.flatMap((r) => [r.element, r.read, r.timestamp]));
    }
    if (c.intervals.length) {
      ctes.push(`iv as (insert into register_interval_hh(register_id, timestamp, import_interval, export_interval, flags)
        select r.register_id, v.ts, v.imp, v.exp, v.flags from (values ${tuples(c.intervals.length, 5, ['::text', '::timestamptz', '::bigint', '::bigint', '::text[]'])}) v(element, ts, imp, exp, flags)
          join regs r using (element)
        on conflict (register_id, timestamp) do update set
          import_interval = register_interval_hh.import_interval + excluded.import_interval,
          export_interval = register_interval_hh.export_interval + excluded.export_interval,
          flags = array(select distinct f from unnest(register_interval_hh.flags || excluded.flags) f order by f)
        returning 1)`);
      params.push(...c.intervals.flatMap((i) => [i.element, i.start, i.importWh, i.exportWh, textArray(i.flags)]));
    }
    if (c.events.length) {
      ctes.push(`ev as (insert into meter_event_log(meter_id, timestamp, event_id, event_set) values ${tuples(c.events.length, 4, ['', '::timestamptz'])}
        on conflict do nothing returning 1)`);
      params.push(...c.events.flatMap((e) => [c.meterId, e.timestamp, e.eventId, e.eventSet]));
    }
    await sql.one(`with ${ctes.join(',\n')} select 1 as ok`, params);
  },

  /** A failed sync: unhealthy with the reason; the signal quality is no longer known. */
  async markUnhealthy(sql: Sql, meterId: string, details: string, at: string): Promise<void> {
    await sql.run(
      `insert into meter_shadows(meter_id, health, health_details, csq, updated_at) values (?, 'unhealthy', ?, null, ?)
       on conflict (meter_id) do update set health = 'unhealthy', health_details = excluded.health_details, csq = null, updated_at = excluded.updated_at`,
      [meterId, details, at],
    );
  },

  /** The ESCO's meters a sweep syncs: active EMLITE meters (passive and virtual ones never). */
  async activeEmliteMeters(sql: Sql, esco: string): Promise<Array<{ id: string; mediatorAddress: string | null }>> {
    const rows = await sql.all<{ id: string; mediator_address: string | null }>(
      `select id, mediator_address from meters where esco = ? and mode = 'active' and communication_protocol = 'EMLITE' order by id`,
      [esco],
    );
    return rows.map((r) => ({ id: r.id, mediatorAddress: r.mediator_address }));
  },

  async escosWithActiveEmlite(sql: Sql): Promise<string[]> {
    const rows = await sql.all<{ esco: string }>(
      `select distinct esco from meters where esco is not null and mode = 'active' and communication_protocol = 'EMLITE' order by esco`,
    );
    return rows.map((r) => r.esco);
  },

  async hasEmliteMeters(sql: Sql): Promise<boolean> {
    return Boolean(await sql.one(`select 1 as ok from meters where communication_protocol = 'EMLITE' limit 1`));
  },

  /** Monthly partitions of the time-series tables from this month on (no-op on hypertables). */
  async ensurePartitions(sql: Sql, now: Date, monthsAhead = 3): Promise<number> {
    let made = 0;
    for (const table of ['register_import', 'register_export', 'register_interval_hh']) {
      const r = await sql.one<{ n: number }>(`select gridtwin_ensure_month_partitions(?::regclass, ?::date, ?) as n`, [table, utcDate(now), monthsAhead + 1]);
      made += Number(r?.n ?? 0);
    }
    return made;
  },
};
