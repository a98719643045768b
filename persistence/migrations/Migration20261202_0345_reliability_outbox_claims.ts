import { Migration } from '@mikro-orm/migrations';

/**
 * Outbox rows are claimed atomically before they run (issue 11, defect 10): the claimer is recorded and
 * `next_attempt_at` becomes the claim's expiry, so no other sweep takes the row while it runs.
 */
export class Migration20261202_0345_reliability_outbox_claims extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table cascade_outbox add column if not exists claimed_by text;
create index if not exists cascade_outbox_due_idx on cascade_outbox(next_attempt_at, id) where status = 'PENDING';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists cascade_outbox_due_idx; alter table cascade_outbox drop column if exists claimed_by;`);
  }
}
