import { type Codec, checkUint, expectLength, invalidValue } from './bytes';

/** Which of the 8 block rates are enabled; index 0 is rate 1. */
export type ThresholdMask = [boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean];

/**
 * Tariff threshold mask (active 0xFFFF20 / future 0xFFFF21): one byte of eight b1 flags rate1..rate8
 * (Kaitai tariff_threshold_mask_rec); Kaitai bit order is big-endian, so rate 1 is the top bit.
 */
export const thresholdMaskCodec: Codec<ThresholdMask> = {
  name: 'tariff_threshold_mask',
  encode(mask) {
    if (mask.length !== 8) throw invalidValue('tariff_threshold_mask', 'eight flags');
    return Buffer.from([mask.reduce((byte, on, i) => byte | ((on ? 1 : 0) << (7 - i)), 0)]);
  },
  decode(payload) {
    expectLength('tariff_threshold_mask', payload, 1);
    const b = payload[0]!;
    return Array.from({ length: 8 }, (_, i) => ((b >> (7 - i)) & 1) === 1) as ThresholdMask;
  },
};

/** Tariff threshold values (active 0xFFFF1E / future 0xFFFF1F): seven u2le th1..th7 (14 bytes). */
export const thresholdValuesCodec: Codec<number[]> = {
  name: 'tariff_threshold_values',
  encode(values) {
    if (values.length !== 7) throw invalidValue('tariff_threshold_values', 'seven thresholds');
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
