import { Migration } from '@mikro-orm/migrations';

/** Core schema: registry, meters, interactions, issues, commissionings, batches, cascade outbox. */
export class Migration20261123000001_core extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table organizations (
  id text primary key,
  name text not null,
  settings jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create table grids (
  id text primary key,
  organization_id text not null references organizations(id),
  name text not null,
  timezone text not null default 'UTC',
  is_online boolean not null default true,
  is_online_updated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index grids_organization_idx on grids(organization_id);
create table dcus (
  id text primary key,
  grid_id text not null references grids(id),
  external_reference text not null unique,
  kind text not null default 'DCU',
  is_online boolean not null default true,
  is_online_updated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index dcus_grid_idx on dcus(grid_id);
create table meters (
  id text primary key,
  serial text not null,
  external_reference text unique,
  communication_protocol text not null check (communication_protocol in ('CALIN_V1','CALIN_V2','CALIN_LORAWAN','EMLITE')),
  grid_id text references grids(id),
  dcu_id text references dcus(id),
  mode text not null default 'active' check (mode in ('active','passive','virtual')),
  esco text,
  mediator_address text,
  tariff_per_kwh numeric(14,4),
  is_on boolean,
  is_on_updated_at timestamptz,
  power_limit integer,
  power_limit_updated_at timestamptz,
  power_limit_should_be integer,
  power_limit_should_be_updated_at timestamptz,
  kwh_credit_available numeric(14,3),
  kwh_credit_available_updated_at timestamptz,
  balance_in_local_currency numeric(14,2),
  balance_in_local_currency_updated_at timestamptz,
  version text,
  version_updated_at timestamptz,
  last_seen_at timestamptz,
  connection_metrics jsonb,
  connection_metrics_updated_at timestamptz,
  last_commissioning_id text,
  last_encountered_issue_id text,
  desired jsonb not null default '{}'::jsonb,
  shadow_metadata jsonb not null default '{}'::jsonb,
  row_version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index meters_grid_idx on meters(grid_id);
create index meters_esco_mode_idx on meters(esco, mode);
create unique index meters_serial_protocol_uq on meters(serial, communication_protocol);
create table meter_commissionings (
  id text primary key,
  meter_id text not null references meters(id),
  status text not null default 'PENDING' check (status in ('PENDING','PROCESSING','SUCCESSFUL','FAILED')),
  steps jsonb not null default '[]'::jsonb,
  failure_reason text,
  row_version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index meter_commissionings_meter_idx on meter_commissionings(meter_id);
alter table meters add constraint meters_last_commissioning_fk foreign key (last_commissioning_id) references meter_commissionings(id);
create table batch_executions (
  id text primary key,
  organization_id text references organizations(id),
  interaction_type text not null,
  total_count integer not null default 0,
  pending_count integer not null default 0,
  processing_count integer not null default 0,
  successful_count integer not null default 0,
  failed_count integer not null default 0,
  aborted_count integer not null default 0,
  status text not null default 'PROCESSING' check (status in ('PROCESSING','SUCCESSFUL','FAILED','PARTIAL')),
  recounted_at timestamptz,
  row_version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create table meter_interactions (
  id text primary key,
  meter_id text not null references meters(id),
  interaction_type text not null,
  status text not null check (status in ('QUEUED','SUSPENDED','DEFERRED','PROCESSING','SUCCESSFUL','FAILED','ABORTED','SUPERSEDED','EXPIRED','VERIFYING')),
  params jsonb not null default '{}'::jsonb,
  target_value jsonb,
  result_value jsonb,
  failure_reason text,
  order_id text,
  batch_execution_id text references batch_executions(id),
  meter_commissioning_id text references meter_commissionings(id),
  idempotency_key text unique,
  request_hash text,
  skip_websocket_emission boolean not null default false,
  joined_count integer not null default 1,
  follow_up_of text,
  seq bigserial,
  expires_at timestamptz,
  deadline_at timestamptz,
  outcome jsonb,
  queued_at timestamptz,
  suspended_at timestamptz,
  deferred_at timestamptz,
  processing_at timestamptz,
  verifying_at timestamptz,
  successful_at timestamptz,
  failed_at timestamptz,
  aborted_at timestamptz,
  superseded_at timestamptz,
  expired_at timestamptz,
  row_version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index meter_interactions_meter_open_idx on meter_interactions(meter_id, seq) where status in ('QUEUED','SUSPENDED','DEFERRED','PROCESSING','VERIFYING');
create index meter_interactions_batch_idx on meter_interactions(batch_execution_id);
create index meter_interactions_commissioning_idx on meter_interactions(meter_commissioning_id);
create table batch_interactions (
  batch_execution_id text not null references batch_executions(id),
  interaction_id text not null references meter_interactions(id),
  primary key (batch_execution_id, interaction_id)
);
create index batch_interactions_interaction_idx on batch_interactions(interaction_id);
create table issues (
  id text primary key,
  meter_id text not null references meters(id),
  grid_id text,
  issue_type text not null check (issue_type in ('NO_COMMUNICATION','NO_CREDIT','UNEXPECTED_POWER_LIMIT','UNEXPECTED_METER_STATUS')),
  status text not null default 'OPEN' check (status in ('OPEN','CLOSED')),
  details jsonb,
  closed_at timestamptz,
  closed_by_interaction_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index issues_one_open_per_type on issues(meter_id, issue_type) where status = 'OPEN';
alter table meters add constraint meters_last_issue_fk foreign key (last_encountered_issue_id) references issues(id);
create table cascade_outbox (
  id bigserial primary key,
  interaction_id text not null references meter_interactions(id),
  meter_id text not null,
  step text not null,
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'PENDING' check (status in ('PENDING','DONE','DEAD')),
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  done_at timestamptz,
  unique (interaction_id, step)
);
create index cascade_outbox_pending_idx on cascade_outbox(meter_id, id) where status = 'PENDING';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists cascade_outbox, issues, batch_interactions, meter_interactions, batch_executions, meter_commissionings, meters, dcus, grids, organizations cascade;`);
  }
}
