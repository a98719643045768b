/** Public surface of Emlite sync sweeps (seed 001). */
export { SyncSweeper } from './SyncSweeper';
export type { SweepRequest, SweepStatus, SyncSweeperDeps, SyncSweeperOptions } from './SyncSweeper';
export { SWEEP_SCHEDULES, RUN_FREQUENCIES, syncersFor } from './schedule';
export { planSyncCommit, intervalsBetween } from './ShadowCommit';
export type { PlannedSync } from './ShadowCommit';
