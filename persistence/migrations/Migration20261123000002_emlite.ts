import { Migration } from '@mikro-orm/migrations';

/** Time-series tables written by Emlite sync, all keyed (register_id, timestamp) so nothing lands twice. */
const SERIES = ['register_import', 'register_export', 'register_interval_hh'] as const;

/** Monthly partitions made at migration time: this many months back and ahead of now (plus a default). */
const MONTHS_BACK = 12;
const MONTHS_AHEAD = 3;

/**
 * Emlite meter sync (seed 001): which syncers run how often (`meter_metrics`), the per-meter shadow,
 * register ids per element, register history and half-hourly intervals, the meter event log.
 *
 * Time series: hypertables with compression when the TimescaleDB extension is installable (the
 * docker-compose image); otherwise PostgreSQL declarative partitions by month with a default partition.
 */
export class Migration20261123000002_emlite extends Migration {
  override async up(): Promise<void> {
    const timescale = (await this.execute(`select 1 as ok from pg_available_extensions where name = 'timescaledb'`)).length > 0;
    this.addSql(`
create table meter_metrics (
  name text primary key,
  enabled boolean not null default true,
  run_frequency text not null check (run_frequency in ('hourly','12hourly','daily')),
  updated_at timestamptz not null default now()
);
insert into meter_metrics(name, enabled, run_frequency) values
  ('SyncerReads', true, 'hourly'),
  ('SyncerPrepayBalance', true, 'hourly'),
  ('SyncerCSQ', true, '12hourly'),
  ('SyncerEventLog', true, 'daily'),
  ('SyncerTariffsActive', false, 'daily'),
  ('SyncerTariffsFuture', false, 'daily'),
  ('SyncerHardware', false, 'daily'),
  ('SyncerFirmwareVersion', false, 'daily'),
  ('SyncerClockDiff', false, 'daily'),
  ('SyncerVoltage', false, 'daily');

create table meter_shadows (
  meter_id text primary key references meters(id) on delete cascade,
  import_a bigint,
  import_b bigint,
  export_a bigint,
  export_b bigint,
  reads_at timestamptz,
  balance numeric(14,5),
  csq integer,
  network_operator integer,
  tariffs_active jsonb,
  tariffs_future jsonb,
  hardware text,
  firmware text,
  clock_diff_seconds integer,
  voltage numeric(8,2),
  last_event_at timestamptz,
  health text not null default 'unknown' check (health in ('healthy','unhealthy','unknown')),
  health_details text not null default '',
  updated_at timestamptz not null default now(),
  synced_at timestamptz
);
create index meter_shadows_health_idx on meter_shadows(health);

create table meter_registers (
  register_id uuid primary key default gen_random_uuid(),
  meter_id text not null references meters(id) on delete cascade,
  element text not null check (element in ('A','B')),
  created_at timestamptz not null default now(),
  unique (meter_id, element)
);

create table meter_event_log (
  meter_id text not null references meters(id) on delete cascade,
  timestamp timestamptz not null,
  event_id integer not null,
  event_set integer not null,
  primary key (meter_id, timestamp, event_id, event_set)
);
`);
    const partitioned = timescale ? '' : ' partition by range (timestamp)';
    this.addSql(`
create table register_import (
  register_id uuid not null references meter_registers(register_id) on delete cascade,
  read bigint not null,
  timestamp timestamptz not null,
  primary key (register_id, timestamp)
)${partitioned};
create table register_export (
  register_id uuid not null references meter_registers(register_id) on delete cascade,
  read bigint not null,
  timestamp timestamptz not null,
  primary key (register_id, timestamp)
)${partitioned};
create table register_interval_hh (
  register_id uuid not null references meter_registers(register_id) on delete cascade,
  timestamp timestamptz not null,
  import_interval bigint not null default 0 check (import_interval >= 0),
  export_interval bigint not null default 0 check (export_interval >= 0),
  flags text[] not null default '{}',
  primary key (register_id, timestamp)
)${partitioned};

-- Monthly partitions [from_month, from_month + months). A month whose rows already sit in the default
-- partition is left there (creating it would fail); returns the partitions made. No-op on hypertables.
create or replace function gridtwin_ensure_month_partitions(parent regclass, from_month date, months integer) returns integer
language plpgsql as $fn$
declare
  m date := date_trunc('month', from_month)::date;
  part text;
  made integer := 0;
begin
  if (select relkind from pg_class where oid = parent) <> 'p' then return 0; end if;
  for i in 1 .. months loop
    part := format('%s_p%s', parent::text, to_char(m, 'YYYYMM'));
    if to_regclass(part) is null then
      begin
        execute format('create table %I partition of %s for values from (%L) to (%L)', part, parent,
          to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00', to_char((m + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+00');
        made := made + 1;
      exception when check_violation then
        raise notice 'month % of % stays in the default partition', to_char(m, 'YYYY-MM'), parent;
      end;
    end if;
    m := (m + interval '1 month')::date;
  end loop;
  return made;
end
$fn$;
`);
    for (const table of SERIES) {
      if (timescale) {
        this.addSql(`create extension if not exists timescaledb;`);
        this.addSql(`select create_hypertable('${table}', 'timestamp', chunk_time_interval => interval '7 days', if_not_exists => true);`);
        this.addSql(`alter table ${table} set (timescaledb.compress, timescaledb.compress_segmentby = 'register_id', timescaledb.compress_orderby = 'timestamp desc');`);
        this.addSql(`select add_compression_policy('${table}', interval '30 days', if_not_exists => true);`);
      } else {
        this.addSql(`create table ${table}_default partition of ${table} default;`);
        this.addSql(`select gridtwin_ensure_month_partitions('${table}', (now() - interval '${MONTHS_BACK} months')::date, ${MONTHS_BACK + MONTHS_AHEAD + 1});`);
      }
    }
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table if exists register_interval_hh, register_export, register_import cascade;
drop function if exists gridtwin_ensure_month_partitions(regclass, date, integer);
drop table if exists meter_event_log, meter_registers, meter_shadows, meter_metrics cascade;
`);
  }
}
