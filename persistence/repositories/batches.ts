import type { Sql } from '../db';

export interface BatchCounts {
  total: number; pending: number; processing: number; successful: number; failed: number; aborted: number;
}

export const batchesRepo = {
  async create(sql: Sql, b: { id: string; organizationId: string | null; type: string; total: number }) {
    await sql.run(
      `insert into batch_executions(id, organization_id, interaction_type, total_count, pending_count) values (?, ?, ?, ?, ?)`,
      [b.id, b.organizationId, b.type, b.total, b.total],
    );
  },
  /**
   * Counts from the interactions linked to the batch. SUPERSEDED and EXPIRED count as aborted (never
   * sent); VERIFYING counts as processing; SUSPENDED/DEFERRED/QUEUED as pending.
   */
  async count(sql: Sql, batchId: string): Promise<BatchCounts> {
    const r = await sql.one<Record<string, string>>(
      `select count(*) as total,
              count(*) filter (where i.status in ('QUEUED','SUSPENDED','DEFERRED')) as pending,
              count(*) filter (where i.status in ('PROCESSING','VERIFYING')) as processing,
              count(*) filter (where i.status = 'SUCCESSFUL') as successful,
              count(*) filter (where i.status = 'FAILED') as failed,
              count(*) filter (where i.status in ('ABORTED','SUPERSEDED','EXPIRED')) as aborted
         from batch_interactions b join meter_interactions i on i.id = b.interaction_id where b.batch_execution_id = ?`,
      [batchId],
    );
    const n = (k: string) => Number(r?.[k] ?? 0);
    return { total: n('total'), pending: n('pending'), processing: n('processing'), successful: n('successful'), failed: n('failed'), aborted: n('aborted') };
  },
  async writeCounts(sql: Sql, batchId: string, c: BatchCounts, status: string) {
    await sql.run(
      `update batch_executions set pending_count = ?, processing_count = ?, successful_count = ?, failed_count = ?, aborted_count = ?,
         status = ?, recounted_at = now(), updated_at = now(), row_version = row_version + 1 where id = ?`,
      [c.pending, c.processing, c.successful, c.failed, c.aborted, status, batchId],
    );
  },
  async get(sql: Sql, batchId: string) {
    const r = await sql.one<Record<string, unknown>>(`select * from batch_executions where id = ?`, [batchId]);
    if (!r) return undefined;
    return {
      id: String(r.id), organizationId: r.organization_id as string | null, type: String(r.interaction_type), status: String(r.status),
      totalCount: Number(r.total_count), pendingCount: Number(r.pending_count), processingCount: Number(r.processing_count),
      successfulCount: Number(r.successful_count), failedCount: Number(r.failed_count), abortedCount: Number(r.aborted_count),
      recountedAt: r.recounted_at ? new Date(String(r.recounted_at)).toISOString() : null,
    };
  },
};

export const commissioningsRepo = {
  async create(sql: Sql, c: { id: string; meterId: string; steps: unknown[] }) {
    await sql.run(`insert into meter_commissionings(id, meter_id, steps) values (?, ?, ?::jsonb)`, [c.id, c.meterId, JSON.stringify(c.steps)]);
    await sql.run(`update meters set last_commissioning_id = ?, row_version = row_version + 1, updated_at = now() where id = ?`, [c.id, c.meterId]);
  },
  async get(sql: Sql, id: string) {
    const r = await sql.one<Record<string, unknown>>(`select * from meter_commissionings where id = ?`, [id]);
    if (!r) return undefined;
    const interactions = await sql.all<{ id: string; status: string; interaction_type: string }>(
      `select id, status, interaction_type from meter_interactions where meter_commissioning_id = ? order by seq`, [id]);
    return {
      id: String(r.id), meterId: String(r.meter_id), status: String(r.status), failureReason: (r.failure_reason as string | null) ?? null,
      interactions: interactions.map((i) => ({ id: i.id, status: i.status, type: i.interaction_type })),
    };
  },
  /** Fenced status move: only from the given statuses. */
  async setStatus(sql: Sql, id: string, from: string[], to: string, failureReason: string | null = null): Promise<boolean> {
    return (await sql.run(
      `update meter_commissionings set status = ?, failure_reason = coalesce(?, failure_reason), updated_at = now(), row_version = row_version + 1
        where id = ? and status in (${from.map(() => '?').join(',')})`,
      [to, failureReason, id, ...from],
    )) === 1;
  },
};
