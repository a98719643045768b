export { openDatabase, type Database, type DatabaseOptions, type Sql } from './db';
export * from './rows';
export { registryRepo, type MeterContext, type MeterInput, type GridInput, type DcuInput, type OrganizationInput } from './repositories/registry';
export { interactionsRepo, type NewInteraction, type OutcomeCommit } from './repositories/interactions';
export { batchesRepo, commissioningsRepo, type BatchCounts } from './repositories/batches';
