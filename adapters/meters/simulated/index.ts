export { SimulatedFleetDriver, type SimulatedFleetOptions, type SimMeterFaults } from './SimulatedFleetDriver';
export { SimulatedTokenService } from './SimulatedTokenService';
export { applyCommand, createSimMeter, type SimMeterState, type SimMeterOptions } from './meterState';
export { encodeSimToken, decodeSimToken, type SimTokenKind, type SimTokenContent } from './tokenCodec';
export { createPrng, fnv1a } from '../../../core/random';
