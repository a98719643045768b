import { type Codec, asciiText, invalidData, invalidValue } from './bytes';

/** Serial 0x600100: ASCII, size-eos (Kaitai serial_rec); padding spaces and NULs trimmed. */
export const serialCodec: Codec<string> = {
  name: 'serial',
  encode(serial) {
    if (!/^[\x21-\x7e]+$/.test(serial)) throw invalidValue('serial', 'printable ASCII, no spaces', 'serial');
    return Buffer.from(serial, 'ascii');
  },
  decode(payload) {
    const s = asciiText(payload);
    if (s === '') throw invalidData('serial', 'empty serial', payload, 'serial');
    return s;
  },
};

/**
 * Hardware version 0x608000: ASCII, size-eos (Kaitai hardware_rec), NULs and spaces trimmed as the origin
 * does. The raw string ("6Cw"); hardware.ts turns it into the stored model name. An empty string is valid:
 * three-phase meters answer blank (the origin then reads their hardware configuration).
 */
export const hardwareCodec: Codec<string> = {
  name: 'hardware_version',
  encode(hw) {
    if (!/^[\x20-\x7e]*$/.test(hw)) throw invalidValue('hardware_version', 'printable ASCII', 'hardware');
    return Buffer.from(hw, 'ascii');
  },
  decode: (payload) => asciiText(payload),
};
