import { type Codec, invalidData, invalidValue } from './bytes';

/**
 * Firmware version 0x000201. Per the origin: single-phase meters answer 4 ASCII bytes, three-phase meters
 * answer other lengths, shown as hex. The origin's pretty-printing of the 4 characters is unpublished; we
 * keep the 4 characters as they are.
 */
export const firmwareCodec: Codec<string> = {
  name: 'firmware_version',
  encode(version) {
    if (/^[\x21-\x7e]{4}$/.test(version)) return Buffer.from(version, 'ascii');
    if (/^([0-9a-f]{2})+$/.test(version) && version.length !== 8) return Buffer.from(version, 'hex');
    throw invalidValue('firmware_version', '4 ASCII characters, or lower-case hex of another byte length');
  },
  decode(payload) {
    if (payload.length === 0) throw invalidData('firmware_version', 'empty payload', payload);
    if (payload.length === 4) {
      const s = payload.toString('latin1');
      if (!/^[\x21-\x7e]{4}$/.test(s)) throw invalidData('firmware_version', 'not printable ASCII', payload);
      return s;
    }
    return payload.toString('hex');
  },
};
