import { type Codec, checkUint, expectLength } from './bytes';

export interface CsqNetOp {
  /** 3-bit network operator index. */
  networkOperator: number;
  /** 5-bit GSM signal quality (0..31). */
  csq: number;
}

/**
 * CSQ / network operator 0xFFFD1D: one byte, Kaitai `b3 network_operator, b5 csq`. Kaitai bit fields are
 * big-endian by default, so the operator is the top three bits and the CSQ the low five.
 */
export const csqCodec: Codec<CsqNetOp> = {
  name: 'csq_net_op',
  encode(v) {
    checkUint('csq_net_op', 'networkOperator', v.networkOperator, 7);
    checkUint('csq_net_op', 'csq', v.csq, 31);
    return Buffer.from([(v.networkOperator << 5) | v.csq]);
  },
  decode(payload) {
    expectLength('csq_net_op', payload, 1);
    const b = payload[0]!;
    return { networkOperator: b >> 5, csq: b & 0x1f };
  },
};
