import { Migration } from '@mikro-orm/migrations';

/**
 * Solar plant monitoring (seed 002): vendor credentials (encrypted at rest), plants, daily metric
 * snapshots, alerts and poll logs.
 *
 * - metric_snapshots: one row per (plant, plant-local date).
 * - alerts: at most one open (NEW/ACKED) alert per dedupe key (plant, type, vendor alarm code, device SN);
 *   a partial unique index, so resolved alerts stay as history and a re-raised alarm opens a new alert.
 *   Code and SN are coalesced because NULLs never collide in a unique index.
 * - poll_logs: no foreign key to plants, so a poll of a plant deleted mid-poll still leaves its log.
 */
export class Migration20261123000003_solar extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table integration_credentials (
  id text primary key,
  organization_id text not null references organizations(id),
  brand text not null check (brand in ('SOLIS','HUAWEI','GOODWE','DEYE')),
  encrypted_credentials text not null,
  base_url text,
  last_tested_at timestamptz,
  row_version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index integration_credentials_org_idx on integration_credentials(organization_id);
create table plants (
  id text primary key,
  organization_id text not null references organizations(id),
  credential_id text not null references integration_credentials(id),
  brand text not null check (brand in ('SOLIS','HUAWEI','GOODWE','DEYE')),
  vendor_plant_id text not null,
  name text not null,
  timezone text not null default 'UTC',
  capacity_kwp numeric(12,3),
  integration_status text not null default 'ACTIVE' check (integration_status in ('ACTIVE','PAUSED','ERROR')),
  status text not null default 'GREY' check (status in ('GREEN','YELLOW','RED','GREY')),
  status_reason text,
  last_seen_at timestamptz,
  last_polled_at timestamptz,
  alarms_checked_at timestamptz,
  row_version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (credential_id, vendor_plant_id)
);
create index plants_active_idx on plants(integration_status, credential_id);
create index plants_org_idx on plants(organization_id);
create table metric_snapshots (
  plant_id text not null references plants(id) on delete cascade,
  date date not null,
  today_energy_kwh numeric(14,3) not null,
  current_power_w numeric(14,1),
  total_energy_kwh numeric(16,3),
  last_seen_at timestamptz,
  source text not null default 'POLL' check (source in ('POLL','BACKFILL')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (plant_id, date)
);
create table alerts (
  id text primary key,
  plant_id text not null references plants(id) on delete cascade,
  organization_id text not null,
  type text not null,
  vendor_alarm_code text,
  device_sn text,
  severity text not null check (severity in ('CRITICAL','MAJOR','MINOR','INFO')),
  message text not null,
  state text not null default 'NEW' check (state in ('NEW','ACKED','RESOLVED')),
  first_seen_at timestamptz not null,
  last_notified_at timestamptz,
  acked_at timestamptz,
  acked_by text,
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index alerts_open_dedupe_uq on alerts(plant_id, type, coalesce(vendor_alarm_code, ''), coalesce(device_sn, '')) where state <> 'RESOLVED';
create index alerts_org_state_idx on alerts(organization_id, state, first_seen_at desc);
create table poll_logs (
  id text primary key,
  plant_id text not null,
  trigger text not null default 'SCHEDULE' check (trigger in ('SCHEDULE','MANUAL')),
  started_at timestamptz not null,
  finished_at timestamptz not null,
  duration_ms integer not null,
  status text not null check (status in ('SUCCESS','PARTIAL','FAILED','SKIPPED')),
  vendor_calls integer not null default 0,
  error_code text,
  error_message text,
  created_at timestamptz not null default now()
);
create index poll_logs_plant_idx on poll_logs(plant_id, started_at desc);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists poll_logs, alerts, metric_snapshots, plants, integration_credentials cascade;`);
  }
}
