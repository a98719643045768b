import type { IssueType } from '../../core/domain';
import { decodeCursor, page } from '../cursor';
import type { Sql } from '../db';
import { isoOrNull as iso } from '../../core/time';

export interface IssueView {
  id: string;
  meterId: string;
  gridId: string | null;
  type: IssueType;
  status: 'OPEN' | 'CLOSED';
  details: unknown;
  createdAt: string;
  closedAt: string | null;
  closedByInteractionId: string | null;
}

export interface IssueFilter {
  organizationId?: string;
  meterId?: string;
  gridId?: string;
  status?: 'OPEN' | 'CLOSED';
  type?: IssueType;
  limit: number;
  cursor?: string;
}

const toView = (r: Record<string, unknown>): IssueView => ({
  id: String(r.id), meterId: String(r.meter_id), gridId: (r.grid_id as string | null) ?? null, type: r.issue_type as IssueType,
  status: r.status as IssueView['status'], details: typeof r.details === 'string' ? JSON.parse(r.details) : (r.details ?? null),
  createdAt: iso(r.created_at)!, closedAt: iso(r.closed_at), closedByInteractionId: (r.closed_by_interaction_id as string | null) ?? null,
});

export const issuesRepo = {
  /** Opens an issue; at most one is OPEN per meter and type, so an open one is returned instead (`created: false`). */
  async open(sql: Sql, i: { id: string; meterId: string; gridId: string | null; type: IssueType; details?: unknown }): Promise<{ issue: IssueView; created: boolean }> {
    const row = await sql.one<Record<string, unknown>>(
      `insert into issues(id, meter_id, grid_id, issue_type, details) values (?, ?, ?, ?, ?::jsonb)
       on conflict (meter_id, issue_type) where status = 'OPEN' do nothing returning *`,
      [i.id, i.meterId, i.gridId, i.type, JSON.stringify(i.details ?? null)],
    );
    if (row) {
      await sql.run(`update meters set last_encountered_issue_id = ? where id = ?`, [row.id, i.meterId]);
      return { issue: toView(row), created: true };
    }
    const open = await sql.one<Record<string, unknown>>(`select * from issues where meter_id = ? and issue_type = ? and status = 'OPEN'`, [i.meterId, i.type]);
    return { issue: toView(open!), created: false };
  },
  /** Closes an OPEN issue of a meter; `closed: false` when it was already closed. Undefined when the meter has no such issue. */
  async close(sql: Sql, meterId: string, issueId: string): Promise<{ issue: IssueView; closed: boolean } | undefined> {
    const row = await sql.one<Record<string, unknown>>(
      `update issues set status = 'CLOSED', closed_at = now(), updated_at = now() where id = ? and meter_id = ? and status = 'OPEN' returning *`,
      [issueId, meterId],
    );
    if (row) return { issue: toView(row), closed: true };
    const prior = await sql.one<Record<string, unknown>>(`select * from issues where id = ? and meter_id = ?`, [issueId, meterId]);
    return prior ? { issue: toView(prior), closed: false } : undefined;
  },
  /** Issues newest first, filtered; an organization's issues are those of its meters (with or without a grid). */
  async list(sql: Sql, f: IssueFilter): Promise<{ items: IssueView[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: string, v: unknown) => { where.push(cond); params.push(v); };
    if (f.organizationId) add(`m.organization_id = ?`, f.organizationId);
    if (f.meterId) add(`i.meter_id = ?`, f.meterId);
    if (f.gridId) add(`m.grid_id = ?`, f.gridId);
    if (f.status) add(`i.status = ?`, f.status);
    if (f.type) add(`i.issue_type = ?`, f.type);
    const c = decodeCursor(f.cursor);
    if (c) { where.push(`(i.created_at, i.id) < (?::timestamptz, ?)`); params.push(c.at, c.id); }
    const rows = await sql.all<Record<string, unknown>>(
      `select i.*, m.grid_id as meter_grid_id, to_char(i.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at from issues i join meters m on m.id = i.meter_id
        ${where.length ? `where ${where.join(' and ')}` : ''} order by i.created_at desc, i.id desc limit ?`,
      [...params, f.limit + 1],
    );
    // The cursor keeps the microseconds (a millisecond ISO string would skip rows created within the same millisecond).
    const p = page(rows, f.limit, (r) => ({ at: String(r.cursor_at), id: String(r.id) }));
    return { items: p.items.map((r) => ({ ...toView(r), gridId: (r.grid_id as string | null) ?? (r.meter_grid_id as string | null) ?? null })), nextCursor: p.nextCursor };
  },
};
