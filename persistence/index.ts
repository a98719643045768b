export { openDatabase, type Database, type DatabaseOptions, type Sql } from './db';
export * from './rows';
export { registryRepo, type MeterContext, type MeterInput, type GridInput, type DcuInput, type OrganizationInput } from './repositories/registry';
export { interactionsRepo, type NewInteraction, type OutcomeCommit } from './repositories/interactions';
export { batchesRepo, commissioningsRepo, type BatchCounts } from './repositories/batches';
export * from './repositories/plants';
export { emliteRepo, SHADOW_COLUMNS, type ShadowRow, type ShadowField, type ShadowValues, type SyncTarget, type SyncCommit, type RegisterReadRow, type IntervalWrite, type EventWrite, type MeterMetricRow, type Element } from './repositories/emlite';
export type { RunFrequency, MeterHealth } from './entities/emlite';
export { StatementBatcher, processingBatcher, insertBatcher } from './batching';
