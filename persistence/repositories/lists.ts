import type { Sql } from '../db';
import { toMeterRow } from '../rows';
import { isoOrNull as iso } from '../../core/time';

/**
 * Lists the operator pages through: keyset paging on the id (a cursor is the last id of the previous page, so a
 * page never shifts when rows are added before it), filters as equalities, a hard upper limit.
 */
export interface Page<T> { items: T[]; nextCursor: string | null }

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * A meter's health from when it was last heard of: GREEN within 2 h, YELLOW within 24 h, RED after, GREY never
 * (the same thresholds the plants use, seed 002).
 */
export const METER_HEALTH_SQL = `case when m.last_seen_at is null then 'GREY'
  when m.last_seen_at > now() - interval '2 hours' then 'GREEN'
  when m.last_seen_at > now() - interval '24 hours' then 'YELLOW' else 'RED' end`;

/** A meter's organization is its own column (its grid's, or its ESCO's when that is an organization). */
const METER_ORG_SQL = 'm.organization_id';

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}

function where(filters: Array<[string, unknown]>): { clause: string; params: unknown[] } {
  const used = filters.filter(([, v]) => v !== undefined);
  return { clause: used.length ? `where ${used.map(([c]) => c).join(' and ')}` : '', params: used.map(([, v]) => v) };
}

export interface MeterListFilter {
  organizationId?: string; gridId?: string; protocol?: string; esco?: string; health?: string; cursor?: string; limit: number;
}
export interface PlantListFilter { organizationId?: string; status?: string; brand?: string; cursor?: string; limit: number }

export const listsRepo = {
  async meters(sql: Sql, f: MeterListFilter) {
    const w = where([
      [`${METER_ORG_SQL} = ?`, f.organizationId], ['m.grid_id = ?', f.gridId], ['m.communication_protocol = ?', f.protocol],
      ['m.esco = ?', f.esco], [`(${METER_HEALTH_SQL}) = ?`, f.health], ['m.id > ?', f.cursor],
    ]);
    const rows = await sql.all<Row>(
      `select m.*, ${METER_ORG_SQL} as organization_id, ${METER_HEALTH_SQL} as health, s.health as sync_health, s.health_details, s.synced_at, s.balance as emlite_balance, s.import_a, s.import_b, s.export_a, s.reads_at,
              (select count(*) from issues i where i.meter_id = m.id and i.status = 'OPEN') as open_issues
         from meters m left join grids g on g.id = m.grid_id left join meter_shadows s on s.meter_id = m.id
         ${w.clause} order by m.id limit ?`, [...w.params, f.limit + 1]);
    return page(rows.map((r) => {
      const { desired: _d, shadowMetadata: _s, rowVersion: _v, ...m } = toMeterRow(r);
      return {
        ...m, organizationId: (r.organization_id as string | null) ?? null, health: String(r.health), openIssues: Number(r.open_issues),
        sync: r.sync_health ? {
          health: String(r.sync_health), details: String(r.health_details ?? ''), syncedAt: iso(r.synced_at), balance: num(r.emlite_balance),
          readsAt: iso(r.reads_at), importAWh: num(r.import_a), importBWh: num(r.import_b), exportAWh: num(r.export_a),
        } : null,
      };
    }), f.limit);
  },
  async plants(sql: Sql, f: PlantListFilter) {
    const w = where([['p.organization_id = ?', f.organizationId], ['p.status = ?', f.status], ['p.brand = ?', f.brand], ['p.id > ?', f.cursor]]);
    const rows = await sql.all<Row>(
      `select p.id, p.organization_id, p.brand, p.name, p.timezone, p.capacity_kwp, p.integration_status, p.status, p.status_reason,
              p.last_seen_at, p.last_polled_at, s.date as snapshot_date, s.today_energy_kwh, s.current_power_w,
              (select count(*) from alerts a where a.plant_id = p.id and a.state <> 'RESOLVED') as open_alerts
         from plants p left join lateral (select * from metric_snapshots x where x.plant_id = p.id order by x.date desc limit 1) s on true
         ${w.clause} order by p.id limit ?`, [...w.params, f.limit + 1]);
    return page(rows.map((r) => ({
      id: String(r.id), organizationId: String(r.organization_id), brand: String(r.brand), name: String(r.name), timezone: String(r.timezone),
      capacityKwp: num(r.capacity_kwp), integrationStatus: String(r.integration_status), status: String(r.status), statusReason: (r.status_reason as string | null) ?? null,
      lastSeenAt: iso(r.last_seen_at), lastPolledAt: iso(r.last_polled_at),
      energy: r.snapshot_date ? { date: iso(r.snapshot_date)!.slice(0, 10), todayKwh: num(r.today_energy_kwh), powerW: num(r.current_power_w) } : null,
      openAlerts: Number(r.open_alerts),
    })), f.limit);
  },
  /** The fleet at a glance: meters by health, plants by status, open alerts and issues, interactions in the last minutes. */
  async overview(sql: Sql, organizationId?: string) {
    const org = organizationId === undefined ? '' : `and ${METER_ORG_SQL} = ?`;
    const orgPlants = organizationId === undefined ? '' : 'where organization_id = ?';
    const p = organizationId === undefined ? [] : [organizationId];
    const [meters, plants, alerts, issues, recent] = await Promise.all([
      sql.all<Row>(`select ${METER_HEALTH_SQL} as k, count(*) as n from meters m left join grids g on g.id = m.grid_id where true ${org} group by 1`, p),
      sql.all<Row>(`select status as k, count(*) as n from plants ${orgPlants} group by 1`, p),
      sql.one<Row>(`select count(*) as n from alerts where state <> 'RESOLVED' ${organizationId === undefined ? '' : 'and organization_id = ?'}`, p),
      sql.one<Row>(`select count(*) as n from issues i join meters m on m.id = i.meter_id left join grids g on g.id = m.grid_id where i.status = 'OPEN' ${org}`, p),
      sql.one<Row>(
        `select count(*) filter (where i.updated_at > now() - interval '1 minute') as last_minute, count(*) as last_ten
           from meter_interactions i join meters m on m.id = i.meter_id left join grids g on g.id = m.grid_id
          where i.updated_at > now() - interval '10 minutes' and i.status in ('SUCCESSFUL','FAILED','ABORTED','EXPIRED','SUPERSEDED') ${org}`, p),
    ]);
    const counts = (rows: Row[], keys: string[]) => Object.fromEntries(keys.map((k) => [k, Number(rows.find((r) => r.k === k)?.n ?? 0)]));
    return {
      meters: counts(meters, ['GREEN', 'YELLOW', 'RED', 'GREY']),
      plants: counts(plants, ['GREEN', 'YELLOW', 'RED', 'GREY']),
      openAlerts: Number(alerts?.n ?? 0),
      openIssues: Number(issues?.n ?? 0),
      interactionsPerMinute: { lastMinute: Number(recent?.last_minute ?? 0), lastTenMinutesAvg: Number(recent?.last_ten ?? 0) / 10 },
    };
  },
};
