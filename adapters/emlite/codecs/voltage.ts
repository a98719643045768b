import { type Codec, checkUint, expectLength } from './bytes';

/** u2le decivolts (Kaitai `voltage: u2le`), as volts. */
const decivoltsCodec = (name: string): Codec<number> => ({
  name,
  encode(volts) {
    const deci = Math.round(volts * 10);
    checkUint(name, 'decivolts', deci, 0xffff);
    const b = Buffer.alloc(2);
    b.writeUInt16LE(deci, 0);
    return b;
  },
  decode(payload) {
    expectLength(name, payload, 2);
    return payload.readUInt16LE(0) / 10;
  },
});

/**
 * Instantaneous voltage 0x0C0700: u2le (Kaitai instantaneous_voltage_rec) in decivolts: the spec's own test
 * reads "5209" as 2386 "# 238.6" (cepro/simt-emlite @ 163f7e8
 * tests/emlite_mediator/emlite/messages/test_emlite_message.py `test_instantaneous_voltage`), and the origin's
 * test at d2434c0 calls 2401 "actual voltage = 240.1V". The origin itself stores the raw count (api_core.py
 * `instantaneous_voltage` returns it undivided); we store volts, on purpose (README "Where we differ").
 */
export const voltageCodec: Codec<number> = decivoltsCodec('instantaneous_voltage');

/** Three-phase L1..L3 0x200700 / 0x340700 / 0x480700: u2le decivolts (origin divides by 10). */
export const threePhaseVoltageCodec: Codec<number> = decivoltsCodec('three_phase_voltage');
