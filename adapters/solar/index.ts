/** Public surface of the solar adapters: the contract, the factory, credentials, the limiter, the simulators. */
export * from './types';
export { createSolarAdapter, DEFAULT_BASE_URLS } from './factory';
export { CredentialCipher, parseCredentialKey } from './credentials';
export { CredentialLimiter, LimiterRegistry, LIMITER_DEFAULTS, quotaMax, type LimiterOptions, type WindowLimit } from './limiter';
export { VENDOR_CODES } from './errors';
export { startSolarSimulator, SIMULATOR_CREDENTIALS } from './simulators';
export { startSolisSimulator, type SolisSimulatorOptions } from './solis/simulator';
export { startHuaweiSimulator, type HuaweiSimulatorOptions, type RunningHuaweiSimulator, type QuotaCounters } from './huawei/simulator';
export { HUAWEI_QUOTAS } from './huawei/client';
export { startGoodweSimulator, type GoodweSimulatorOptions } from './goodwe/simulator';
export { startDeyeSimulator, type DeyeSimulatorOptions } from './deye/simulator';
export type { RunningSimulator, SimulatorOptions, SimFault, SimCounters } from './simulator/server';
export type { SimFleet, SimPlant, FleetOptions } from './simulator/fleet';
