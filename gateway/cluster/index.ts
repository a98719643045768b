/** Public surface of the cluster: membership and leases, routing, and the topology a node is assembled with. */
export { ClusterMember } from './member';
export { PartitionRouter, type ClusterRouting } from './router';
export { fenceSettings } from './fence';
export { startCluster, type ClusterNode } from './start';
export { clusterTopology, standaloneTopology, type Joined, type MeterAsk, type Topology } from './topology';
