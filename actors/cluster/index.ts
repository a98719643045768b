export { fnv1a32, partitionOf, rendezvous } from './partition';
export { type LeaseValue, type LeaseView, type MemberValue, epochOf, isLive, validOwner } from './lease';
export { planStep, type ClusterView, type Plan } from './rebalance';
export { drainDevices, type DrainTarget } from './handoff';
export { clusterReadiness, type ReadinessView } from './readiness';
