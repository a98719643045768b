import { Migration } from '@mikro-orm/migrations';

/** Idempotency keys of callers whose request was coalesced into an existing interaction. */
export class Migration20261123000005_idempotency_aliases extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table interaction_idempotency_aliases (
  idempotency_key text primary key,
  interaction_id text not null references meter_interactions(id),
  request_hash text not null,
  created_at timestamptz not null default now()
);
alter table batch_executions add column if not exists failed_to_create jsonb not null default '[]'::jsonb;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists interaction_idempotency_aliases; alter table batch_executions drop column if exists failed_to_create;`);
  }
}
