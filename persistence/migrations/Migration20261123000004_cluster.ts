import { Migration } from '@mikro-orm/migrations';

/**
 * Cluster fencing. `partition_epochs` records, per partition, the newest lease epoch and its node; a
 * takeover only ever raises the epoch. Writes a device actor makes (interactions, the meter row when its
 * row_version moves, outbox rows) are checked by a trigger against the connection's `gridtwin.node`
 * setting: a node that lost its partition's lease cannot write for its devices any more. Connections
 * without the setting (single node, migrations, tools) are not fenced.
 */
export class Migration20261123000004_cluster extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table partition_epochs (
  partition integer primary key,
  epoch bigint not null,
  node_id text not null,
  claimed_at timestamptz not null default now()
);

-- FNV-1a 32-bit of the id's UTF-8 bytes, modulo the partition count: the same as actors/cluster/partition.ts.
create function gridtwin_partition(device_id text, partitions integer) returns integer
language plpgsql immutable strict as $$
declare
  h bigint := 2166136261;
  bytes bytea := convert_to(device_id, 'UTF8');
begin
  for i in 0 .. length(bytes) - 1 loop
    h := ((h # get_byte(bytes, i)) * 16777619) % 4294967296;
  end loop;
  return (h % partitions)::integer;
end $$;

create function gridtwin_fence() returns trigger
language plpgsql as $$
declare
  node text := nullif(current_setting('gridtwin.node', true), '');
  device text;
  part integer;
  holder text;
begin
  if node is null then return new; end if;
  device := to_jsonb(new) ->> tg_argv[0]; -- the device id column, named by the trigger
  part := gridtwin_partition(device, current_setting('gridtwin.partitions')::integer);
  select node_id into holder from partition_epochs where partition = part;
  if holder is distinct from node then
    raise exception using errcode = 'GT409',
      message = format('gridtwin fence: partition %s (device %s) belongs to %s, not %s', part, device, coalesce(holder, 'nobody'), node);
  end if;
  return new;
end $$;

create trigger meter_interactions_fence before insert or update on meter_interactions
  for each row execute function gridtwin_fence('meter_id');
create trigger meters_fence before update on meters
  for each row when (old.row_version is distinct from new.row_version) execute function gridtwin_fence('id');
create trigger cascade_outbox_fence before insert on cascade_outbox
  for each row execute function gridtwin_fence('meter_id');
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop trigger if exists cascade_outbox_fence on cascade_outbox;
drop trigger if exists meters_fence on meters;
drop trigger if exists meter_interactions_fence on meter_interactions;
drop function if exists gridtwin_fence();
drop function if exists gridtwin_partition(text, integer);
drop table if exists partition_epochs;
`);
  }
}
