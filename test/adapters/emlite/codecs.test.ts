import { describe, expect, it } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import {
  ELEMENT_CODECS, codecFor, csqCodec, dataFieldCodec, elementReadCodec, emopTimestampCodec, eventLogRequestCodec,
  eventLogResponseCodec, firmwareCodec, hardwareCodec, prepayBalanceCodec, prepayTokenCodec, priceCodec, serialCodec,
  thresholdMaskCodec, thresholdValuesCodec, threePhaseReadCodec, threePhaseVoltageCodec, timeCodec,
  u1Codec, u4leCodec, voltageCodec, encodeObjectId, decodeObjectId,
} from '../../../adapters/emlite/codecs';
import { ObjectId } from '../../../adapters/emlite/objectIds';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function expectCode(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GridtwinError);
    expect((e as GridtwinError).code).toBe(code);
    return;
  }
  throw new Error('expected a throw');
}

describe('object ids', () => {
  it('are 3 bytes big-endian', () => {
    expect(encodeObjectId(ObjectId.elementA)).toEqual(hex('fffffc'));
    expect(encodeObjectId(ObjectId.instantaneousVoltage)).toEqual(hex('0c0700'));
    expect(decodeObjectId(hex('ffc802'))).toBe(16762882);
    expectCode(() => encodeObjectId(0x1000000), ErrorCode.VALIDATION_FAILED);
  });
});

describe('element read A/B', () => {
  const bytes = hex('e8030000 d2040000 00000100 ffffff7f');
  const value = { importActiveWh: 1000, exportActiveWh: 1234, importReactiveVarh: 65536, exportReactiveVarh: 0x7fffffff };
  it('decodes four u4le', () => expect(elementReadCodec.decode(bytes)).toEqual(value));
  it('encodes four u4le', () => expect(elementReadCodec.encode(value)).toEqual(bytes));
  it('rejects wrong length and all-0xFF', () => {
    expectCode(() => elementReadCodec.decode(bytes.subarray(0, 15)), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => elementReadCodec.decode(Buffer.concat([bytes, hex('00')])), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => elementReadCodec.decode(Buffer.alloc(16, 0xff)), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => elementReadCodec.encode({ ...value, importActiveWh: -1 }), ErrorCode.VALIDATION_FAILED);
  });
});

describe('prepay balance', () => {
  it('is s4le in 1/100000', () => {
    expect(prepayBalanceCodec.decode(hex('40420f00'))).toBe(10);
    expect(prepayBalanceCodec.decode(hex('c0bdf0ff'))).toBe(-10);
    expect(prepayBalanceCodec.decode(hex('39300000'))).toBe(0.12345);
    expect(prepayBalanceCodec.encode(12.34)).toEqual(hex('50d41200'));
    expect(prepayBalanceCodec.encode(-10)).toEqual(hex('c0bdf0ff'));
    expectCode(() => prepayBalanceCodec.decode(hex('40420f')), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('prepay token', () => {
  it('is the ASCII digits', () => {
    expect(prepayTokenCodec.encode('1234-5678-9012-3456-7890')).toEqual(Buffer.from('12345678901234567890', 'ascii'));
    expect(prepayTokenCodec.decode(hex('3132333435363738393031323334353637383930'))).toBe('12345678901234567890');
    expectCode(() => prepayTokenCodec.encode('123'), ErrorCode.VALIDATION_FAILED);
    expectCode(() => prepayTokenCodec.decode(hex('31323334')), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('csq / network operator', () => {
  it('packs operator in the top 3 bits and csq in the low 5', () => {
    expect(csqCodec.decode(hex('57'))).toEqual({ networkOperator: 2, csq: 23 });
    expect(csqCodec.encode({ networkOperator: 2, csq: 23 })).toEqual(hex('57'));
    expect(csqCodec.decode(hex('ff'))).toEqual({ networkOperator: 7, csq: 31 });
    expectCode(() => csqCodec.decode(hex('5700')), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => csqCodec.encode({ networkOperator: 8, csq: 0 }), ErrorCode.VALIDATION_FAILED);
  });
});

describe('time', () => {
  // 2024-03-15T13:45:30Z was a Friday (day_of_week 4).
  const bytes = hex('18 03 0f 0d 2d 1e 04');
  it('decodes to UTC', () => expect(timeCodec.decode(bytes).toISOString()).toBe('2024-03-15T13:45:30.000Z'));
  it('encodes with Monday = 0', () => {
    expect(timeCodec.encode(new Date('2024-03-15T13:45:30Z'))).toEqual(bytes);
    expect(timeCodec.encode(new Date('2024-03-17T00:00:00Z'))[6]).toBe(6);
  });
  it('rejects corrupt fields', () => {
    expectCode(() => timeCodec.decode(hex('18 0d 0f 0d 2d 1e 04')), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => timeCodec.decode(hex('18 02 1e 00 00 00 00')), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => timeCodec.decode(bytes.subarray(0, 6)), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('serial, hardware, firmware', () => {
  it('serial is trimmed ASCII', () => {
    expect(serialCodec.decode(Buffer.from('EML2137580826  \0', 'latin1'))).toBe('EML2137580826');
    expect(serialCodec.encode('EML2137580826')).toEqual(Buffer.from('EML2137580826'));
    expectCode(() => serialCodec.decode(hex('2000')), ErrorCode.INVALID_DATA_FORMAT);
  });
  it('hardware strips NUL padding and allows blank (three-phase)', () => {
    expect(hardwareCodec.decode(hex('3647000000'))).toBe('6G');
    expect(hardwareCodec.decode(hex('0000'))).toBe('');
    expect(hardwareCodec.encode('6G')).toEqual(hex('3647'));
  });
  it('firmware: 4 ASCII chars in the origin form 3_A0_4, or hex', () => {
    expect(firmwareCodec.decode(hex('33413034'))).toBe('3_A0_4');
    expect(firmwareCodec.encode('3_A0_4')).toEqual(hex('33413034'));
    expectCode(() => firmwareCodec.encode('3A04'), ErrorCode.VALIDATION_FAILED);
    expect(firmwareCodec.decode(hex('010203'))).toBe('010203');
    expect(firmwareCodec.encode('0102030405')).toEqual(hex('0102030405'));
    expectCode(() => firmwareCodec.decode(Buffer.alloc(0)), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => firmwareCodec.decode(hex('33410004')), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('voltage', () => {
  it('single phase and three phase: u2le decivolts', () => {
    // single-phase voltage is decivolts too: 0x0960 = 2400 → 240 V
    expect(voltageCodec.decode(hex('6009'))).toBe(240);
    expect(voltageCodec.encode(241)).toEqual(hex('6a09'));
    expect(threePhaseVoltageCodec.decode(hex('6d09'))).toBe(241.3);
    expect(threePhaseVoltageCodec.encode(241.3)).toEqual(hex('6d09'));
    expectCode(() => voltageCodec.decode(hex('f0')), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('tariff values', () => {
  it('price u4le / 100000', () => {
    expect(priceCodec.decode(hex('a0860100'))).toBe(1);
    expect(priceCodec.encode(0.2345)).toEqual(hex('9a5b0000'));
    expectCode(() => priceCodec.encode(-1), ErrorCode.VALIDATION_FAILED);
  });
  it('u1, u4le', () => {
    expect(u1Codec.decode(hex('07'))).toBe(7);
    expect(u1Codec.encode(7)).toEqual(hex('07'));
    expect(u4leCodec.decode(hex('01000000'))).toBe(1);
    expect(u4leCodec.encode(0xdeadbeef)).toEqual(hex('efbeadde'));
  });
  it('activation timestamp is seconds since 2000', () => {
    // 2024-11-11T00:00:00Z = 784598400 s after 2000-01-01Z = 0x2EC40580
    expect(emopTimestampCodec.decode(hex('8005c42e')).toISOString()).toBe('2024-11-11T00:00:00.000Z');
    expect(emopTimestampCodec.encode(new Date('2024-11-11T00:00:00Z'))).toEqual(hex('8005c42e'));
  });
  it('threshold mask: rate 1 is the low bit', () => {
    expect(thresholdMaskCodec.decode(hex('81'))).toEqual([true, false, false, false, false, false, false, true]);
    expect(thresholdMaskCodec.encode([true, true, false, false, false, false, false, false])).toEqual(hex('03'));
  });
  it('threshold values: seven u2le', () => {
    const b = hex('0100 0200 0300 0400 0500 0600 ffff');
    expect(thresholdValuesCodec.decode(b)).toEqual([1, 2, 3, 4, 5, 6, 65535]);
    expect(thresholdValuesCodec.encode([1, 2, 3, 4, 5, 6, 65535])).toEqual(b);
    expectCode(() => thresholdValuesCodec.decode(b.subarray(0, 13)), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('event log', () => {
  it('request: format, object id, log index', () => {
    const req = eventLogRequestCodec.encode(2);
    expect(req.length).toBe(5);
    expect(req[4]).toBe(2);
    expect(req.readUIntBE(1, 3)).toBe(ObjectId.eventLog);
    expect(eventLogRequestCodec.decode(req)).toBe(2);
    expectCode(() => eventLogRequestCodec.encode(10), ErrorCode.VALIDATION_FAILED);
  });
  it('response: n × (u4le seconds since 2000, id, set)', () => {
    const b = hex('8005c42e 30 01  0000 0000 05 02');
    const events = [
      { timestamp: new Date('2024-11-11T00:00:00Z'), eventId: 48, eventSet: 1 },
      { timestamp: new Date('2000-01-01T00:00:00Z'), eventId: 5, eventSet: 2 },
    ];
    expect(eventLogResponseCodec.decode(b)).toEqual(events);
    expect(eventLogResponseCodec.encode(events)).toEqual(b);
    expect(eventLogResponseCodec.decode(Buffer.alloc(0))).toEqual([]);
    expectCode(() => eventLogResponseCodec.decode(b.subarray(0, 7)), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => eventLogResponseCodec.decode(Buffer.alloc(66)), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('three-phase read', () => {
  it('six u4le totals', () => {
    const b = hex('01000000 02000000 03000000 04000000 05000000 06000000');
    const v = { activeImport: 1, activeExport: 2, reactiveImport: 3, reactiveExport: 4, apparentImport: 5, apparentExport: 6 };
    expect(threePhaseReadCodec.decode(b)).toEqual(v);
    expect(threePhaseReadCodec.encode(v)).toEqual(b);
    expectCode(() => threePhaseReadCodec.decode(b.subarray(1)), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('data field', () => {
  it('format 0x01, object id BE, rw, payload', () => {
    const b = hex('01 ffc803 01 3132');
    expect(dataFieldCodec.decode(b)).toEqual({ objectId: 0xffc803, write: true, payload: hex('3132') });
    expect(dataFieldCodec.encode({ objectId: 0xffc803, write: true, payload: hex('3132') })).toEqual(b);
    expect(dataFieldCodec.encode({ objectId: ObjectId.elementA, write: false, payload: Buffer.alloc(0) })).toEqual(hex('01fffffc00'));
    expectCode(() => dataFieldCodec.decode(hex('02fffffc00')), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => dataFieldCodec.decode(hex('01fffffc')), ErrorCode.INVALID_DATA_FORMAT);
    expectCode(() => dataFieldCodec.decode(hex('01fffffc07')), ErrorCode.INVALID_DATA_FORMAT);
  });
});

describe('registry', () => {
  it('maps object ids to codecs', () => {
    expect(codecFor(ObjectId.elementB)).toBe(elementReadCodec);
    expect(codecFor(ObjectId.prepayBalance)).toBe(prepayBalanceCodec);
    expect(codecFor(0x123456)).toBeUndefined();
    expect(Object.keys(ELEMENT_CODECS).length).toBe(37);
  });
});
