import { type Codec, invalidData, invalidValue } from './bytes';

/** The origin's firmware form of a single-phase meter: 4 characters "3032" stored as "3_03_2". */
const FORMATTED = /^([\x21-\x7e])_([\x21-\x7e]{2})_([\x21-\x7e])$/;

/**
 * Firmware version 0x000201 (Kaitai firmware_rec: u1 bytes, repeat eos). Single-phase meters answer 4
 * ASCII characters, stored as the origin formats them (emop_format_firmware_version, cepro/simt-emlite
 * emlite_mediator/emlite/emlite_util.py at 163f7e8: v[0] "_" v[1..2] "_" v[3], so "3032" → "3_03_2");
 * three-phase meters answer other lengths (2 bytes per the Kaitai doc), stored as lower-case hex.
 */
export const firmwareCodec: Codec<string> = {
  name: 'firmware_version',
  encode(version) {
    const m = FORMATTED.exec(version);
    if (m) return Buffer.from(`${m[1]}${m[2]}${m[3]}`, 'ascii');
    if (/^([0-9a-f]{2})+$/.test(version) && version.length !== 8) return Buffer.from(version, 'hex');
    throw invalidValue('firmware_version', 'the "3_03_2" form of 4 ASCII characters, or lower-case hex of another byte length', 'version_bytes');
  },
  decode(payload) {
    if (payload.length === 0) throw invalidData('firmware_version', 'empty payload', payload, 'version_bytes');
    if (payload.length !== 4) return payload.toString('hex');
    const s = payload.toString('latin1');
    if (!/^[\x21-\x7e]{4}$/.test(s)) throw invalidData('firmware_version', '4 bytes that are not printable ASCII', payload, 'version_bytes');
    return `${s[0]}_${s.slice(1, 3)}_${s[3]}`;
  },
};
