import { describe, expect, it } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import {
  ELEMENT_CODECS, codecFor, eventLogRequestCodec, eventLogResponseCodec, firmwareCodec, rawReplyCodec, rawReplyPayload, thresholdMaskCodec, timeCodec, voltageCodec,
} from '../../../adapters/emlite/codecs';
import { ObjectId, RecordFormat } from '../../../adapters/emlite/objectIds';

/**
 * Cross-check against the public EMOP description: cepro/simt-emlite at commit 163f7e8 (the newest version of
 * the Kaitai specs; 23ba857 moved them into the emop-frame-protocol package),
 * emlite_mediator/emlite/messages/emlite_message.ksy (object ids, record layouts) and emlite_data.ksy
 * (data field, record formats), and the origin's code at d2434c0 for the mediator contract. Each payload below
 * is built by hand from the layout written beside it (our words; neither the spec nor its test fixtures are
 * copied), then decoded by gridtwin's codec for that object id.
 * `spec`: both id and layout are in the public spec. `id`: the id is public but the spec gives the record no
 * layout (its payload is the raw default_rec), so the layout is ours: UNVERIFIED/assumed.
 */
const u1 = (...v: number[]) => Buffer.from(v);
const u2le = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u4le = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const s4le = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
const ascii = (s: string) => Buffer.from(s, 'latin1');
const cat = (...parts: Buffer[]) => Buffer.concat(parts);

/** Money and prices are u4le in 1/100 000 of the currency unit; 23 450 → 0.2345. */
const PRICE = u4le(23_450);
/** 2024-11-11T00:00:00Z is 784 598 400 s after 2000-01-01Z (the origin's own test fixture value). */
const NOV_11_2024 = 784_598_400;

interface Row {
  name: keyof typeof ObjectId;
  /** The id's value in the public Kaitai enum `object_id_type`. */
  specId: number;
  /** The record layout, in our words. */
  layout: string;
  verified: 'spec' | 'id';
  payload: Buffer;
  expected: unknown;
}

const ROWS: Row[] = [
  { name: 'time', specId: 8390656, verified: 'spec', layout: 'seven u1: year-2000, month, date, hour, minute, second, day of week (0 = Monday)',
    payload: u1(24, 11, 11, 13, 5, 59, 0), expected: new Date('2024-11-11T13:05:59Z') },
  { name: 'serial', specId: 6291712, verified: 'spec', layout: 'ASCII to the end of the payload',
    payload: ascii('EML2137580826 '), expected: 'EML2137580826' },
  { name: 'hardwareVersion', specId: 6324224, verified: 'spec', layout: 'ASCII to the end of the payload (the raw string; the model name is the syncer\'s)',
    payload: ascii('6Bw\u0000'), expected: '6Bw' },
  { name: 'firmwareVersion', specId: 513, verified: 'spec', layout: 'bytes to the end: 4 ASCII on single-phase meters, 2 bytes on three-phase ones',
    payload: ascii('3032'), expected: '3_03_2' },
  { name: 'prepayBalance', specId: 16762882, verified: 'spec', layout: 's4le balance in 1/100 000 (negative = debt)',
    payload: s4le(-150_000), expected: -1.5 },
  { name: 'prepayTokenSend', specId: 16762883, verified: 'spec', layout: '20 ASCII characters',
    payload: ascii('12345678901234567890'), expected: '12345678901234567890' },
  { name: 'prepayEnabledFlag', specId: 16776973, verified: 'spec', layout: 'u1 enabled flag',
    payload: u1(1), expected: 1 },
  { name: 'elementA', specId: 16777212, verified: 'id', layout: 'assumed: u4le import active, export active, import reactive, export reactive (Wh)',
    payload: cat(u4le(4_321_000), u4le(12), u4le(432_100), u4le(0)), expected: { importActiveWh: 4_321_000, exportActiveWh: 12, importReactiveVarh: 432_100, exportReactiveVarh: 0 } },
  { name: 'elementB', specId: 16777208, verified: 'id', layout: 'assumed: as element A',
    payload: cat(u4le(765_000), u4le(3), u4le(0), u4le(0)), expected: { importActiveWh: 765_000, exportActiveWh: 3, importReactiveVarh: 0, exportReactiveVarh: 0 } },
  { name: 'csqNetOp', specId: 16776477, verified: 'spec', layout: 'one byte of bit fields, most significant first: b3 network operator, b5 csq',
    payload: u1((0b010 << 5) | 17), expected: { networkOperator: 2, csq: 17 } },
  { name: 'instantaneousVoltage', specId: 788224, verified: 'spec', layout: 'u2le voltage in decivolts (the spec\'s own test reads 2386 as 238.6 V)',
    payload: u2le(2386), expected: 238.6 },
  { name: 'threePhaseSerial', specId: 14155536, verified: 'id', layout: 'assumed: ASCII as serial (the origin reads a .serial field from it)',
    payload: ascii('EML2207642296'), expected: 'EML2207642296' },
  { name: 'threePhaseRead', specId: 14091786, verified: 'id', layout: 'assumed: six u4le totals, active/reactive/apparent import/export',
    payload: cat(u4le(1), u4le(2), u4le(3), u4le(4), u4le(5), u4le(6)),
    expected: { activeImport: 1, activeExport: 2, reactiveImport: 3, reactiveExport: 4, apparentImport: 5, apparentExport: 6 } },
  { name: 'threePhaseVoltageL1', specId: 2098944, verified: 'spec', layout: 'u2le voltage in decivolts (the origin divides by 10)',
    payload: u2le(2413), expected: 241.3 },
  { name: 'threePhaseVoltageL2', specId: 3409664, verified: 'spec', layout: 'u2le decivolts', payload: u2le(2395), expected: 239.5 },
  { name: 'threePhaseVoltageL3', specId: 4720384, verified: 'spec', layout: 'u2le decivolts', payload: u2le(2400), expected: 240 },
  { name: 'tariffActiveStandingCharge', specId: 16776994, verified: 'spec', layout: 'u4le price', payload: PRICE, expected: 0.2345 },
  { name: 'tariffActiveThresholdMask', specId: 16776992, verified: 'spec', layout: 'one byte of eight b1 flags, rate 8 first (so rate 1 is the low bit)',
    payload: u1(0b0000_0101), expected: [true, false, true, false, false, false, false, false] },
  { name: 'tariffActiveThresholdValues', specId: 16776990, verified: 'spec', layout: 'seven u2le thresholds th1..th7',
    payload: cat(...[10, 20, 30, 40, 50, 60, 70].map(u2le)), expected: [10, 20, 30, 40, 50, 60, 70] },
  { name: 'tariffActiveTouRateCurrent', specId: 16777003, verified: 'spec', layout: 'u1', payload: u1(3), expected: 3 },
  { name: 'tariffActiveBlockRateCurrent', specId: 16777004, verified: 'spec', layout: 'u1', payload: u1(7), expected: 7 },
  { name: 'tariffActivePrice', specId: 16777006, verified: 'spec', layout: 'u4le price', payload: PRICE, expected: 0.2345 },
  { name: 'tariffActiveEmergencyCredit', specId: 16762885, verified: 'spec', layout: 'u4le price', payload: u4le(1_500_000), expected: 15 },
  { name: 'tariffActiveEcreditAvailability', specId: 16762886, verified: 'spec', layout: 'u4le price', payload: u4le(1_000_000), expected: 10 },
  { name: 'tariffActiveDebtRecoveryRate', specId: 16762887, verified: 'spec', layout: 'u4le price', payload: u4le(50_000), expected: 0.5 },
  { name: 'tariffActiveElementBTouRateCurrent', specId: 16777035, verified: 'spec', layout: 'u1', payload: u1(1), expected: 1 },
  { name: 'tariffActiveElementBPrice', specId: 16777037, verified: 'spec', layout: 'u4le price', payload: PRICE, expected: 0.2345 },
  { name: 'tariffFutureStandingCharge', specId: 16776995, verified: 'spec', layout: 'u4le price', payload: u4le(50_000), expected: 0.5 },
  { name: 'tariffFutureThresholdMask', specId: 16776993, verified: 'spec', layout: 'as the active mask',
    payload: u1(0b1000_0001), expected: [true, false, false, false, false, false, false, true] },
  { name: 'tariffFutureThresholdValues', specId: 16776991, verified: 'spec', layout: 'seven u2le',
    payload: cat(...[0, 0, 0, 0, 0, 0, 65_535].map(u2le)), expected: [0, 0, 0, 0, 0, 0, 65_535] },
  { name: 'tariffFutureActivationDatetime', specId: 16776996, verified: 'spec', layout: 'u4le seconds since 2000-01-01Z',
    payload: u4le(NOV_11_2024), expected: new Date('2024-11-11T00:00:00Z') },
  { name: 'tariffFutureEmergencyCredit', specId: 16762888, verified: 'spec', layout: 'u4le price', payload: u4le(1_500_000), expected: 15 },
  { name: 'tariffFutureEcreditAvailability', specId: 16762889, verified: 'spec', layout: 'u4le price', payload: u4le(1_000_000), expected: 10 },
  { name: 'tariffFutureDebtRecoveryRate', specId: 16762890, verified: 'spec', layout: 'u4le price', payload: u4le(50_000), expected: 0.5 },
  { name: 'tariffFutureBlock8Rate1', specId: 16775225, verified: 'spec', layout: 'u4le price (the origin\'s element A unit rate)', payload: PRICE, expected: 0.2345 },
  { name: 'tariffFutureElementBTouRate1', specId: 16774657, verified: 'spec', layout: 'u4le price (the origin\'s element B unit rate)', payload: PRICE, expected: 0.2345 },
];

/** Not in the public enum: the origin takes these from emop-frame-protocol (PyPI), whose source no public repository holds. */
const PLACEHOLDERS: Array<keyof typeof ObjectId> = ['eventLog', 'threePhaseHardwareConfiguration'];

function thrown(fn: () => unknown): GridtwinError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GridtwinError);
    return e as GridtwinError;
  }
  throw new Error('expected a throw');
}

describe('EMOP objects against the public spec (cepro/simt-emlite 163f7e8)', () => {
  it('every object id is the public enum value, or a named placeholder', () => {
    const covered = new Set<string>([...ROWS.map((r) => r.name), ...PLACEHOLDERS]);
    expect([...covered].sort()).toEqual(Object.keys(ObjectId).sort());
    for (const r of ROWS) expect({ name: r.name, id: ObjectId[r.name] }).toEqual({ name: r.name, id: r.specId });
    const specIds = new Set(ROWS.map((r) => r.specId));
    for (const p of PLACEHOLDERS) expect(specIds.has(ObjectId[p])).toBe(false);
  });

  it('every element codec is cross-checked here', () => {
    const checked = new Set<number>([...ROWS.map((r) => r.specId), ObjectId.threePhaseHardwareConfiguration]);
    expect(Object.keys(ELEMENT_CODECS).map(Number).filter((id) => !checked.has(id))).toEqual([]);
  });

  it.each(ROWS)('$name: bytes built from the layout decode to the expected value ($verified)', (r) => {
    const codec = codecFor(r.specId)!;
    expect(codec).toBeDefined();
    expect(codec.decode(r.payload)).toEqual(r.expected);
    // The simulator answers through the same codec: what it encodes must decode to the same value.
    expect(codec.decode((codec.encode as (v: unknown) => Buffer)(r.expected))).toEqual(r.expected);
  });
});

describe('mismatches found by issue 14, each against its source', () => {
  it('tariff threshold mask: low bit is rate 1 (emlite_message.ksy tariff_threshold_mask_rec)', () => {
    // The record lists rate8 … rate1 as b1 fields; Kaitai reads bit fields most significant first.
    for (let rate = 1; rate <= 8; rate++) {
      const onlyThisRate = u1(1 << (rate - 1));
      const mask = thresholdMaskCodec.decode(onlyThisRate);
      expect(mask.map((on, i) => (on ? i + 1 : 0)).filter(Boolean)).toEqual([rate]);
      expect(thresholdMaskCodec.encode(mask)).toEqual(onlyThisRate);
    }
  });

  it('firmware: "3032" is stored as "3_03_2" (origin emop_format_firmware_version, emlite_util.py at 163f7e8)', () => {
    expect(firmwareCodec.decode(ascii('3032'))).toBe('3_03_2');
    expect(firmwareCodec.encode('3_03_2')).toEqual(ascii('3032'));
    // Three-phase meters answer other lengths (the spec's doc: 2 bytes); kept as hex, as the origin does.
    expect(firmwareCodec.decode(u1(0x01, 0x23))).toBe('0123');
  });

  it('event log: the request format is not a profile-log format (emlite_data.ksy record_format)', () => {
    const publicFormats = { default: 1, profileLog1: 3, profileLog2: 4 };
    expect(RecordFormat.default).toBe(publicFormats.default);
    expect(RecordFormat.profileLog1).toBe(publicFormats.profileLog1);
    expect(RecordFormat.profileLog2).toBe(publicFormats.profileLog2);
    expect(Object.values(publicFormats)).not.toContain(RecordFormat.eventLog);
    // format (1) + object id (3, big-endian) + log index (1), as the origin's EmopEventLogRequest
    expect(eventLogRequestCodec.encode(4)).toEqual(cat(u1(RecordFormat.eventLog), u1(0xff, 0xf0, 0xe1), u1(4)));
    expect(thrown(() => eventLogRequestCodec.decode(cat(u1(RecordFormat.profileLog1), u1(0xff, 0xf0, 0xe1), u1(0)))).details).toMatchObject({ field: 'format' });
  });

  it('event log: the index is limited to 0..9 (origin validation.py valid_event_log_idx)', () => {
    for (let i = 0; i <= 9; i++) expect(eventLogRequestCodec.decode(eventLogRequestCodec.encode(i))).toBe(i);
    const e = thrown(() => eventLogRequestCodec.encode(10));
    expect(e.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(e.details).toMatchObject({ field: 'log_idx' });
    expect(thrown(() => eventLogRequestCodec.decode(cat(u1(RecordFormat.eventLog), u1(0xff, 0xf0, 0xe1), u1(10)))).details).toMatchObject({ field: 'log_idx' });
  });

  it('event log: a response record is decoded whatever its event id, id 0 included (the syncer drops it)', () => {
    const page = cat(u4le(NOV_11_2024), u1(52, 0), u4le(NOV_11_2024 - 60), u1(0, 4));
    expect(eventLogResponseCodec.decode(page)).toEqual([
      { timestamp: new Date('2024-11-11T00:00:00Z'), eventId: 52, eventSet: 0 },
      { timestamp: new Date('2024-11-10T23:59:00Z'), eventId: 0, eventSet: 4 },
    ]);
  });
});

describe('issue 14 audit: the mediator contract against the origin (cepro/simt-emlite d2434c0)', () => {
  it('sendRawMessage answers the data field after its format byte: object id (3, BE) + rw (1) + payload', () => {
    // emlite_api.py returns frame.data.message; the meter echoes object id and rw flag (a firmware read here)
    const reply = cat(u1(0x00, 0x02, 0x01), u1(0x00), ascii('3032'));
    expect(rawReplyCodec.decode(reply)).toEqual({ objectId: 0x000201, flag: 0, payload: ascii('3032') });
    expect(firmwareCodec.decode(rawReplyPayload('raw_read', reply, ObjectId.firmwareVersion))).toBe('3_03_2');
    const wrong = thrown(() => rawReplyPayload('raw_read', reply, ObjectId.serial));
    expect(wrong.code).toBe(ErrorCode.INVALID_DATA_FORMAT);
    expect(wrong.details).toMatchObject({ codec: 'raw_read', field: 'object_id' });
    expect(thrown(() => rawReplyCodec.decode(u1(0x00, 0x02))).details).toMatchObject({ codec: 'raw_reply', field: 'payload' });
  });

  it('event log reply: echoed object id + index, then the records (assumed u4le timestamp, u1 id, u1 set)', () => {
    const reply = cat(u1(0xff, 0xf0, 0xe1), u1(3), u4le(NOV_11_2024), u1(48, 0), u4le(NOV_11_2024 - 3_600), u1(17, 2));
    expect(eventLogResponseCodec.decode(rawReplyPayload('event_log_response', reply, ObjectId.eventLog))).toEqual([
      { timestamp: new Date('2024-11-11T00:00:00Z'), eventId: 48, eventSet: 0 },
      { timestamp: new Date('2024-11-10T23:00:00Z'), eventId: 17, eventSet: 2 },
    ]);
    // the reply as the mediator served it before May 2025 (records only) is no longer taken for records
    expect(thrown(() => rawReplyPayload('event_log_response', cat(u4le(NOV_11_2024), u1(48, 0)), ObjectId.eventLog)).details).toMatchObject({ field: 'object_id' });
  });

  it('single-phase voltage is decivolts, as the spec\'s own test reads it (2386 → 238.6 V, test_emlite_message.py at 163f7e8)', () => {
    expect(voltageCodec.decode(u2le(2386))).toBe(238.6);
    expect(voltageCodec.encode(238.6)).toEqual(u2le(2386));
  });
});

describe('decoders accept what the spec allows and name the field they refuse', () => {
  it('time: every day of week 0..6; a month 13 is refused naming month', () => {
    for (let dow = 0; dow <= 6; dow++) expect(timeCodec.decode(u1(25, 1, 1, 0, 0, 0, dow)).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    const e = thrown(() => timeCodec.decode(u1(25, 13, 1, 0, 0, 0, 0)));
    expect(e.code).toBe(ErrorCode.INVALID_DATA_FORMAT);
    expect(e.details).toMatchObject({ codec: 'time', field: 'month' });
    expect(thrown(() => timeCodec.decode(u1(25, 2, 30, 0, 0, 0, 0))).details).toMatchObject({ field: 'date' });
  });

  it('hardware may be blank (three-phase) and csq takes any byte', () => {
    expect(codecFor(ObjectId.hardwareVersion)!.decode(Buffer.alloc(0))).toBe('');
    expect(codecFor(ObjectId.csqNetOp)!.decode(u1(0xff))).toEqual({ networkOperator: 7, csq: 31 });
  });

  it('a wrong-length record is refused naming the record', () => {
    const e = thrown(() => codecFor(ObjectId.prepayBalance)!.decode(Buffer.alloc(0)));
    expect(e.code).toBe(ErrorCode.INVALID_DATA_FORMAT);
    expect(e.details).toMatchObject({ codec: 'prepay_balance', field: 'payload' });
  });

  it('firmware of 4 bytes that are not ASCII is refused naming version_bytes', () => {
    expect(thrown(() => firmwareCodec.decode(u1(0x33, 0x00, 0x33, 0x32))).details).toMatchObject({ field: 'version_bytes' });
  });
});
