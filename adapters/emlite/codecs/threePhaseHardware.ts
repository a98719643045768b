import { type Codec, checkUint, expectLength } from './bytes';

/**
 * Three-phase hardware configuration (placeholder id, objectIds.ts). UNVERIFIED/assumed layout: the origin
 * uses only its `meter_type` (AX whole current / CX CT operated); we take one u1 meter type, values in
 * hardware.ts `ThreePhaseMeterType`. Any byte decodes: an unknown type becomes THREE_PHASE_UNKNOWN, as in
 * the origin.
 */
export const threePhaseHardwareCodec: Codec<number> = {
  name: 'three_phase_hardware_configuration',
  encode(meterType) {
    checkUint('three_phase_hardware_configuration', 'meter_type', meterType, 0xff);
    return Buffer.from([meterType]);
  },
  decode(payload) {
    expectLength('three_phase_hardware_configuration', payload, 1);
    return payload[0]!;
  },
};
