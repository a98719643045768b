import {
  type Codec, checkUint, dateToEmopSeconds, emopSecondsToDate, expectLength, fromPriceUnits, invalidValue, toPriceUnits,
} from './bytes';

/** Kaitai u1_value_rec: one unsigned byte (rate indexes, flags). */
export const u1Codec: Codec<number> = {
  name: 'u1_value',
  encode(v) {
    checkUint('u1_value', 'value', v, 0xff);
    return Buffer.from([v]);
  },
  decode(payload) {
    expectLength('u1_value', payload, 1);
    return payload[0]!;
  },
};

/** Kaitai u4le_value_rec: unsigned 32-bit little-endian; `name` is the record a refusal names (price, timestamp…). */
const u4le = (name: string, field: string): Codec<number> => ({
  name,
  encode(v) {
    checkUint(name, field, v, 0xffffffff);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v, 0);
    return b;
  },
  decode(payload) {
    expectLength(name, payload, 4);
    return payload.readUInt32LE(0);
  },
});
export const u4leCodec: Codec<number> = u4le('u4le_value', 'value');
const priceUnits = u4le('price', 'value');
const timestampSeconds = u4le('emop_timestamp', 'seconds');

/** A u4le money amount (prices, standing charge, credits) in 1/100 000 of the currency unit. */
export const priceCodec: Codec<number> = {
  name: 'price',
  encode(amount) {
    const units = toPriceUnits(amount);
    if (!(units >= 0 && units <= 0xffffffff)) throw invalidValue('price', `out of range: ${amount}`);
    return priceUnits.encode(units);
  },
  decode: (payload) => fromPriceUnits(priceUnits.decode(payload)),
};

/** A u4le timestamp in seconds since 2000-01-01Z (future tariff activation datetime). */
export const emopTimestampCodec: Codec<Date> = {
  name: 'emop_timestamp',
  encode(d) {
    const s = dateToEmopSeconds(d);
    if (!(s >= 0 && s <= 0xffffffff)) throw invalidValue('emop_timestamp', 'before 2000 or after 2136', 'seconds');
    return timestampSeconds.encode(s);
  },
  decode: (payload) => emopSecondsToDate(timestampSeconds.decode(payload)),
};
