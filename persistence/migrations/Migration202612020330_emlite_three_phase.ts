import { Migration } from '@mikro-orm/migrations';

/**
 * Three-phase Emlite meters (issue 14): their L1..L3 voltages and the serial a meter reports (the origin's
 * SyncerSerial), kept beside the single-phase fields; SyncerSerial listed, disabled like the other daily
 * registry syncers until an operator enables it.
 */
export class Migration202612020330_emlite_three_phase extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table meter_shadows
  add column if not exists voltage_l1 numeric(8,2),
  add column if not exists voltage_l2 numeric(8,2),
  add column if not exists voltage_l3 numeric(8,2),
  add column if not exists serial_reported text;
insert into meter_metrics(name, enabled, run_frequency) values ('SyncerSerial', false, 'daily') on conflict (name) do nothing;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
delete from meter_metrics where name = 'SyncerSerial';
alter table meter_shadows drop column if exists voltage_l1, drop column if exists voltage_l2, drop column if exists voltage_l3, drop column if exists serial_reported;
`);
  }
}
