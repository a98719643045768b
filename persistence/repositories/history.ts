import type { InteractionStatus, InteractionType } from '../../core/domain';
import { decodeCursor, page } from '../cursor';
import type { Sql } from '../db';
import { toInteractionRow, type InteractionRow } from '../rows';
import { isoOrNull as iso } from '../../core/time';

export interface InteractionFilter {
  meterId?: string;
  gridId?: string;
  statuses?: InteractionStatus[];
  types?: InteractionType[];
  /** created_at ≥ from, < to (ISO). */
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export interface OrgListFilter { organizationId: string; status?: string; limit: number; cursor?: string }

/** The cursor's timestamp keeps microseconds, so paging never skips rows created within one millisecond. */
const CURSOR_AT = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`;
const inList = (n: number) => Array.from({ length: n }, () => '?').join(',');

/** Read-only histories for embedding services: interactions per meter or grid, batches and commissionings per organization. */
export const historyRepo = {
  async interactions(sql: Sql, f: InteractionFilter): Promise<{ items: Array<InteractionRow & { gridId: string | null; joinedCount: number; coalescedKeys: string[] }>; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.meterId) { where.push(`i.meter_id = ?`); params.push(f.meterId); }
    if (f.gridId) { where.push(`m.grid_id = ?`); params.push(f.gridId); }
    if (f.statuses?.length) { where.push(`i.status in (${inList(f.statuses.length)})`); params.push(...f.statuses); }
    if (f.types?.length) { where.push(`i.interaction_type in (${inList(f.types.length)})`); params.push(...f.types); }
    if (f.from) { where.push(`i.created_at >= ?::timestamptz`); params.push(f.from); }
    if (f.to) { where.push(`i.created_at < ?::timestamptz`); params.push(f.to); }
    const c = decodeCursor(f.cursor);
    if (c) { where.push(`(i.created_at, i.id) < (?::timestamptz, ?)`); params.push(c.at, c.id); }
    const rows = await sql.all<Record<string, unknown>>(
      `select i.*, m.grid_id as meter_grid_id, ${CURSOR_AT('i.created_at')},
              (select coalesce(json_agg(b.batch_execution_id order by b.batch_execution_id), '[]'::json) from batch_interactions b where b.interaction_id = i.id) as batch_ids,
              (select coalesce(json_agg(a.idempotency_key order by a.created_at), '[]'::json) from interaction_idempotency_aliases a where a.interaction_id = i.id) as coalesced_keys
         from meter_interactions i join meters m on m.id = i.meter_id
        ${where.length ? `where ${where.join(' and ')}` : ''} order by i.created_at desc, i.id desc limit ?`,
      [...params, f.limit + 1],
    );
    const p = page(rows, f.limit, (r) => ({ at: String(r.cursor_at), id: String(r.id) }));
    const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as string[];
    return {
      items: p.items.map((r) => ({ ...toInteractionRow(r), gridId: (r.meter_grid_id as string | null) ?? null, joinedCount: Number(r.joined_count ?? 1), coalescedKeys: json(r.coalesced_keys) ?? [] })),
      nextCursor: p.nextCursor,
    };
  },
  async batches(sql: Sql, f: OrgListFilter) {
    const c = decodeCursor(f.cursor);
    const rows = await sql.all<Record<string, unknown>>(
      `select b.*, ${CURSOR_AT('b.created_at')} from batch_executions b where b.organization_id = ?
         ${f.status ? 'and b.status = ?' : ''} ${c ? 'and (b.created_at, b.id) < (?::timestamptz, ?)' : ''}
        order by b.created_at desc, b.id desc limit ?`,
      [f.organizationId, ...(f.status ? [f.status] : []), ...(c ? [c.at, c.id] : []), f.limit + 1],
    );
    const p = page(rows, f.limit, (r) => ({ at: String(r.cursor_at), id: String(r.id) }));
    return {
      items: p.items.map((r) => ({
        id: String(r.id), organizationId: r.organization_id as string, type: r.interaction_type as string, status: r.status as string,
        totalCount: Number(r.total_count), pendingCount: Number(r.pending_count), processingCount: Number(r.processing_count),
        successfulCount: Number(r.successful_count), failedCount: Number(r.failed_count), abortedCount: Number(r.aborted_count),
        createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
      })),
      nextCursor: p.nextCursor,
    };
  },
  /** Commissionings of an organization's meters (with or without a grid). */
  async commissionings(sql: Sql, f: OrgListFilter) {
    const c = decodeCursor(f.cursor);
    const rows = await sql.all<Record<string, unknown>>(
      `select c.*, m.grid_id, ${CURSOR_AT('c.created_at')} from meter_commissionings c join meters m on m.id = c.meter_id
        where m.organization_id = ? ${f.status ? 'and c.status = ?' : ''} ${c ? 'and (c.created_at, c.id) < (?::timestamptz, ?)' : ''}
        order by c.created_at desc, c.id desc limit ?`,
      [f.organizationId, ...(f.status ? [f.status] : []), ...(c ? [c.at, c.id] : []), f.limit + 1],
    );
    const p = page(rows, f.limit, (r) => ({ at: String(r.cursor_at), id: String(r.id) }));
    return {
      items: p.items.map((r) => ({
        id: String(r.id), meterId: String(r.meter_id), gridId: (r.grid_id as string | null) ?? null, status: r.status as string,
        steps: typeof r.steps === 'string' ? JSON.parse(r.steps) : r.steps, failureReason: (r.failure_reason as string | null) ?? null,
        createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
      })),
      nextCursor: p.nextCursor,
    };
  },
};
