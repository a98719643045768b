import { type Codec, checkUint, expectLength, invalidValue } from './bytes';

/** Which of the 8 block rates are enabled; index 0 is rate 1. */
export type ThresholdMask = [boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean];

/**
 * Tariff threshold mask (active 0xFFFF20 / future 0xFFFF21): one byte of eight b1 flags. The public Kaitai
 * tariff_threshold_mask_rec lists them rate8 first; Kaitai bit fields are big-endian, so rate 8 is the top
 * bit and rate 1 the low bit (bit i is rate i + 1).
 */
export const thresholdMaskCodec: Codec<ThresholdMask> = {
  name: 'tariff_threshold_mask',
  encode(mask) {
    if (mask.length !== 8) throw invalidValue('tariff_threshold_mask', 'eight flags', 'rates');
    return Buffer.from([mask.reduce((byte, on, i) => byte | ((on ? 1 : 0) << i), 0)]);
  },
  decode(payload) {
    expectLength('tariff_threshold_mask', payload, 1);
    const b = payload[0]!;
    return Array.from({ length: 8 }, (_, i) => ((b >> i) & 1) === 1) as ThresholdMask;
  },
};

/** Tariff threshold values (active 0xFFFF1E / future 0xFFFF1F): seven u2le th1..th7 (14 bytes). */
export const thresholdValuesCodec: Codec<number[]> = {
  name: 'tariff_threshold_values',
  encode(values) {
    if (values.length !== 7) throw invalidValue('tariff_threshold_values', 'seven thresholds', 'th');
    const b = Buffer.alloc(14);
    values.forEach((v, i) => {
      checkUint('tariff_threshold_values', `th${i + 1}`, v, 0xffff);
      b.writeUInt16LE(v, i * 2);
    });
    return b;
  },
  decode(payload) {
    expectLength('tariff_threshold_values', payload, 14);
    return Array.from({ length: 7 }, (_, i) => payload.readUInt16LE(i * 2));
  },
};
