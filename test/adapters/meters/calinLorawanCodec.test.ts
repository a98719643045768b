import { describe, expect, it } from 'vitest';
import { calinDlt645Codec as codec, lorawanCodec } from '../../../adapters/meters/chirpstack';
import { ErrorCode } from '../../../core/errors';

/**
 * The Calin LoRaWAN frame, checked against bytes built here by hand from the layout the source documents
 * (nxtgrid/nxt-device-messaging src/plugins/calin-chirpstack/lib: decode-response-data.ts frame layout,
 * encode-request-data.ts command table), and against the one frame the source quotes as captured from a meter.
 *
 *   68 | address: 6 bytes BCD little-endian | 68 | control | size | DI (2 bytes, +0x33, LE) | data (+0x33) | sum mod 256 | 16
 */
const ADDRESS_LE = [0x23, 0x36, 0x33, 0x03, 0x70, 0x04]; // meter 47003333623 → 047003333623 → 04 70 03 33 36 23, reversed
const METER = '47003333623';
const frame = (control: number, body: number[]) => {
  const head = [0x68, ...ADDRESS_LE, 0x68, control, body.length, ...body];
  return Buffer.from([...head, head.reduce((s, b) => s + b, 0) % 256, 0x16]);
};
const plus33 = (b: number) => (b + 0x33) & 0xff;
const encode = (type: Parameters<typeof codec.encodeCommand>[0]['type'], params = {}) => [...codec.encodeCommand({ type, params, meterSerial: METER, corr: 0 })];

describe('calin-dlt645 codec', () => {
  it('decodes the refused-token frame the source captured from a meter (aCM2MwNwBGjAATTIFg==)', () => {
    const captured = Buffer.from('aCM2MwNwBGjAATTIFg==', 'base64');
    expect([...captured]).toEqual([0x68, ...ADDRESS_LE, 0x68, 0xc0, 0x01, 0x34, 0xc8, 0x16]);
    expect([...captured]).toEqual([...frame(0xc0, [0x34])]);
    const up = codec.decodeUplink(captured);
    expect(up.kind).toBe('response');
    if (up.kind !== 'response') return;
    expect(up.answers('TOP_UP')).toBe(true);
    expect(up.answers('READ_CREDIT')).toBe(false);
    expect(up.outcome({ type: 'TOP_UP', params: {} })).toEqual({ ok: false, reason: 'meter refused the token (status 0x01)' });
    expect(codec.decodeCommand(Buffer.from(encode('TURN_ON'))).address).toBe('047003333623');
  });

  it('encodes the commands of the source\'s table', () => {
    const pw = [0x33, 0x33, 0x33, 0x33];
    expect(encode('TURN_ON')).toEqual([...frame(0x04, [plus33(0x3d), plus33(0xc0), ...pw, plus33(0x96)])]);
    expect(encode('TURN_OFF')).toEqual([...frame(0x04, [plus33(0x3c), plus33(0xc0), ...pw, plus33(0x35)])]);
    expect(encode('READ_CREDIT')).toEqual([...frame(0x01, [plus33(0x21), plus33(0xe4)])]);
    expect(encode('READ_VOLTAGE', { phase: 'B' })).toEqual([...frame(0x01, [plus33(0x12), plus33(0xb6)])]);
    expect(encode('READ_CURRENT', { phase: 'C' })).toEqual([...frame(0x01, [plus33(0x23), plus33(0xb6)])]);
    expect(encode('READ_POWER')).toEqual([...frame(0x01, [plus33(0x30), plus33(0xb6)])]);
    expect(encode('READ_DATE')).toEqual([...frame(0x01, [plus33(0x10), plus33(0xc0)])]);
    expect(encode('READ_TIME')).toEqual([...frame(0x01, [plus33(0x11), plus33(0xc0)])]);
    // 2026-12-02 is a Wednesday (3): natural yy mm dd ww, on the wire ww dd mm yy
    expect(encode('SET_DATE', { date: '2026-12-02' })).toEqual([...frame(0x04, [plus33(0x10), plus33(0xc0), ...pw, plus33(0x03), plus33(0x02), plus33(0x12), plus33(0x26)])]);
    expect(encode('SET_TIME', { time: '07:08:09' })).toEqual([...frame(0x04, [plus33(0x11), plus33(0xc0), ...pw, plus33(0x09), plus33(0x08), plus33(0x07)])]);
    // a token: 20 digits as 10 BCD bytes, +0x33, least significant first; DI A1 20; control 00
    const token = [0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90].map(plus33).reverse();
    expect(encode('TOP_UP', { token: '12345678901234567890' })).toEqual([...frame(0x00, [plus33(0x20), plus33(0xa1), ...token])]);
    // the power limit is read in DLMS: a fixed request
    expect(encode('READ_POWER_LIMIT')).toEqual([0x00, 0x01, 0x00, 0x66, 0x00, 0x01, 0x00, 0x0d, 0xc0, 0x01, 0xc1, 0x00, 0x47, 0x00, 0x00, 0x11, 0x00, 0x00, 0xff, 0x03, 0x00]);
  });

  it('decodes read answers by data identifier', () => {
    const answer = (di: [number, number], data: number[]) => codec.decodeUplink(frame(0x81, [plus33(di[1]), plus33(di[0]), ...data.map(plus33)]));
    const result = (up: ReturnType<typeof answer>, type: Parameters<typeof codec.supports>[0]) => {
      if (up.kind !== 'response') throw new Error(up.kind);
      expect(up.answers(type)).toBe(true);
      return up.outcome({ type, params: {} });
    };
    // credit 12.34 kWh: BCD 00 00 12 34 least significant first; credit level; relay 0 = closed (on)
    expect(result(answer([0xe4, 0x21], [0x34, 0x12, 0x00, 0x00, 0x00, 0x00]), 'READ_CREDIT')).toEqual({ ok: true, result: { kwhCredit: 12.34, isOn: true } });
    expect(result(answer([0xe4, 0x21], [0x00, 0x00, 0x00, 0x00, 0x00, 0x01]), 'READ_CREDIT')).toEqual({ ok: true, result: { kwhCredit: 0, isOn: false } });
    // voltage: the source reads the 3 bytes after the first, /100 → 229.50 V
    expect(result(answer([0xb6, 0x11], [0x00, 0x50, 0x29, 0x02]), 'READ_VOLTAGE')).toEqual({ ok: true, result: { voltageV: 229.5 } });
    expect(result(answer([0xb6, 0x22], [0x25, 0x01]), 'READ_CURRENT')).toEqual({ ok: true, result: { currentA: 1.25 } });
    expect(result(answer([0xb6, 0x30], [0x45, 0x23, 0x01, 0x00]), 'READ_POWER')).toEqual({ ok: true, result: { powerW: 1234.5 } });
    expect(result(answer([0xc0, 0x10], [0x03, 0x02, 0x12, 0x26]), 'READ_DATE')).toEqual({ ok: true, result: { date: '2026-12-02' } });
    expect(result(answer([0xc0, 0x11], [0x09, 0x08, 0x07]), 'READ_TIME')).toEqual({ ok: true, result: { time: '07:08:09' } });
    const dlms = codec.decodeUplink(Buffer.from([0x00, 0x01, 0x00, 0x01, 0x00, 0x66, 0x00, 0x09, 0xc4, 0x01, 0xc1, 0x00, 0x06, 0x00, 0x00, 0x0b, 0xb8]));
    expect(result(dlms, 'READ_POWER_LIMIT')).toEqual({ ok: true, result: { powerLimitW: 3000 } });
  });

  it('decodes the periodic report (DI C1 11) into credit, relay, voltage and current', () => {
    const credit = Buffer.alloc(4);
    credit.writeFloatLE(5.5);
    const le = (v: number, n: number) => Array.from({ length: n }, (_, i) => Math.floor(v / 256 ** i) % 256);
    const data = [0x00, 0x30, 0x14, 0x02, 0x12, 0x26, ...le(1234, 4), ...credit, ...le(0, 4), ...le(0, 4), ...le(0, 4), ...le(2301, 2), ...le(1500, 4), 0b00000001];
    const up = codec.decodeUplink(frame(0x81, [plus33(0x11), plus33(0xc1), ...data.map(plus33)]));
    expect(up).toMatchObject({ kind: 'report', result: { kwhCredit: 5.5, isOn: false, voltageV: 230.1, currentA: 1.5, raw: { freezeTime: '2026-12-02T14:30', consumptionSource1Kwh: 12.34 } } });
  });

  it('refuses broken frames and unsupported commands with typed errors', () => {
    const good = frame(0x84, []);
    const badSum = Buffer.from(good);
    badSum[badSum.length - 2] = (badSum[badSum.length - 2]! + 1) & 0xff;
    expect(() => codec.decodeUplink(badSum)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT }));
    expect(() => codec.decodeUplink(Buffer.from([0x68, 0x01]))).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT }));
    expect(codec.supports('READ_VERSION')).toBe(false);
    expect(() => codec.encodeCommand({ type: 'TOP_UP', params: { token: '123' }, meterSerial: METER, corr: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
    expect(() => codec.encodeCommand({ type: 'SET_DATE', params: { date: '2026-02-30' }, meterSerial: METER, corr: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
    expect(() => codec.encodeCommand({ type: 'TURN_ON', params: {}, meterSerial: 'not-a-number', corr: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
    expect(lorawanCodec('calin-dlt645')).toBe(codec);
  });

  it('device side round-trips every command it carries', () => {
    for (const [type, params] of [['TURN_OFF', {}], ['SET_DATE', { date: '2031-01-31' }], ['SET_TIME', { time: '23:59:58' }], ['READ_CURRENT', { phase: 'B' }], ['CLEAR_TAMPER', { token: '98765432109876543210' }]] as const) {
      const decoded = codec.decodeCommand(codec.encodeCommand({ type, params, meterSerial: METER, corr: 0 }));
      expect(decoded.type).toBe(type === 'CLEAR_TAMPER' ? 'DELIVER_PREEXISTING_TOKEN' : type);
      expect(decoded.params).toEqual(params);
    }
  });
});
