import { type Codec, expectLength, fromPriceUnits, invalidValue, toPriceUnits } from './bytes';

/** Prepay balance 0xFFC802: s4le in 1/100 000 of the currency unit (Kaitai prepay_balance_rec). Negative = debt. */
export const prepayBalanceCodec: Codec<number> = {
  name: 'prepay_balance',
  encode(amount) {
    const units = toPriceUnits(amount);
    if (!Number.isFinite(units) || units < -0x80000000 || units > 0x7fffffff) throw invalidValue('prepay_balance', `out of range: ${amount}`, 'balance');
    const b = Buffer.alloc(4);
    b.writeInt32LE(units, 0);
    return b;
  },
  decode(payload) {
    expectLength('prepay_balance', payload, 4);
    return fromPriceUnits(payload.readInt32LE(0));
  },
};
