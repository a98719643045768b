import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency keys are scoped to their meter: two meters (and so two organizations) may use the same key
 * without meeting. A global key let one organization occupy, or probe for, a key another would use.
 */
export class Migration20261202_1000_idempotency_per_meter extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table meter_interactions drop constraint if exists meter_interactions_idempotency_key_key;
create unique index if not exists meter_interactions_meter_idempotency_key on meter_interactions(meter_id, idempotency_key);
alter table interaction_idempotency_aliases add column if not exists meter_id text;
update interaction_idempotency_aliases a set meter_id = i.meter_id from meter_interactions i where i.id = a.interaction_id and a.meter_id is null;
alter table interaction_idempotency_aliases alter column meter_id set not null;
alter table interaction_idempotency_aliases drop constraint if exists interaction_idempotency_aliases_pkey;
alter table interaction_idempotency_aliases add primary key (meter_id, idempotency_key);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table interaction_idempotency_aliases drop constraint if exists interaction_idempotency_aliases_pkey;
alter table interaction_idempotency_aliases add primary key (idempotency_key);
alter table interaction_idempotency_aliases drop column if exists meter_id;
drop index if exists meter_interactions_meter_idempotency_key;
alter table meter_interactions add constraint meter_interactions_idempotency_key_key unique (idempotency_key);
`);
  }
}
