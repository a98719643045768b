/** Public surface of the Emlite mediator adapter. */
export { EmliteMediatorClient, DEFAULT_DEADLINE_MS } from './client';
export type { EmliteClientOptions, CallOptions, MediatorTls, TariffsActive, TariffsFuture } from './client';
export { MediatorPool } from './pool';
export type { MediatorPoolOptions } from './pool';
export { EmliteMeterDriver, EMLITE_SUPPORTED_TYPES } from './EmliteMeterDriver';
export { mapGrpcError, BUSY_RETRY_AFTER_MS } from './errors';
export { ObjectId, RecordFormat } from './objectIds';
export * as codecs from './codecs';
export type { Codec, CsqNetOp, ElementRead, MeterEvent, ThreePhaseRead, ThresholdMask } from './codecs';
export { SYNCERS, SYNCER_NAMES, isSyncerName, runSyncers } from './syncers/registry';
export type { SyncerName, ShadowPatch, SyncClient, SyncContext, Syncer } from './syncers/registry';
export { deriveHalfHourlyIntervals, mergeImportExport, classifyStep, alignToHalfHour, HALF_HOUR_MS } from './intervals';
export type { RegisterRead, IntervalRow, IntervalFlag, IntervalOptions, ImportExportInterval } from './intervals';
export { startMediatorSimulator, simulatedSerial } from './simulator/server';
export type { MediatorSimulator, MediatorSimulatorOptions, SimulatorTls } from './simulator/server';
export { SimulatorFleet } from './simulator/fleet';
export type { Fault } from './simulator/fleet';
export type { SimulatedMeterSpec, RegisterName } from './simulator/meter';
