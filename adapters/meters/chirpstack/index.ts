export { ChirpstackDriver, bestGateway, type ChirpstackDriverOptions } from './ChirpstackDriver';
export { SimulatedLorawanDevices, simulatedDevEui, type SimulatedDeviceSpec, type SimulatedLorawanDevicesOptions } from './simulatedDevice';
export { encodeCommand, decodeCommand, encodeResponse, encodeReport, decodeUplink, FRAME_MAGIC, type Uplink, type Outcome } from './frame';
export * from './topics';
