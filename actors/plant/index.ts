/** Public surface of the plant runtime (seed 002). */
export { startPlantRuntime, type PlantRuntime, type PlantDeps, type PlantRuntimeOptions } from './runtime';
export { CredentialUpsertSchema, PlantUpsertSchema, type CredentialView } from './registry';
export type { PlantView, PollReply, AlertView } from './views';
export type { AdapterFactory } from './vendorGate';
export { RETRY_DEFAULTS, type RetryPolicy } from './poll/retry';
/** The poll itself and the vendor gates, for the bench's BullMQ baseline (same calls, same writes, another scheduler). */
export { runPoll, type PollEnv } from './poll/runPoll';
export type { PollOutcome } from './messages';
export { VendorGates } from './vendorGate';
