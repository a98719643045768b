import { Migration } from '@mikro-orm/migrations';

/**
 * A meter's organization is its own column (issue 11, defect 4): EMLITE meters have no grid, and a
 * missing organization must never read as "allowed". Backfilled from the grid, else from an ESCO that is
 * an organization id; meters where neither applies stay null and are refused to every token.
 */
export class Migration20261202_0340_tenant_meter_organization extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table meters add column if not exists organization_id text references organizations(id);
update meters m set organization_id = coalesce(
  (select g.organization_id from grids g where g.id = m.grid_id),
  (select o.id from organizations o where o.id = m.esco))
 where m.organization_id is null;
create index if not exists meters_organization_idx on meters(organization_id);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists meters_organization_idx; alter table meters drop column if exists organization_id;`);
  }
}
