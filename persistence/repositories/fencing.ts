import type { Sql } from '../db';

/**
 * The fence of the cluster (see Migration20261123000004_cluster): which node may write for the devices
 * of a partition, and the work a new owner must pick up.
 */
export const fencingRepo = {
  /**
   * Records a takeover. Succeeds only when `epoch` is newer than the recorded one (or the same node
   * re-claims its own epoch); false means a newer owner exists and this node must not serve.
   */
  async claim(sql: Sql, partition: number, epoch: number, nodeId: string): Promise<boolean> {
    const r = await sql.one(
      `insert into partition_epochs(partition, epoch, node_id) values (?, ?, ?)
       on conflict (partition) do update set epoch = greatest(partition_epochs.epoch, excluded.epoch), node_id = excluded.node_id, claimed_at = now()
         where partition_epochs.epoch < excluded.epoch or (partition_epochs.epoch = excluded.epoch and partition_epochs.node_id = excluded.node_id)
       returning epoch`,
      [partition, epoch, nodeId],
    );
    return r !== undefined;
  },
  async epochs(sql: Sql): Promise<Array<{ partition: number; epoch: number; nodeId: string }>> {
    const rows = await sql.all<{ partition: number; epoch: string; node_id: string }>(`select partition, epoch, node_id from partition_epochs order by partition`);
    return rows.map((r) => ({ partition: Number(r.partition), epoch: Number(r.epoch), nodeId: r.node_id }));
  },
  /** Meters with work a new owner must start: open interactions or pending cascade steps. */
  async metersWithOpenWork(sql: Sql): Promise<string[]> {
    const rows = await sql.all<{ meter_id: string }>(
      `select distinct meter_id from meter_interactions where status in ('QUEUED','PROCESSING','VERIFYING')
       union select distinct meter_id from cascade_outbox where status = 'PENDING'`,
    );
    return rows.map((r) => r.meter_id);
  },
  async pendingOutboxOf(sql: Sql, meterIds: string[]): Promise<number> {
    if (!meterIds.length) return 0;
    const r = await sql.one<{ n: string }>(
      `select count(*) as n from cascade_outbox where status = 'PENDING' and meter_id in (${meterIds.map(() => '?').join(',')})`, meterIds);
    return Number(r?.n ?? 0);
  },
};
