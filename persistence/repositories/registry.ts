import type { Sql } from '../db';
import { toMeterRow, type IssueRow, type MeterRow } from '../rows';
import { rehydrateRepo, type MeterContext } from './rehydrate';

export interface OrganizationInput { id: string; name: string; settings?: Record<string, unknown> }
export interface GridInput { id: string; organizationId: string; name: string; timezone?: string; isOnline?: boolean }
export interface DcuInput { id: string; gridId: string; externalReference: string; kind?: string; isOnline?: boolean }
export interface MeterInput {
  id: string; serial: string; externalReference?: string | null; protocol: MeterRow['protocol']; gridId?: string | null;
  dcuId?: string | null; mode?: MeterRow['mode']; esco?: string | null; mediatorAddress?: string | null;
  tariffPerKwh?: number | null; powerLimitShouldBe?: number | null; lastSeenAt?: string | null;
  /** Given, or else the grid's, or else the ESCO's when the ESCO is an organization id. */
  organizationId?: string | null;
}

export interface MeterOrganizationFacts { named: string | null; ofGrid: string | null; ofEsco: string | null; current: string | null }

export type { MeterContext } from './rehydrate';

export const registryRepo = {
  async upsertOrganization(sql: Sql, o: OrganizationInput) {
    await sql.run(
      `insert into organizations(id, name, settings) values (?, ?, ?::jsonb)
       on conflict (id) do update set name = excluded.name, settings = excluded.settings, updated_at = now()`,
      [o.id, o.name, JSON.stringify(o.settings ?? {})],
    );
  },
  async upsertGrid(sql: Sql, g: GridInput) {
    await sql.run(
      `insert into grids(id, organization_id, name, timezone, is_online, is_online_updated_at) values (?, ?, ?, ?, ?, now())
       on conflict (id) do update set organization_id = excluded.organization_id, name = excluded.name, timezone = excluded.timezone, updated_at = now()`,
      [g.id, g.organizationId, g.name, g.timezone ?? 'UTC', g.isOnline ?? true],
    );
    // A grid that changes hands takes its meters with it (a meter's organization is its own column).
    await sql.run(`update meters set organization_id = ? where grid_id = ? and organization_id is distinct from ?`, [g.organizationId, g.id, g.organizationId]);
  },
  async upsertDcu(sql: Sql, d: DcuInput) {
    await sql.run(
      `insert into dcus(id, grid_id, external_reference, kind, is_online, is_online_updated_at) values (?, ?, ?, ?, ?, now())
       on conflict (id) do update set grid_id = excluded.grid_id, external_reference = excluded.external_reference, kind = excluded.kind, updated_at = now()`,
      [d.id, d.gridId, d.externalReference, d.kind ?? 'DCU', d.isOnline ?? true],
    );
  },
  /** A given lastSeenAt is applied as given (the registry writer states when the meter was seen); omitted keeps the stored one. */
  async upsertMeter(sql: Sql, m: MeterInput): Promise<MeterRow> {
    const row = await sql.one(
      `insert into meters(id, serial, external_reference, communication_protocol, grid_id, dcu_id, mode, esco, mediator_address, tariff_per_kwh, power_limit_should_be, last_seen_at, organization_id)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
         coalesce(?::text, (select organization_id from grids where id = ?::text), (select id from organizations where id = ?::text)))
       on conflict (id) do update set serial = excluded.serial, external_reference = excluded.external_reference,
         communication_protocol = excluded.communication_protocol, grid_id = excluded.grid_id, dcu_id = excluded.dcu_id,
         mode = excluded.mode, esco = excluded.esco, mediator_address = excluded.mediator_address,
         tariff_per_kwh = excluded.tariff_per_kwh, organization_id = coalesce(excluded.organization_id, meters.organization_id),
         power_limit_should_be = coalesce(excluded.power_limit_should_be, meters.power_limit_should_be),
         last_seen_at = coalesce(excluded.last_seen_at, meters.last_seen_at),
         row_version = meters.row_version + 1, updated_at = now()
       returning *`,
      [m.id, m.serial, m.externalReference ?? null, m.protocol, m.gridId ?? null, m.dcuId ?? null, m.mode ?? 'active', m.esco ?? null,
        m.mediatorAddress ?? null, m.tariffPerKwh ?? null, m.powerLimitShouldBe ?? null, m.lastSeenAt ?? null,
        m.organizationId ?? null, m.gridId ?? null, m.esco ?? null],
    );
    return toMeterRow(row!);
  },
  /** What decides a meter's organization: the one named (if it exists), its grid's, and its ESCO's when that is an organization. */
  async meterOrganizationFacts(sql: Sql, m: Pick<MeterInput, 'id' | 'organizationId' | 'gridId' | 'esco'>): Promise<MeterOrganizationFacts> {
    const r = await sql.one<{ named: string | null; of_grid: string | null; of_esco: string | null; current: string | null }>(
      `select (select id from organizations where id = ?::text) as named, (select organization_id from grids where id = ?::text) as of_grid,
              (select id from organizations where id = ?::text) as of_esco, (select organization_id from meters where id = ?::text) as current`,
      [m.organizationId ?? null, m.gridId ?? null, m.esco ?? null, m.id],
    );
    return { named: r?.named ?? null, ofGrid: r?.of_grid ?? null, ofEsco: r?.of_esco ?? null, current: r?.current ?? null };
  },
  /** Sets a grid's online state; returns the ids of its meters when the state changed (else []). */
  async setGridOnline(sql: Sql, gridId: string, online: boolean): Promise<{ found: boolean; changed: boolean; meterIds: string[] }> {
    const prev = await sql.one<{ is_online: boolean }>(`select is_online from grids where id = ? for update`, [gridId]);
    if (!prev) return { found: false, changed: false, meterIds: [] };
    if (prev.is_online === online) return { found: true, changed: false, meterIds: [] };
    await sql.run(`update grids set is_online = ?, is_online_updated_at = now(), updated_at = now() where id = ?`, [online, gridId]);
    const meters = await sql.all<{ id: string }>(`select id from meters where grid_id = ?`, [gridId]);
    return { found: true, changed: true, meterIds: meters.map((m) => m.id) };
  },
  async setDcuOnline(sql: Sql, dcuId: string, online: boolean): Promise<{ found: boolean; changed: boolean; meterIds: string[] }> {
    const prev = await sql.one<{ is_online: boolean; grid_id: string }>(`select is_online, grid_id from dcus where id = ? for update`, [dcuId]);
    if (!prev) return { found: false, changed: false, meterIds: [] };
    if (prev.is_online === online) return { found: true, changed: false, meterIds: [] };
    await sql.run(`update dcus set is_online = ?, is_online_updated_at = now(), updated_at = now() where id = ?`, [online, dcuId]);
    // LoRaWAN meters depend on any gateway of the grid, API meters on their own DCU: tell the whole grid.
    const meters = await sql.all<{ id: string }>(`select id from meters where grid_id = ? or dcu_id = ?`, [prev.grid_id, dcuId]);
    return { found: true, changed: true, meterIds: meters.map((m) => m.id) };
  },
  /** The meter and the world around it, in one statement (the rehydrate statement, rehydrate.ts). */
  async loadMeterContext(sql: Sql, meterId: string): Promise<MeterContext | undefined> {
    return (await rehydrateRepo.one(sql, meterId))?.ctx;
  },
  async findMeterIdByExternalReference(sql: Sql, ref: string): Promise<string | undefined> {
    const r = await sql.one<{ id: string }>(`select id from meters where external_reference = ? or serial = ? limit 1`, [ref, ref]);
    return r?.id;
  },
  async meterExists(sql: Sql, meterId: string): Promise<boolean> {
    return Boolean(await sql.one(`select 1 as ok from meters where id = ?`, [meterId]));
  },
  /** The grid a meter belongs to (null for a meter without one, or an unknown meter). */
  async gridIdOfMeter(sql: Sql, meterId: string): Promise<string | null> {
    return (await sql.one<{ grid_id: string | null }>(`select grid_id from meters where id = ?`, [meterId]))?.grid_id ?? null;
  },
  async gridExists(sql: Sql, gridId: string): Promise<boolean> {
    return Boolean(await sql.one(`select 1 as ok from grids where id = ?`, [gridId]));
  },
  async meterIdsOfGrid(sql: Sql, gridId: string): Promise<string[]> {
    return (await sql.all<{ id: string }>(`select id from meters where grid_id = ? order by id`, [gridId])).map((r) => r.id);
  },
  async gridView(sql: Sql, gridId: string) {
    const g = await sql.one(`select id, organization_id, name, timezone, is_online from grids where id = ?`, [gridId]);
    if (!g) return undefined;
    const meters = await sql.all(`select * from meters where grid_id = ? order by id`, [gridId]);
    const dcus = await sql.all(`select id, external_reference, is_online from dcus where grid_id = ? order by id`, [gridId]);
    return {
      grid: { id: g.id, organizationId: g.organization_id, name: g.name, timezone: g.timezone, isOnline: g.is_online },
      dcus: dcus.map((d) => ({ id: d.id, externalReference: d.external_reference, isOnline: d.is_online })),
      // as meters.list: no desired state or shadow metadata (meter.get gives the twin)
      meters: meters.map((r) => {
        const { desired: _d, shadowMetadata: _s, ...m } = toMeterRow(r);
        return m;
      }),
    };
  },
  /** Operator intent (meter twin); fenced on the meter's row version. Returns the new version. */
  async setDesired(sql: Sql, meterId: string, desired: Record<string, unknown>, rowVersion: number): Promise<number | undefined> {
    const r = await sql.one<{ row_version: number }>(
      `update meters set desired = ?::jsonb, row_version = row_version + 1, updated_at = now() where id = ? and row_version = ? returning row_version`,
      [JSON.stringify(desired), meterId, rowVersion],
    );
    return r ? Number(r.row_version) : undefined;
  },
  async openIssue(sql: Sql, issue: { id: string; meterId: string; gridId: string | null; type: IssueRow['type']; details?: unknown }) {
    const row = await sql.one<{ id: string }>(
      `insert into issues(id, meter_id, grid_id, issue_type, details) values (?, ?, ?, ?, ?::jsonb)
       on conflict (meter_id, issue_type) where status = 'OPEN' do nothing returning id`,
      [issue.id, issue.meterId, issue.gridId, issue.type, JSON.stringify(issue.details ?? null)],
    );
    if (row) await sql.run(`update meters set last_encountered_issue_id = ? where id = ?`, [row.id, issue.meterId]);
    return row?.id;
  },
};
