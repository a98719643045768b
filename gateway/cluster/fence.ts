import { ErrorCode, GridtwinError } from '../../core/errors';

/**
 * The session settings of a cluster node's database connections: the node id and the partition count,
 * which the fence trigger checks (Migration20261123000004_cluster).
 */
export function fenceSettings(nodeId: string, partitions: number): Record<string, string> {
  if (!/^[A-Za-z0-9_-]+$/.test(nodeId)) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `cluster: node id "${nodeId}" must be [A-Za-z0-9_-]+`);
  return { 'gridtwin.node': nodeId, 'gridtwin.partitions': String(partitions) };
}
