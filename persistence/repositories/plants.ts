import type { Sql } from '../db';
import { isoOrNull as iso } from '../../core/time';

/**
 * Solar plant monitoring rows (seed 002): credentials, plants, daily snapshots, alerts, poll logs.
 * Row shapes are camelCase and mapped here; nothing else writes these tables.
 */
export type IntegrationStatus = 'ACTIVE' | 'PAUSED' | 'ERROR';
export type PlantStatusValue = 'GREEN' | 'YELLOW' | 'RED' | 'GREY';
export type AlertStateValue = 'NEW' | 'ACKED' | 'RESOLVED';
export type PollLogStatus = 'SUCCESS' | 'PARTIAL' | 'FAILED' | 'SKIPPED';

export interface CredentialRow {
  id: string; organizationId: string; brand: string; encryptedCredentials: string; baseUrl: string | null;
  lastTestedAt: string | null; rowVersion: number; updatedAt: string;
}

export interface PlantRow {
  id: string; organizationId: string; credentialId: string; brand: string; vendorPlantId: string; name: string;
  timezone: string; capacityKwp: number | null; integrationStatus: IntegrationStatus; status: PlantStatusValue;
  statusReason: string | null; lastSeenAt: string | null; lastPolledAt: string | null; alarmsCheckedAt: string | null;
  rowVersion: number; createdAt: string; updatedAt: string;
}

export interface SnapshotRow {
  plantId: string; date: string; todayEnergyKwh: number; currentPowerW: number | null; totalEnergyKwh: number | null;
  lastSeenAt: string | null; source: 'POLL' | 'BACKFILL'; updatedAt: string;
}

export interface AlertRow {
  id: string; plantId: string; organizationId: string; type: string; vendorAlarmCode: string | null; deviceSn: string | null;
  severity: string; message: string; state: AlertStateValue; firstSeenAt: string; lastNotifiedAt: string | null;
  ackedAt: string | null; ackedBy: string | null; resolvedAt: string | null; updatedAt: string;
}

export interface PollLogRow {
  id: string; plantId: string; trigger: 'SCHEDULE' | 'MANUAL'; startedAt: string; finishedAt: string; durationMs: number;
  status: PollLogStatus; vendorCalls: number; errorCode: string | null; errorMessage: string | null;
}

export interface CredentialInput { id: string; organizationId: string; brand: string; encryptedCredentials: string; baseUrl?: string | null }
export interface PlantInput {
  id: string; organizationId: string; credentialId: string; brand: string; vendorPlantId: string; name: string; timezone: string;
  capacityKwp?: number | null; integrationStatus?: IntegrationStatus;
}
export interface SnapshotInput {
  plantId: string; date: string; todayEnergyKwh: number; currentPowerW?: number | null; totalEnergyKwh?: number | null;
  lastSeenAt?: Date | null; source: 'POLL' | 'BACKFILL';
}
export interface NewAlert {
  id: string; plantId: string; organizationId: string; type: string; vendorAlarmCode: string | null; deviceSn: string | null;
  severity: string; message: string; firstSeenAt: Date; lastNotifiedAt: Date | null;
}
export interface PlantPollUpdate {
  status: PlantStatusValue; statusReason: string; lastSeenAt: Date | null; lastPolledAt: Date; alarmsCheckedAt: Date | null;
}

type R = Record<string, unknown>;
const num = (v: unknown): number | null => (v == null ? null : Number(v));
const str = (v: unknown): string | null => (v == null ? null : String(v));
/** `date` columns come back as Date (pg) or string (PGlite); either way the calendar date is what was stored. */
const day = (v: unknown): string => (v instanceof Date
  ? `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`
  : String(v).slice(0, 10));

export const toCredentialRow = (r: R): CredentialRow => ({
  id: String(r.id), organizationId: String(r.organization_id), brand: String(r.brand), encryptedCredentials: String(r.encrypted_credentials),
  baseUrl: str(r.base_url), lastTestedAt: iso(r.last_tested_at), rowVersion: Number(r.row_version), updatedAt: iso(r.updated_at)!,
});

export const toPlantRow = (r: R): PlantRow => ({
  id: String(r.id), organizationId: String(r.organization_id), credentialId: String(r.credential_id), brand: String(r.brand),
  vendorPlantId: String(r.vendor_plant_id), name: String(r.name), timezone: String(r.timezone), capacityKwp: num(r.capacity_kwp),
  integrationStatus: r.integration_status as IntegrationStatus, status: r.status as PlantStatusValue, statusReason: str(r.status_reason),
  lastSeenAt: iso(r.last_seen_at), lastPolledAt: iso(r.last_polled_at), alarmsCheckedAt: iso(r.alarms_checked_at),
  rowVersion: Number(r.row_version), createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
});

export const toSnapshotRow = (r: R): SnapshotRow => ({
  plantId: String(r.plant_id), date: day(r.date), todayEnergyKwh: Number(r.today_energy_kwh), currentPowerW: num(r.current_power_w),
  totalEnergyKwh: num(r.total_energy_kwh), lastSeenAt: iso(r.last_seen_at), source: r.source as SnapshotRow['source'], updatedAt: iso(r.updated_at)!,
});

export const toAlertRow = (r: R): AlertRow => ({
  id: String(r.id), plantId: String(r.plant_id), organizationId: String(r.organization_id), type: String(r.type),
  vendorAlarmCode: str(r.vendor_alarm_code), deviceSn: str(r.device_sn), severity: String(r.severity), message: String(r.message),
  state: r.state as AlertStateValue, firstSeenAt: iso(r.first_seen_at)!, lastNotifiedAt: iso(r.last_notified_at), ackedAt: iso(r.acked_at),
  ackedBy: str(r.acked_by), resolvedAt: iso(r.resolved_at), updatedAt: iso(r.updated_at)!,
});

export const toPollLogRow = (r: R): PollLogRow => ({
  id: String(r.id), plantId: String(r.plant_id), trigger: r.trigger as PollLogRow['trigger'], startedAt: iso(r.started_at)!,
  finishedAt: iso(r.finished_at)!, durationMs: Number(r.duration_ms), status: r.status as PollLogStatus, vendorCalls: Number(r.vendor_calls),
  errorCode: str(r.error_code), errorMessage: str(r.error_message),
});

export const credentialsRepo = {
  async upsert(sql: Sql, c: CredentialInput): Promise<CredentialRow> {
    const r = await sql.one(
      `insert into integration_credentials(id, organization_id, brand, encrypted_credentials, base_url, last_tested_at) values (?, ?, ?, ?, ?, now())
       on conflict (id) do update set organization_id = excluded.organization_id, brand = excluded.brand,
         encrypted_credentials = excluded.encrypted_credentials, base_url = excluded.base_url, last_tested_at = now(),
         row_version = integration_credentials.row_version + 1, updated_at = now()
       returning *`,
      [c.id, c.organizationId, c.brand, c.encryptedCredentials, c.baseUrl ?? null],
    );
    return toCredentialRow(r!);
  },
  async get(sql: Sql, id: string): Promise<CredentialRow | undefined> {
    const r = await sql.one(`select * from integration_credentials where id = ?`, [id]);
    return r ? toCredentialRow(r) : undefined;
  },
};

export const plantsRepo = {
  async organizationExists(sql: Sql, id: string): Promise<boolean> {
    return Boolean(await sql.one(`select 1 as ok from organizations where id = ?`, [id]));
  },
  /** The plant with this vendor id under this credential, if any (it is unique per credential). */
  async idByVendorId(sql: Sql, credentialId: string, vendorPlantId: string): Promise<string | undefined> {
    return (await sql.one<{ id: string }>(`select id from plants where credential_id = ? and vendor_plant_id = ?`, [credentialId, vendorPlantId]))?.id;
  },
  async upsert(sql: Sql, p: PlantInput): Promise<PlantRow> {
    const r = await sql.one(
      `insert into plants(id, organization_id, credential_id, brand, vendor_plant_id, name, timezone, capacity_kwp, integration_status)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (id) do update set organization_id = excluded.organization_id, credential_id = excluded.credential_id,
         brand = excluded.brand, vendor_plant_id = excluded.vendor_plant_id, name = excluded.name, timezone = excluded.timezone,
         capacity_kwp = excluded.capacity_kwp, integration_status = excluded.integration_status,
         row_version = plants.row_version + 1, updated_at = now()
       returning *`,
      [p.id, p.organizationId, p.credentialId, p.brand, p.vendorPlantId, p.name, p.timezone, p.capacityKwp ?? null, p.integrationStatus ?? 'ACTIVE'],
    );
    return toPlantRow(r!);
  },
  async get(sql: Sql, id: string, opts: { forUpdate?: boolean } = {}): Promise<PlantRow | undefined> {
    const r = await sql.one(`select * from plants where id = ?${opts.forUpdate ? ' for update' : ''}`, [id]);
    return r ? toPlantRow(r) : undefined;
  },
  /** The plant and the row version of its credential (a newer version means new secrets: rebuild the adapter). */
  async getForPoll(sql: Sql, id: string): Promise<{ plant: PlantRow; credentialVersion: number } | undefined> {
    const r = await sql.one<R>(
      `select p.*, c.row_version as credential_version from plants p join integration_credentials c on c.id = p.credential_id where p.id = ?`, [id]);
    return r ? { plant: toPlantRow(r), credentialVersion: Number(r.credential_version) } : undefined;
  },
  /**
   * What the scheduler sweeps: every ACTIVE plant, dealt round-robin over credentials (one of each, then the
   * next of each…) so polls admitted in order keep every vendor account busy instead of one at a time.
   */
  async activeIds(sql: Sql): Promise<string[]> {
    const rows = await sql.all<{ id: string }>(
      `select id from (select id, credential_id, row_number() over (partition by credential_id order by id) as turn
         from plants where integration_status = 'ACTIVE') t order by turn, credential_id`);
    return rows.map((r) => r.id);
  },
  async remove(sql: Sql, id: string): Promise<boolean> {
    return (await sql.run(`delete from plants where id = ?`, [id])) > 0;
  },
  /** Poll outcome; registry fields (name, timezone, integration status) are left to the registry. */
  async recordPoll(sql: Sql, id: string, u: PlantPollUpdate): Promise<boolean> {
    const n = await sql.run(
      `update plants set status = ?, status_reason = ?, last_seen_at = coalesce(?, last_seen_at), last_polled_at = ?,
         alarms_checked_at = coalesce(?, alarms_checked_at), row_version = row_version + 1, updated_at = now()
       where id = ?`,
      [u.status, u.statusReason, u.lastSeenAt, u.lastPolledAt, u.alarmsCheckedAt, id],
    );
    return n > 0;
  },
  async setStatus(sql: Sql, id: string, status: PlantStatusValue, reason: string): Promise<void> {
    await sql.run(`update plants set status = ?, status_reason = ?, row_version = row_version + 1, updated_at = now() where id = ?`, [status, reason, id]);
  },
};

export const snapshotsRepo = {
  /** POLL rows replace the day's values; BACKFILL rows only fill a day no poll has written. */
  async upsert(sql: Sql, s: SnapshotInput): Promise<void> {
    const onConflict = s.source === 'POLL'
      ? `do update set today_energy_kwh = excluded.today_energy_kwh, current_power_w = excluded.current_power_w,
           total_energy_kwh = coalesce(excluded.total_energy_kwh, metric_snapshots.total_energy_kwh),
           last_seen_at = excluded.last_seen_at, source = 'POLL', updated_at = now()`
      : 'do nothing';
    await sql.run(
      `insert into metric_snapshots(plant_id, date, today_energy_kwh, current_power_w, total_energy_kwh, last_seen_at, source)
       values (?, ?::date, ?, ?, ?, ?, ?) on conflict (plant_id, date) ${onConflict}`,
      [s.plantId, s.date, s.todayEnergyKwh, s.currentPowerW ?? null, s.totalEnergyKwh ?? null, s.lastSeenAt ?? null, s.source],
    );
  },
  async between(sql: Sql, plantId: string, from: string, to: string): Promise<SnapshotRow[]> {
    const rows = await sql.all(
      `select * from metric_snapshots where plant_id = ? and date between ?::date and ?::date order by date`, [plantId, from, to]);
    return rows.map(toSnapshotRow);
  },
  async latest(sql: Sql, plantId: string): Promise<SnapshotRow | undefined> {
    const r = await sql.one(`select * from metric_snapshots where plant_id = ? order by date desc limit 1`, [plantId]);
    return r ? toSnapshotRow(r) : undefined;
  },
};

export const alertsRepo = {
  async openOfPlant(sql: Sql, plantId: string): Promise<AlertRow[]> {
    return (await sql.all(`select * from alerts where plant_id = ? and state <> 'RESOLVED' order by first_seen_at`, [plantId])).map(toAlertRow);
  },
  async get(sql: Sql, id: string): Promise<AlertRow | undefined> {
    const r = await sql.one(`select * from alerts where id = ?`, [id]);
    return r ? toAlertRow(r) : undefined;
  },
  /** Undefined when an open alert with the same dedupe key already exists. */
  async insert(sql: Sql, a: NewAlert): Promise<AlertRow | undefined> {
    const r = await sql.one(
      `insert into alerts(id, plant_id, organization_id, type, vendor_alarm_code, device_sn, severity, message, first_seen_at, last_notified_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (plant_id, type, coalesce(vendor_alarm_code, ''), coalesce(device_sn, '')) where state <> 'RESOLVED' do nothing
       returning *`,
      [a.id, a.plantId, a.organizationId, a.type, a.vendorAlarmCode, a.deviceSn, a.severity, a.message, a.firstSeenAt, a.lastNotifiedAt],
    );
    return r ? toAlertRow(r) : undefined;
  },
  /**
   * Severity/message refresh and, when `notifiedAt` is given, a re-notification. The notification is
   * only recorded while the alert is still NEW (an operator may have acked it during the poll).
   */
  async refresh(sql: Sql, id: string, u: { severity: string; message: string; notifiedAt: Date | null }): Promise<AlertRow | undefined> {
    const r = await sql.one(
      `update alerts set severity = ?, message = ?,
         last_notified_at = case when ?::timestamptz is not null and state = 'NEW' then ?::timestamptz else last_notified_at end,
         updated_at = now()
       where id = ? and state <> 'RESOLVED' returning *`,
      [u.severity, u.message, u.notifiedAt, u.notifiedAt, id],
    );
    return r ? toAlertRow(r) : undefined;
  },
  async resolve(sql: Sql, id: string, at: Date): Promise<AlertRow | undefined> {
    const r = await sql.one(`update alerts set state = 'RESOLVED', resolved_at = ?, updated_at = now() where id = ? and state <> 'RESOLVED' returning *`, [at, id]);
    return r ? toAlertRow(r) : undefined;
  },
  async ack(sql: Sql, id: string, by: string | null, at: Date): Promise<AlertRow | undefined> {
    const r = await sql.one(
      `update alerts set state = 'ACKED', acked_at = ?, acked_by = ?, updated_at = now() where id = ? and state = 'NEW' returning *`, [at, by, id]);
    return r ? toAlertRow(r) : undefined;
  },
  async list(sql: Sql, organizationId: string, opts: { state?: AlertStateValue; plantId?: string; by?: string; limit?: number } = {}): Promise<AlertRow[]> {
    const where = ['organization_id = ?'];
    const params: unknown[] = [organizationId];
    if (opts.state) { where.push('state = ?'); params.push(opts.state); }
    if (opts.plantId) { where.push('plant_id = ?'); params.push(opts.plantId); }
    if (opts.by) { where.push('acked_by = ?'); params.push(opts.by); }
    params.push(opts.limit ?? 500);
    return (await sql.all(`select * from alerts where ${where.join(' and ')} order by first_seen_at desc, id limit ?`, params)).map(toAlertRow);
  },
};

export const pollLogsRepo = {
  async insert(sql: Sql, l: PollLogRow): Promise<void> {
    await sql.run(
      `insert into poll_logs(id, plant_id, trigger, started_at, finished_at, duration_ms, status, vendor_calls, error_code, error_message)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [l.id, l.plantId, l.trigger, l.startedAt, l.finishedAt, l.durationMs, l.status, l.vendorCalls, l.errorCode, l.errorMessage],
    );
  },
  async ofPlant(sql: Sql, plantId: string, limit = 20): Promise<PollLogRow[]> {
    return (await sql.all(`select * from poll_logs where plant_id = ? order by started_at desc, created_at desc limit ?`, [plantId, limit])).map(toPollLogRow);
  },
};
