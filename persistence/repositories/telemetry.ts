import type { Sql } from '../db';
import { toIso as iso, utcDate } from '../../core/time';

/** The buckets history may be grouped by, as PostgreSQL intervals (a fixed table: never user text in SQL). */
export const BUCKETS = {
  '1m': '1 minute', '5m': '5 minutes', '15m': '15 minutes', '30m': '30 minutes',
  '1h': '1 hour', '6h': '6 hours', '1d': '1 day', '7d': '7 days',
} as const;
export type Bucket = keyof typeof BUCKETS;
export const BUCKET_SECONDS: Record<Bucket, number> = { '1m': 60, '5m': 300, '15m': 900, '30m': 1800, '1h': 3600, '6h': 21_600, '1d': 86_400, '7d': 604_800 };

export interface Range { from: string; to: string; bucket: Bucket }

/**
 * How a timestamp column is bucketed: TimescaleDB's `time_bucket` where the extension is installed, core
 * PostgreSQL's `date_bin` otherwise (PostgreSQL 14+, PGlite included). Detected once per database.
 */
export type Bucketer = (column: string) => string;

export async function detectBucketer(sql: Sql): Promise<{ timescale: boolean; bucket: Bucketer }> {
  const timescale = (await sql.all(`select 1 as ok from pg_extension where extname = 'timescaledb'`)).length > 0;
  return {
    timescale,
    bucket: timescale
      ? (c) => `time_bucket(?::interval, ${c})`
      : (c) => `date_bin(?::interval, ${c}, timestamptz '2000-01-01')`,
  };
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** History queries: every series is `[{t, …}]` ordered by bucket start, within [from, to). */
export function telemetryRepo(b: Bucketer) {
  const series = async (sql: Sql, q: string, params: unknown[], shape: (r: Row) => Record<string, unknown>) =>
    (await sql.all<Row>(q, params)).map((r) => ({ t: iso(r.t), ...shape(r) }));
  return {
    /** Credit (last, min, max) and relay (last) per bucket, from the samples each committed read or relay change left. */
    meterCredit(sql: Sql, meterId: string, r: Range) {
      return series(sql,
        `select ${b('at')} as t, (array_agg(kwh_credit order by at desc))[1] as credit, min(kwh_credit) as min, max(kwh_credit) as max,
                (array_agg(is_on order by at desc))[1] as is_on, count(*) as samples
           from meter_samples where meter_id = ? and at >= ? and at < ? group by 1 order by 1`,
        [BUCKETS[r.bucket], meterId, r.from, r.to],
        (x) => ({ credit: num(x.credit), min: num(x.min), max: num(x.max), on: x.is_on === null ? null : Boolean(x.is_on), samples: Number(x.samples) }));
    },
    /** Emlite cumulative register reads (Wh) per element: the last read in each bucket. */
    emliteReads(sql: Sql, meterId: string, r: Range) {
      return series(sql,
        `select ${b('x.timestamp')} as t, g.element, max(x.read) filter (where x.kind = 'import') as import_wh, max(x.read) filter (where x.kind = 'export') as export_wh
           from (select register_id, read, timestamp, 'import' as kind from register_import union all
                 select register_id, read, timestamp, 'export' from register_export) x
           join meter_registers g on g.register_id = x.register_id
          where g.meter_id = ? and x.timestamp >= ? and x.timestamp < ? group by 1, 2 order by 1, 2`,
        [BUCKETS[r.bucket], meterId, r.from, r.to],
        (x) => ({ element: String(x.element), importWh: num(x.import_wh), exportWh: num(x.export_wh) }));
    },
    /** Emlite half-hourly intervals summed per bucket (Wh), both elements together. */
    emliteIntervals(sql: Sql, meterId: string, r: Range) {
      return series(sql,
        `select ${b('h.timestamp')} as t, sum(h.import_interval) as import_wh, sum(h.export_interval) as export_wh, count(*) as intervals
           from register_interval_hh h join meter_registers g on g.register_id = h.register_id
          where g.meter_id = ? and h.timestamp >= ? and h.timestamp < ? group by 1 order by 1`,
        [BUCKETS[r.bucket], meterId, r.from, r.to],
        (x) => ({ importWh: num(x.import_wh), exportWh: num(x.export_wh), intervals: Number(x.intervals) }));
    },
    /** A plant's energy per local day (the day's last snapshot), from [from, to) as dates. */
    async plantEnergy(sql: Sql, plantId: string, from: string, to: string) {
      const rows = await sql.all<Row>(
        `select date, today_energy_kwh from metric_snapshots where plant_id = ? and date >= ?::date and date < ?::date order by date`,
        [plantId, from.slice(0, 10), to.slice(0, 10)]);
      return rows.map((x) => ({ date: x.date instanceof Date ? utcDate(x.date) : String(x.date).slice(0, 10), energyKwh: Number(x.today_energy_kwh) }));
    },
    /** A plant's power (W): mean and peak per bucket, from the samples each poll left. */
    plantPower(sql: Sql, plantId: string, r: Range) {
      return series(sql,
        `select ${b('at')} as t, avg(power_w) as avg, max(power_w) as max, count(*) as samples
           from plant_samples where plant_id = ? and at >= ? and at < ? group by 1 order by 1`,
        [BUCKETS[r.bucket], plantId, r.from, r.to],
        (x) => ({ avgW: num(x.avg), maxW: num(x.max), samples: Number(x.samples) }));
    },
    /** Poll duration (ms) per bucket with counts by outcome; one plant, an organization's or all. */
    pollLatency(sql: Sql, r: Range, f: { plantId?: string; organizationId?: string }) {
      const where = [f.plantId ? 'and l.plant_id = ?' : '', f.organizationId ? 'and p.organization_id = ?' : ''].join(' ');
      const params = [f.plantId, f.organizationId].filter((v) => v !== undefined);
      return series(sql,
        `select ${b('l.started_at')} as t, avg(duration_ms) as avg, max(duration_ms) as max,
                percentile_cont(0.95) within group (order by duration_ms) as p95,
                count(*) filter (where l.status = 'SUCCESS') as success, count(*) filter (where l.status = 'PARTIAL') as partial,
                count(*) filter (where l.status = 'FAILED') as failed, count(*) filter (where l.status = 'SKIPPED') as skipped
           from poll_logs l join plants p on p.id = l.plant_id where l.started_at >= ? and l.started_at < ? ${where} group by 1 order by 1`,
        [BUCKETS[r.bucket], r.from, r.to, ...params],
        (x) => ({ avgMs: num(x.avg), p95Ms: num(x.p95), maxMs: num(x.max), success: Number(x.success), partial: Number(x.partial), failed: Number(x.failed), skipped: Number(x.skipped) }));
    },
    /** Interactions that reached a final status per bucket, by status; narrowed to a meter, a grid or an organization. */
    interactionOutcomes(sql: Sql, r: Range, f: { meterId?: string; gridId?: string; organizationId?: string }) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (f.meterId) { where.push('i.meter_id = ?'); params.push(f.meterId); }
      if (f.gridId) { where.push('m.grid_id = ?'); params.push(f.gridId); }
      if (f.organizationId) { where.push('m.organization_id = ?'); params.push(f.organizationId); }
      return series(sql,
        `select ${b('i.updated_at')} as t,
                count(*) filter (where i.status = 'SUCCESSFUL') as successful, count(*) filter (where i.status = 'FAILED') as failed,
                count(*) filter (where i.status = 'ABORTED') as aborted, count(*) filter (where i.status in ('EXPIRED','SUPERSEDED')) as other
           from meter_interactions i join meters m on m.id = i.meter_id
          where i.updated_at >= ? and i.updated_at < ? and i.status in ('SUCCESSFUL','FAILED','ABORTED','EXPIRED','SUPERSEDED')
                ${where.map((w) => `and ${w}`).join(' ')}
          group by 1 order by 1`,
        [BUCKETS[r.bucket], r.from, r.to, ...params],
        (x) => ({ successful: Number(x.successful), failed: Number(x.failed), aborted: Number(x.aborted), other: Number(x.other) }));
    },
  };
}
export type TelemetryRepo = ReturnType<typeof telemetryRepo>;
