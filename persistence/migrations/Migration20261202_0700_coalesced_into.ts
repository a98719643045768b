import { Migration } from '@mikro-orm/migrations';

/**
 * A caller whose request joined an equal interaction (coalescing) gets a record of its own, SUPERSEDED at once,
 * that names the interaction serving it (issue 13: `coalescedInto` in the interaction view and histories).
 */
export class Migration20261202_0700_coalesced_into extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table meter_interactions add column if not exists coalesced_into text references meter_interactions(id);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table meter_interactions drop column if exists coalesced_into;`);
  }
}
