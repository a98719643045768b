import { type Codec, checkUint, expectLength } from './bytes';

/**
 * Instantaneous voltage 0x0C0700: u2le (Kaitai instantaneous_voltage_rec). The origin uses the single-phase
 * value unscaled, in volts; the three-phase L1..L3 objects are u2le in decivolts (origin divides by 10).
 */
export const voltageCodec: Codec<number> = {
  name: 'instantaneous_voltage',
  encode(volts) {
    checkUint('instantaneous_voltage', 'volts', volts, 0xffff);
    const b = Buffer.alloc(2);
    b.writeUInt16LE(volts, 0);
    return b;
  },
  decode(payload) {
    expectLength('instantaneous_voltage', payload, 2);
    return payload.readUInt16LE(0);
  },
};

export const threePhaseVoltageCodec: Codec<number> = {
  name: 'three_phase_voltage',
  encode(volts) {
    const deci = Math.round(volts * 10);
    checkUint('three_phase_voltage', 'decivolts', deci, 0xffff);
    const b = Buffer.alloc(2);
    b.writeUInt16LE(deci, 0);
    return b;
  },
  decode(payload) {
    expectLength('three_phase_voltage', payload, 2);
    return payload.readUInt16LE(0) / 10;
  },
};
