import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import {
  ELEMENT_CODECS, EVENTS_PER_PAGE, csqCodec, dataFieldCodec, elementReadCodec, emopTimestampCodec, eventLogRequestCodec,
  eventLogResponseCodec, firmwareCodec, hardwareCodec, prepayBalanceCodec, prepayTokenCodec, priceCodec, rawReplyCodec, rawReplyPayload,
  serialCodec, thresholdMaskCodec, thresholdValuesCodec, threePhaseReadCodec, threePhaseVoltageCodec, timeCodec, u1Codec, voltageCodec,
  type Codec,
} from '../../../adapters/emlite/codecs';
import { ObjectId } from '../../../adapters/emlite/objectIds';

/**
 * Property-based attack on every EMOP codec (issue 14 item 3): arbitrary bytes never crash a decoder untyped,
 * decode(encode(x)) == x for any value the record can carry, and a reply's length or content that would store
 * a wrong value is refused as INVALID_DATA_FORMAT naming the record and the field. Layouts: the codecs' own
 * (Kaitai emlite_data.ksy records as each codec file cites).
 */
const RUNS = { numRuns: 300, seed: 1414 } as const;

/** What a decoder may do with any input: return a value, or throw INVALID_DATA_FORMAT naming its record. */
function decodesOrRefuses<T>(codec: Pick<Codec<T>, 'name' | 'decode'>, bytes: Uint8Array): T | GridtwinError {
  try {
    return codec.decode(Buffer.from(bytes));
  } catch (e) {
    if (!(e instanceof GridtwinError)) throw new Error(`${codec.name} threw untyped ${String(e)} on ${Buffer.from(bytes).toString('hex')}`);
    expect(e.code).toBe(ErrorCode.INVALID_DATA_FORMAT);
    expect((e.details as { codec: string }).codec).toBe(codec.name);
    expect(typeof (e.details as { field: string }).field).toBe('string');
    return e;
  }
}

/** No number a decoder hands back is NaN or ±Infinity, at any depth (no Invalid Date either). */
function allFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (v instanceof Date) return Number.isFinite(v.getTime());
  if (Buffer.isBuffer(v)) return true;
  if (Array.isArray(v)) return v.every(allFinite);
  if (v && typeof v === 'object') return Object.values(v).every(allFinite);
  return true;
}

const wholeSecondDate = (fromYear: number, toYear: number) =>
  fc.integer({ min: Date.UTC(fromYear, 0, 1) / 1000, max: Date.UTC(toYear, 11, 31, 23, 59, 59) / 1000 }).map((s) => new Date(s * 1000));
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const printable = (min: number, max: number) => fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });

/** Values each codec can carry: the domain of its round trip. */
const VALUES: Array<{ codec: Codec<never>; value: fc.Arbitrary<unknown> }> = [
  { codec: timeCodec, value: wholeSecondDate(2000, 2255) },
  { codec: serialCodec, value: printable(1, 24) },
  // inner spaces survive; leading/trailing ones are the padding the decoder trims (text.ts), so not in the domain
  { codec: hardwareCodec, value: fc.oneof(fc.constant(''), fc.tuple(printable(1, 6), fc.constantFrom('', ' '), printable(1, 6)).map((p) => p.join(''))) },
  {
    codec: firmwareCodec,
    value: fc.oneof(
      printable(4, 4).map((s) => `${s[0]}_${s.slice(1, 3)}_${s[3]}`),
      fc.uint8Array({ minLength: 1, maxLength: 12 }).filter((b) => b.length !== 4).map((b) => Buffer.from(b).toString('hex')),
    ),
  },
  { codec: prepayBalanceCodec, value: fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((u) => u / 100_000) },
  { codec: prepayTokenCodec, value: fc.stringMatching(/^\d{20}$/) },
  { codec: u1Codec, value: fc.integer({ min: 0, max: 255 }) },
  { codec: priceCodec, value: u32.map((u) => u / 100_000) },
  { codec: emopTimestampCodec, value: wholeSecondDate(2000, 2135) },
  { codec: elementReadCodec, value: fc.record({ importActiveWh: u32, exportActiveWh: u32, importReactiveVarh: u32, exportReactiveVarh: u32 }).filter((v) => Object.values(v).some((x) => x !== 0xffffffff)) },
  { codec: csqCodec, value: fc.record({ networkOperator: fc.integer({ min: 0, max: 7 }), csq: fc.integer({ min: 0, max: 31 }) }) },
  { codec: voltageCodec, value: fc.integer({ min: 0, max: 0xffff }).map((d) => d / 10) },
  { codec: threePhaseVoltageCodec, value: fc.integer({ min: 0, max: 0xffff }).map((d) => d / 10) },
  { codec: threePhaseReadCodec, value: fc.record({ activeImport: u32, activeExport: u32, reactiveImport: u32, reactiveExport: u32, apparentImport: u32, apparentExport: u32 }) },
  { codec: thresholdMaskCodec, value: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }) },
  { codec: thresholdValuesCodec, value: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }) },
  { codec: eventLogResponseCodec, value: fc.array(fc.record({ timestamp: wholeSecondDate(2000, 2135), eventId: fc.integer({ min: 0, max: 255 }), eventSet: fc.integer({ min: 0, max: 255 }) }), { maxLength: EVENTS_PER_PAGE }) },
  { codec: eventLogRequestCodec, value: fc.integer({ min: 0, max: 9 }) },
  { codec: dataFieldCodec, value: fc.record({ objectId: fc.integer({ min: 0, max: 0xffffff }), write: fc.boolean(), payload: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) }) },
  { codec: rawReplyCodec, value: fc.record({ objectId: fc.integer({ min: 0, max: 0xffffff }), flag: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) }) },
] as Array<{ codec: Codec<never>; value: fc.Arbitrary<unknown> }>;

/** Mutations of a valid encoding: truncate, flip a byte, extend. */
const mutated = (valid: Buffer) =>
  fc.oneof(
    fc.nat(valid.length).map((n) => valid.subarray(0, n)),
    fc.tuple(fc.nat(Math.max(0, valid.length - 1)), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const b = Buffer.from(valid);
      if (b.length) b[i] = b[i]! ^ x;
      return b;
    }),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((tail) => Buffer.concat([valid, tail])),
  );

describe('Emlite codecs under arbitrary input', () => {
  it('every codec of the registry is in this attack (none forgotten)', () => {
    const attacked = new Set(VALUES.map((v) => v.codec));
    for (const codec of Object.values(ELEMENT_CODECS)) expect(attacked.has(codec as never), codec.name).toBe(true);
  });

  for (const { codec, value } of VALUES) {
    describe(codec.name, () => {
      it('decode(encode(x)) == x for every value the record carries', () => {
        fc.assert(fc.property(value, (x) => {
          expect(codec.decode(codec.encode(x as never))).toEqual(x);
        }), RUNS);
      });

      it('arbitrary bytes: a finite value or INVALID_DATA_FORMAT naming the record and field, never an untyped throw', () => {
        fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          const got = decodesOrRefuses(codec, bytes);
          if (!(got instanceof GridtwinError)) expect(allFinite(got)).toBe(true);
        }), RUNS);
      });

      it('a valid encoding truncated, flipped or extended: a finite value or a typed refusal', () => {
        fc.assert(fc.property(value.chain((x) => mutated(codec.encode(x as never))), (bytes) => {
          const got = decodesOrRefuses(codec, bytes);
          if (!(got instanceof GridtwinError)) expect(allFinite(got)).toBe(true);
        }), RUNS);
      });
    });
  }

  it('fixed-length records refuse any other length, naming the record', () => {
    const fixed: Array<[Codec<never>, number]> = [
      [timeCodec as Codec<never>, 7], [u1Codec as Codec<never>, 1], [priceCodec as Codec<never>, 4], [prepayBalanceCodec as Codec<never>, 4],
      [elementReadCodec as Codec<never>, 16], [csqCodec as Codec<never>, 1], [voltageCodec as Codec<never>, 2],
      [threePhaseReadCodec as Codec<never>, 24], [thresholdMaskCodec as Codec<never>, 1], [thresholdValuesCodec as Codec<never>, 14],
    ];
    fc.assert(fc.property(fc.constantFrom(...fixed), fc.uint8Array({ maxLength: 32 }), ([codec, length], bytes) => {
      fc.pre(bytes.length !== length);
      expect(() => codec.decode(Buffer.from(bytes))).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT, details: expect.objectContaining({ codec: codec.name }) }));
    }), RUNS);
  });

  it('a raw reply for another object is refused naming object_id; for the asked one its payload comes back unchanged', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }), (asked, answered, flag, payload) => {
      const reply = rawReplyCodec.encode({ objectId: answered, flag, payload: Buffer.from(payload) });
      if (asked === answered) expect(rawReplyPayload('x', reply, asked)).toEqual(Buffer.from(payload));
      else expect(() => rawReplyPayload('x', reply, asked)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT, details: expect.objectContaining({ field: 'object_id' }) }));
    }), RUNS);
  });

  it('an event log reply (echoed id + index + records), arbitrary or mutated, decodes to real dates or is refused typed', () => {
    const validReply = fc.array(fc.record({ timestamp: wholeSecondDate(2000, 2135), eventId: fc.integer({ min: 0, max: 255 }), eventSet: fc.integer({ min: 0, max: 255 }) }), { maxLength: 10 })
      .map((events) => rawReplyCodec.encode({ objectId: ObjectId.eventLog, flag: 0, payload: eventLogResponseCodec.encode(events) }));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 70 }).map((b) => Buffer.from(b)), validReply.chain(mutated)), (reply) => {
      try {
        const events = eventLogResponseCodec.decode(rawReplyPayload('event_log_response', reply, ObjectId.eventLog));
        expect(events.length).toBeLessThanOrEqual(EVENTS_PER_PAGE);
        expect(allFinite(events)).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(GridtwinError);
        expect((e as GridtwinError).code).toBe(ErrorCode.INVALID_DATA_FORMAT);
      }
    }), RUNS);
  });

  it('a short price or tariff activation reply is refused naming its own record, not the inner u4le_value (regression)', () => {
    expect(() => priceCodec.decode(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT, details: expect.objectContaining({ codec: 'price' }) }));
    expect(() => emopTimestampCodec.decode(Buffer.alloc(5))).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT, details: expect.objectContaining({ codec: 'emop_timestamp' }) }));
  });

  it('the meter clock refuses every impossible calendar field, naming it', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 7, maxLength: 7 }), (b) => {
      const got = decodesOrRefuses(timeCodec, b);
      if (got instanceof GridtwinError) {
        expect(['year', 'month', 'date', 'hour', 'minute', 'second', 'day_of_week']).toContain((got.details as { field: string }).field);
      } else {
        expect(got.getUTCFullYear() - 2000).toBe(b[0]);
        expect([got.getUTCMonth() + 1, got.getUTCDate(), got.getUTCHours(), got.getUTCMinutes(), got.getUTCSeconds()]).toEqual([...b.subarray(1, 6)]);
      }
    }), RUNS);
  });
});
