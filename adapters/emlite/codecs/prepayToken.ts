import { type Codec, invalidData, invalidValue } from './bytes';

/** STS tokens are 20 decimal digits. */
const TOKEN = /^\d{20}$/;

/**
 * Prepay token send 0xFFC803 (write): the token's ASCII digits are the whole payload (origin
 * `prepay_send_token`: token.encode("ascii"); Kaitai prepay_token_send_rec `str, size-eos, ASCII`).
 */
export const prepayTokenCodec: Codec<string> = {
  name: 'prepay_token',
  encode(token) {
    const t = token.replace(/[\s-]/g, '');
    if (!TOKEN.test(t)) throw invalidValue('prepay_token', 'a token is 20 decimal digits', 'token');
    return Buffer.from(t, 'ascii');
  },
  decode(payload) {
    const t = payload.toString('latin1');
    if (!TOKEN.test(t)) throw invalidData('prepay_token', 'not 20 ASCII digits', payload, 'token');
    return t;
  },
};
