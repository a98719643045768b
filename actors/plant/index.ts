/** Public surface of the plant runtime (seed 002). */
export { startPlantRuntime, type PlantRuntime, type PlantDeps, type PlantRuntimeOptions } from './runtime';
export { CredentialUpsertSchema, PlantUpsertSchema, type CredentialView } from './registry';
export type { PlantView, PollReply, AlertView } from './views';
export type { AdapterFactory } from './vendorGate';
export { RETRY_DEFAULTS, type RetryPolicy } from './poll/retry';
