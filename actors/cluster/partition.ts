/**
 * A device's partition: FNV-1a (32-bit) of its id's UTF-8 bytes, modulo the partition count. Stable
 * across processes and languages; the same function exists in SQL (`gridtwin_partition`) for the fence.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const partitionOf = (deviceId: string, partitions: number): number => fnv1a32(deviceId) % partitions;

/** Rendezvous score of a node for a partition: each node walks the free partitions in its own order. */
export const rendezvous = (partition: number, nodeId: string): number => fnv1a32(`${partition}/${nodeId}`);
