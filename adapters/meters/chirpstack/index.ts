export { ChirpstackDriver, bestGateway, type ChirpstackDriverOptions } from './ChirpstackDriver';
export { SimulatedLorawanDevices, simulatedDevEui, type SimulatedDeviceSpec, type SimulatedLorawanDevicesOptions } from './simulatedDevice';
export { LORAWAN_CODEC_NAMES, type LorawanCodec, type LorawanCodecName, type DecodedUplink, type DecodedCommand, type Outcome } from './codec';
export { lorawanCodec } from './codecs';
export { calinDlt645Codec } from './calinDlt645';
export { gridtwinDemoCodec, encodeCommand, decodeCommand, encodeResponse, encodeReport, decodeUplink, FRAME_MAGIC, type Uplink } from './demoFrame';
export * from './topics';
