export type { MeterDriver, DriverCommand, DriverResponse, DriverMeterRef, UnsolicitedReport, TokenService } from './types';
export { createMeterDriverRouter, type MeterDriverRouterOptions } from './router';
export { createMeterAdapters, type MeterAdapters } from './factory';
export { SimulatedFleetDriver, SimulatedTokenService, type SimulatedFleetOptions } from './simulated';
export { ChirpstackDriver, SimulatedLorawanDevices, simulatedDevEui, type ChirpstackDriverOptions, type SimulatedDeviceSpec, type SimulatedLorawanDevicesOptions } from './chirpstack';
export { CalinTokenService, CalinApiSimulator, type CalinTokenServiceOptions, type CalinSimulatorOptions } from './calin';
