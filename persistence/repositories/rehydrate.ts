import type { Sql } from '../db';
import { EMPTY_LIST, sharedString, sharedValue } from '../shared';
import { toInteractionRow, toIssueRow, toMeterRow, toOutboxRow, type InteractionRow, type IssueRow, type MeterRow, type OutboxRow } from '../rows';

/** What a meter actor needs to rehydrate: the meter row and the world around it. */
export interface MeterContext {
  meter: MeterRow;
  organizationId: string | null;
  organizationSettings: Record<string, unknown>;
  grid: { id: string; isOnline: boolean } | null;
  dcus: Array<{ id: string; externalReference: string; isOnline: boolean }>;
  openIssues: IssueRow[];
  lastCommissioningStatus: string | null;
}

/** Everything a meter actor rehydrates from: its context, its open interactions (arrival order), its pending outbox rows. */
export interface MeterRehydrate {
  ctx: MeterContext;
  open: InteractionRow[];
  pendingOutbox: OutboxRow[];
}

/**
 * ONE statement for any number of meters: the meter row with its grid, organization and last commissioning,
 * and as JSON arrays its grid's DCUs, its open issues, its open interactions (with their batch links) and its
 * pending outbox rows. Each part reads through its own index (meter_interactions_meter_open_idx,
 * cascade_outbox_pending_idx, issues_one_open_per_type).
 */
const REHYDRATE = `
select m.*, g.is_online as grid_is_online, o.settings as org_settings, c.status as last_commissioning_status,
  (select coalesce(json_agg(json_build_object('id', d.id, 'external_reference', d.external_reference, 'is_online', d.is_online) order by d.id), '[]'::json)
     from dcus d where d.grid_id = m.grid_id) as rehydrate_dcus,
  (select coalesce(json_agg(s order by s.created_at), '[]'::json) from issues s where s.meter_id = m.id and s.status = 'OPEN') as rehydrate_issues,
  (select coalesce(json_agg(x order by x.seq), '[]'::json)
     from (select i.*, (select coalesce(json_agg(b.batch_execution_id order by b.batch_execution_id), '[]'::json)
                          from batch_interactions b where b.interaction_id = i.id) as batch_ids
             from meter_interactions i
            where i.meter_id = m.id and i.status in ('QUEUED','SUSPENDED','DEFERRED','PROCESSING','VERIFYING')) x) as rehydrate_open,
  (select coalesce(json_agg(ob order by ob.id), '[]'::json) from cascade_outbox ob where ob.meter_id = m.id and ob.status = 'PENDING') as rehydrate_outbox
  from meters m
  left join grids g on g.id = m.grid_id
  left join organizations o on o.id = m.organization_id
  left join meter_commissionings c on c.id = m.last_commissioning_id
 where m.id in (select jsonb_array_elements_text(?::jsonb))`;

type R = Record<string, unknown>;
const list = (v: unknown): R[] => (typeof v === 'string' ? (JSON.parse(v) as R[]) : ((v as R[] | null) ?? []));

/** Most meters have no open issue or interaction: they share one frozen empty list. */
const orShared = <T>(xs: T[]): T[] => (xs.length ? xs : (EMPTY_LIST as unknown as T[]));

/** The meter row an actor keeps, with what other meters hold alike shared (shared.ts). */
function sharedMeterRow(r: R): MeterRow {
  const m = toMeterRow(r);
  return {
    ...m,
    protocol: sharedString(m.protocol), gridId: sharedString(m.gridId), dcuId: sharedString(m.dcuId), mode: sharedString(m.mode),
    esco: sharedString(m.esco), mediatorAddress: sharedString(m.mediatorAddress),
    desired: sharedValue('desired', m.desired), shadowMetadata: sharedValue('shadowMetadata', m.shadowMetadata),
  };
}

function toRehydrate(r: R): MeterRehydrate {
  const meter = sharedMeterRow(r);
  return {
    ctx: {
      meter,
      organizationId: sharedString((r.organization_id as string | null) ?? null),
      organizationSettings: sharedValue('organizationSettings', (typeof r.org_settings === 'string' ? JSON.parse(r.org_settings) : r.org_settings) ?? {}),
      grid: meter.gridId ? sharedValue('grid', { id: meter.gridId, isOnline: Boolean(r.grid_is_online) }) : null,
      dcus: sharedValue('dcus', list(r.rehydrate_dcus).map((d) => ({ id: String(d.id), externalReference: String(d.external_reference), isOnline: Boolean(d.is_online) }))),
      openIssues: orShared(list(r.rehydrate_issues).map(toIssueRow)),
      lastCommissioningStatus: (r.last_commissioning_status as string | null) ?? null,
    },
    open: orShared(list(r.rehydrate_open).map(toInteractionRow)),
    pendingOutbox: list(r.rehydrate_outbox).map(toOutboxRow),
  };
}

export const rehydrateRepo = {
  /** Per id, in the order given: what its actor rehydrates from, or undefined when there is no such meter. */
  async many(sql: Sql, meterIds: string[]): Promise<Array<MeterRehydrate | undefined>> {
    const rows = await sql.all(REHYDRATE, [JSON.stringify(meterIds)]);
    const byId = new Map(rows.map((r) => [String(r.id), toRehydrate(r)]));
    return meterIds.map((id) => {
      const found = byId.get(id);
      if (found) found.ctx.meter.id = id; // the caller's string (an actor's name): one copy of the id, not two
      return found;
    });
  },
  async one(sql: Sql, meterId: string): Promise<MeterRehydrate | undefined> {
    return (await rehydrateRepo.many(sql, [meterId]))[0];
  },
};
