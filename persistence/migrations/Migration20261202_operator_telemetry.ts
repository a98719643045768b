import { Migration } from '@mikro-orm/migrations';

/**
 * Telemetry history the operator looks back on. Samples are written by triggers, so the interaction hot path
 * gains no statement and no round trip: a meter sample whenever a read or a relay change is committed (its
 * `*_updated_at` moves), a plant sample whenever a poll writes the day's snapshot. On TimescaleDB both tables
 * become hypertables; continuous aggregates are not made here, because migrations run in a transaction and
 * TimescaleDB refuses to create one inside it.
 */
export class Migration20261202_operator_telemetry extends Migration {
  override async up(): Promise<void> {
    const timescale = (await this.execute(`select 1 as ok from pg_extension where extname = 'timescaledb'`)).length > 0;
    this.addSql(`
create table meter_samples (
  meter_id text not null,
  at timestamptz not null,
  kwh_credit numeric(14,3),
  is_on boolean,
  power_limit integer
);
create index meter_samples_meter_at_idx on meter_samples(meter_id, at desc);
create table plant_samples (
  plant_id text not null,
  at timestamptz not null,
  power_w numeric(14,1),
  today_energy_kwh numeric(14,3)
);
create index plant_samples_plant_at_idx on plant_samples(plant_id, at desc);

create or replace function gridtwin_meter_sample() returns trigger language plpgsql as $fn$
begin
  insert into meter_samples(meter_id, at, kwh_credit, is_on, power_limit)
  values (new.id, now(), new.kwh_credit_available, new.is_on, new.power_limit);
  return null;
end
$fn$;
create trigger meters_sample after update of kwh_credit_available_updated_at, is_on_updated_at on meters
  for each row when (new.kwh_credit_available_updated_at is distinct from old.kwh_credit_available_updated_at
                  or new.is_on_updated_at is distinct from old.is_on_updated_at)
  execute function gridtwin_meter_sample();

create or replace function gridtwin_plant_sample() returns trigger language plpgsql as $fn$
begin
  if new.source = 'POLL' then
    insert into plant_samples(plant_id, at, power_w, today_energy_kwh)
    values (new.plant_id, coalesce(new.last_seen_at, now()), new.current_power_w, new.today_energy_kwh);
  end if;
  return null;
end
$fn$;
create trigger metric_snapshots_sample after insert or update on metric_snapshots
  for each row execute function gridtwin_plant_sample();

create index meter_interactions_updated_idx on meter_interactions(updated_at);
create index poll_logs_started_idx on poll_logs(started_at);
`);
    if (timescale) {
      this.addSql(`select create_hypertable('meter_samples', 'at', chunk_time_interval => interval '7 days', if_not_exists => true);`);
      this.addSql(`select create_hypertable('plant_samples', 'at', chunk_time_interval => interval '7 days', if_not_exists => true);`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`
drop trigger if exists meters_sample on meters;
drop trigger if exists metric_snapshots_sample on metric_snapshots;
drop function if exists gridtwin_meter_sample(), gridtwin_plant_sample();
drop table if exists meter_samples, plant_samples;
drop index if exists meter_interactions_updated_idx, poll_logs_started_idx;`);
  }
}
