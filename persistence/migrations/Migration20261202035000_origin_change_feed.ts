import { Migration } from '@mikro-orm/migrations';

/**
 * The change feed (issue 13): a row of a meter-owned table (meters, issues, grids, dcus) written by another
 * service is announced on the `gridtwin_changes` channel (NOTIFY), so the live meter actor reloads within a
 * second. gridtwin's own connections carry `gridtwin.writer = gridtwin` and are not announced: an actor's
 * own write never comes back to it as a reload. NOTIFY is sent at commit, and PostgreSQL folds identical
 * payloads of one transaction into one.
 */
export class Migration20261202035000_origin_change_feed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function gridtwin_change_feed() returns trigger language plpgsql as $$
declare
  r record;
begin
  if current_setting('gridtwin.writer', true) = 'gridtwin' then
    return null;
  end if;
  if TG_OP = 'DELETE' then r := OLD; else r := NEW; end if;
  if TG_TABLE_NAME = 'meters' then
    perform pg_notify('gridtwin_changes', json_build_object('t', 'meters', 'm', r.id)::text);
  elsif TG_TABLE_NAME = 'issues' then
    perform pg_notify('gridtwin_changes', json_build_object('t', 'issues', 'm', r.meter_id)::text);
  elsif TG_TABLE_NAME = 'grids' then
    perform pg_notify('gridtwin_changes', json_build_object('t', 'grids', 'g', r.id)::text);
  elsif TG_TABLE_NAME = 'dcus' then
    perform pg_notify('gridtwin_changes', json_build_object('t', 'dcus', 'g', r.grid_id)::text);
  end if;
  return null;
end $$;
create trigger meters_change_feed after insert or update or delete on meters for each row execute function gridtwin_change_feed();
create trigger issues_change_feed after insert or update or delete on issues for each row execute function gridtwin_change_feed();
create trigger grids_change_feed after insert or update or delete on grids for each row execute function gridtwin_change_feed();
create trigger dcus_change_feed after insert or update or delete on dcus for each row execute function gridtwin_change_feed();
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop trigger if exists meters_change_feed on meters;
drop trigger if exists issues_change_feed on issues;
drop trigger if exists grids_change_feed on grids;
drop trigger if exists dcus_change_feed on dcus;
drop function if exists gridtwin_change_feed();
`);
  }
}
