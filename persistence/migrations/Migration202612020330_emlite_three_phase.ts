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
-- Hardware was stored raw; store it as the origin does (adapters/emlite/hardware.ts). A blank (three-phase) one tells
-- no meter type: cleared, the next SyncerHardware reads it. Firmware is left for the next SyncerFirmwareVersion: a
-- stored single-phase "3032" and a three-phase hex "0102" cannot be told apart.
update meter_shadows set hardware = case trim(hardware)
    when '6C' then 'C1.w' when '6Cw' then 'C1.w' when '6Bw' then 'B1.w' when '3Aw' then 'EMA1.w' when '' then null else hardware end
  where hardware is not null;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
delete from meter_metrics where name = 'SyncerSerial';
alter table meter_shadows drop column if exists voltage_l1, drop column if exists voltage_l2, drop column if exists voltage_l3, drop column if exists serial_reported;
`);
  }
}
