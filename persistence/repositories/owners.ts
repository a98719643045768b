import type { Sql } from '../db';

/** Kinds of resource whose owner the gateway asks for before it lets a token reach one. */
export const OWNER_KINDS = ['organization', 'grid', 'dcu', 'meter', 'interaction', 'commissioning', 'batch', 'plant', 'alert', 'credential', 'esco'] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

/** A resource's owner: its organization (null when none is known: denied), and its grid / plant / ESCO when bound to one. */
export interface Owner {
  organizationId: string | null;
  gridId?: string | null;
  plantId?: string;
  esco?: string;
}

type Row = { id: string; organization_id: string | null; grid_id?: string | null; plant_id?: string };

const QUERIES: Record<Exclude<OwnerKind, 'esco'>, { sql: (list: string) => string; map: (r: Row) => Owner }> = {
  organization: { sql: (l) => `select id, id as organization_id from organizations where id in (${l})`, map: (r) => ({ organizationId: r.organization_id }) },
  grid: { sql: (l) => `select id, organization_id from grids where id in (${l})`, map: (r) => ({ organizationId: r.organization_id, gridId: r.id }) },
  dcu: {
    sql: (l) => `select d.id, g.organization_id, d.grid_id from dcus d join grids g on g.id = d.grid_id where d.id in (${l})`,
    map: (r) => ({ organizationId: r.organization_id, gridId: r.grid_id ?? null }),
  },
  meter: { sql: (l) => `select id, organization_id, grid_id from meters where id in (${l})`, map: (r) => ({ organizationId: r.organization_id, gridId: r.grid_id ?? null }) },
  interaction: {
    sql: (l) => `select i.id, m.organization_id, m.grid_id from meter_interactions i join meters m on m.id = i.meter_id where i.id in (${l})`,
    map: (r) => ({ organizationId: r.organization_id, gridId: r.grid_id ?? null }),
  },
  commissioning: {
    sql: (l) => `select c.id, m.organization_id, m.grid_id from meter_commissionings c join meters m on m.id = c.meter_id where c.id in (${l})`,
    map: (r) => ({ organizationId: r.organization_id, gridId: r.grid_id ?? null }),
  },
  batch: { sql: (l) => `select id, organization_id from batch_executions where id in (${l})`, map: (r) => ({ organizationId: r.organization_id }) },
  plant: { sql: (l) => `select id, organization_id, id as plant_id from plants where id in (${l})`, map: (r) => ({ organizationId: r.organization_id, plantId: r.plant_id }) },
  alert: { sql: (l) => `select id, organization_id, plant_id from alerts where id in (${l})`, map: (r) => ({ organizationId: r.organization_id, plantId: r.plant_id }) },
  credential: { sql: (l) => `select id, organization_id from integration_credentials where id in (${l})`, map: (r) => ({ organizationId: r.organization_id }) },
};

export const ownersRepo = {
  /** Owners by id; an id that does not exist is absent from the map. */
  async lookup(sql: Sql, kind: OwnerKind, ids: readonly string[]): Promise<Map<string, Owner>> {
    const out = new Map<string, Owner>();
    if (!ids.length) return out;
    const list = ids.map(() => '?').join(',');
    if (kind === 'esco') {
      // An ESCO's meters carry no grid; it belongs to an organization only when all its meters do to that one.
      const rows = await sql.all<{ id: string; lo: string | null; hi: string | null; orphans: string | number }>(
        `select esco as id, min(organization_id) as lo, max(organization_id) as hi, count(*) filter (where organization_id is null) as orphans
           from meters where esco in (${list}) group by esco`, [...ids]);
      for (const r of rows) out.set(r.id, { organizationId: Number(r.orphans) === 0 && r.lo === r.hi ? r.lo : null, gridId: null, esco: r.id });
      return out;
    }
    const q = QUERIES[kind];
    for (const r of await sql.all<Row>(q.sql(list), [...ids])) out.set(r.id, q.map(r));
    return out;
  },
};
