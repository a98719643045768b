import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calinDlt645Codec, gridtwinDemoCodec, type LorawanCodec } from '../../../adapters/meters/chirpstack';
import type { InteractionResult, InteractionType, Phase } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';

/**
 * Property-based attack on the two LoRaWAN application codecs (issue 14 item 3). Frames are built here by hand
 * after the layout each codec documents: calin-dlt645 `68 | address (6, BCD LE) | 68 | control | size | DI (+0x33,
 * LE) | data (+0x33) | sum | 16` (nxtgrid/nxt-device-messaging src/plugins/calin-chirpstack/lib
 * decode-response-data.ts), gridtwin-demo `C1 | corr | code | status | value` (demoFrame.ts). Whatever bytes
 * arrive, a decoder returns an outcome whose values could be stored truthfully, or throws a GridtwinError.
 */
const RUNS = { numRuns: 400, seed: 645 } as const;

const ALL_TYPES: InteractionType[] = [
  'READ_CREDIT', 'READ_POWER_LIMIT', 'READ_VERSION', 'READ_DATE', 'READ_TIME', 'READ_VOLTAGE', 'READ_CURRENT', 'READ_POWER',
  'TURN_ON', 'TURN_OFF', 'SET_DATE', 'SET_TIME', 'TOP_UP', 'CLEAR_CREDIT', 'CLEAR_TAMPER', 'SET_POWER_LIMIT', 'DELIVER_PREEXISTING_TOKEN',
];
const PARAMS = { date: '2026-03-04', time: '05:06:07', phase: 'A' as Phase, token: '12345678901234567890', powerLimitW: 700 };

const realDate = (s: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() + 1 === Number(m[2]) && d.getUTCDate() === Number(m[3]);
};
const realTime = (s: string) => {
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(s);
  return !!m && Number(m[1]) <= 23 && Number(m[2]) <= 59 && Number(m[3]) <= 59;
};

/** What may be stored from a decoded result: finite numbers, non-negative readings, real dates and times. */
function expectStorable(r: InteractionResult): void {
  for (const k of ['kwhCredit', 'powerLimitW', 'voltageV', 'currentA', 'powerW'] as const) {
    if (r[k] === undefined) continue;
    expect(Number.isFinite(r[k]), `${k} = ${r[k]}`).toBe(true);
    if (k !== 'kwhCredit') expect(r[k], k).toBeGreaterThanOrEqual(0);
  }
  if (r.date !== undefined) expect(realDate(r.date), `date ${r.date}`).toBe(true);
  if (r.time !== undefined) expect(realTime(r.time), `time ${r.time}`).toBe(true);
}

/** A typed refusal, or an uplink whose every outcome is storable. */
function attack(codec: LorawanCodec, frame: Buffer): void {
  const typed = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof GridtwinError)) throw new Error(`${codec.name} threw untyped ${String(e)} on ${frame.toString('hex')}`);
      expect(e.code).toBe(ErrorCode.INVALID_DATA_FORMAT);
    }
  };
  typed(() => {
    const up = codec.decodeUplink(frame);
    if (up.kind === 'report') expectStorable(up.result);
    if (up.kind !== 'response') return;
    for (const type of ALL_TYPES.filter((t) => up.answers(t))) {
      typed(() => {
        const out = up.outcome({ type, params: PARAMS });
        if (out.ok) expectStorable(out.result);
      });
    }
  });
  typed(() => { codec.decodeCommand(frame); });
}

// ---- calin-dlt645 frames by hand ----
const sum = (b: number[]) => b.reduce((s, x) => s + x, 0) & 0xff;
const ADDRESS = [0x23, 0x36, 0x33, 0x03, 0x70, 0x04];
const dltFrame = (control: number, body: number[]) => {
  const head = [0x68, ...ADDRESS, 0x68, control, body.length, ...body];
  return Buffer.from([...head, sum(head), 0x16]);
};
const KNOWN_DI = [0xe421, 0xc010, 0xc011, 0xb611, 0xb612, 0xb613, 0xb621, 0xb622, 0xb623, 0xb630, 0xb631, 0xb632, 0xc111, 0xa120, 0xc03d, 0xc03c];
/** A well-formed envelope (right head, sum, end) around any control, a known or random DI and random data: what gets past the checksum. */
const dltEnvelope = fc.tuple(
  fc.oneof({ weight: 4, arbitrary: fc.constant(0x81) }, { weight: 1, arbitrary: fc.constantFrom(0xc1, 0x84, 0xc4, 0x80, 0xc0, 0x01, 0x04, 0x00, 0x11) }),
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KNOWN_DI, 0xc111, 0xc111, 0xc010, 0xc011) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
  fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 33, maxLength: 40 })),
).map(([control, di, data]) => dltFrame(control, [(di & 0xff) + 0x33 & 0xff, (di >> 8) + 0x33 & 0xff, ...data]));

const mutate = (valid: Buffer) =>
  fc.oneof(
    fc.nat(valid.length).map((n) => valid.subarray(0, n)),
    fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => { const b = Buffer.from(valid); b[i] = b[i]! ^ x; return b; }),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((t) => Buffer.concat([valid, t])),
  );

const twoDecimals = (max: number) => fc.integer({ min: 0, max: max * 100 }).map((n) => n / 100);
const dateArb = fc.integer({ min: Date.UTC(2000, 0, 1) / 86_400_000, max: Date.UTC(2099, 11, 31) / 86_400_000 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));
const timeArb = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 })).map((p) => p.map((n) => String(n).padStart(2, '0')).join(':'));
const phaseArb = fc.constantFrom<Phase>('A', 'B', 'C');
const serialArb = fc.stringMatching(/^[0-9]{11,12}$/);

/** A read answer the simulated meter sends for any value the frame can carry, and the result it must decode to. */
const dltRead = fc.oneof(
  fc.record({ type: fc.constant<InteractionType>('READ_CREDIT'), result: fc.record({ kwhCredit: twoDecimals(999_999), isOn: fc.boolean() }), phase: fc.constant(undefined) }),
  fc.record({ type: fc.constant<InteractionType>('READ_DATE'), result: fc.record({ date: dateArb }), phase: fc.constant(undefined) }),
  fc.record({ type: fc.constant<InteractionType>('READ_TIME'), result: fc.record({ time: timeArb }), phase: fc.constant(undefined) }),
  fc.record({ type: fc.constant<InteractionType>('READ_VOLTAGE'), result: fc.record({ voltageV: twoDecimals(9_999) }), phase: phaseArb }),
  fc.record({ type: fc.constant<InteractionType>('READ_CURRENT'), result: fc.record({ currentA: twoDecimals(99) }), phase: phaseArb }),
  fc.record({ type: fc.constant<InteractionType>('READ_POWER'), result: fc.record({ powerW: fc.integer({ min: 0, max: 9_999_999 }).map((n) => n / 10) }), phase: phaseArb }),
  fc.record({ type: fc.constant<InteractionType>('READ_POWER_LIMIT'), result: fc.record({ powerLimitW: fc.integer({ min: 0, max: 0xffffffff }) }), phase: fc.constant(undefined) }),
);

/** The reads and the report with their data bytes given on the wire (+0x33 already applied by the caller or not). */
const dltAnswer = (di: number, natural: number[]) => dltFrame(0x81, [(di & 0xff) + 0x33 & 0xff, (di >> 8) + 0x33 & 0xff, ...natural.map((b) => (b + 0x33) & 0xff)]);
/** A periodic report's 33 data bytes (decode-response-data.ts layout) with a valid freeze time, the rest given. */
const reportData = (remain: Buffer, freeze = [0x00, 0x05, 0x04, 0x03, 0x02, 0x26]) => [...freeze, 0, 0, 0, 0, ...remain, ...Array(18).fill(0), 0];

describe('calin-dlt645 decoder under arbitrary input', () => {
  const codec = calinDlt645Codec;
  const refusedNaming = (frame: Buffer, field: string) =>
    expect(() => codec.decodeUplink(frame)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT, message: expect.stringContaining(field) }));

  it('a date read whose bytes are not BCD is refused naming date, not stored as "20132-132-132" (regression)', () => {
    refusedNaming(dltAnswer(0xc010, [0xcc, 0xcc, 0xcc, 0xcc]), 'date');
  });

  it('a date or time read of a day or time that does not exist (2026-02-30, 24:00:00) is refused (regression)', () => {
    refusedNaming(dltAnswer(0xc010, [0x01, 0x30, 0x02, 0x26]), 'date');
    refusedNaming(dltAnswer(0xc011, [0x00, 0x00, 0x24]), 'time');
  });

  it('a credit read with a nibble above 9 is refused naming credit, not read as a wrong number (regression)', () => {
    refusedNaming(dltAnswer(0xe421, [0x0a, 0x00, 0x00, 0x00, 0x00, 0x00]), 'credit');
  });

  it('a report whose purchase-remain float is NaN or ±Infinity is refused naming it (regression: NaN was stored as kwhCredit)', () => {
    fc.assert(fc.property(fc.constantFrom(NaN, Infinity, -Infinity), fc.integer({ min: 0, max: 0x3fffff }), (v, mantissa) => {
      const remain = Buffer.alloc(4);
      remain.writeFloatLE(v);
      if (Number.isNaN(v)) remain.writeUInt32LE((0x7f800000 | mantissa | 1) >>> 0);
      refusedNaming(dltAnswer(0xc111, reportData(remain)), 'purchaseRemainSource1Kwh');
    }), { ...RUNS, numRuns: 50 });
  });

  it('any BCD field with a nibble above 9 is refused, whatever read carries it', () => {
    // [DI, data length, first BCD byte, BCD bytes]: the date's first byte is its weekday and the voltage's is skipped (not read)
    const read = fc.constantFrom<[number, number, number, number]>([0xe421, 6, 0, 4], [0xc010, 4, 1, 3], [0xc011, 3, 0, 3], [0xb611, 4, 1, 3], [0xb621, 2, 0, 2], [0xb630, 4, 0, 4]);
    fc.assert(fc.property(read, fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 }), fc.nat(), fc.integer({ min: 0xa, max: 0xf }), fc.boolean(),
      ([di, length, first, count], digits, at, bad, high) => {
        // valid BCD digits (a real date / time for those reads), then one nibble of one read BCD byte made no digit
        const base = di === 0xc010 ? [0x01, 0x15, 0x06, 0x26] : di === 0xc011 ? [0x30, 0x30, 0x12] : Array.from({ length }, (_, i) => (digits[2 * i]! << 4) | digits[2 * i + 1]!);
        const i = first + (at % count);
        base[i] = high ? (bad << 4) | (base[i]! & 0x0f) : (base[i]! & 0xf0) | bad;
        expect(() => codec.decodeUplink(dltAnswer(di, base))).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT, message: expect.stringContaining('not BCD') }));
      }), RUNS);
  });

  it('arbitrary bytes: storable or INVALID_DATA_FORMAT, never an untyped throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => attack(codec, Buffer.from(b))), RUNS);
  });

  it('any control / DI / data inside a well-formed envelope: storable or INVALID_DATA_FORMAT', () => {
    fc.assert(fc.property(dltEnvelope, (f) => attack(codec, f)), RUNS);
  });

  it('a valid answer truncated, flipped or extended: storable or INVALID_DATA_FORMAT', () => {
    fc.assert(fc.property(fc.tuple(dltRead, serialArb).chain(([r, serial]) => mutate(codec.encodeResponse({ corr: 0, type: r.type, params: r.phase ? { phase: r.phase } : {} }, { ok: true, result: r.result }, serial))), (f) => attack(codec, f)), RUNS);
  });

  it('decode(encodeResponse(x)) == x for every read value the frame carries (the simulated meter and the driver agree)', () => {
    fc.assert(fc.property(dltRead, serialArb, (r, serial) => {
      const cmd = { corr: 0, type: r.type, params: r.phase ? { phase: r.phase } : {} };
      const up = codec.decodeUplink(codec.encodeResponse(cmd, { ok: true, result: r.result }, serial));
      expect(up.kind).toBe('response');
      if (up.kind !== 'response') return;
      expect(up.answers(r.type)).toBe(true);
      expect(up.outcome(cmd)).toEqual({ ok: true, result: r.result });
    }), RUNS);
  });

  it('decodeCommand(encodeCommand(x)) == x for every command the frame carries, addressed to the meter', () => {
    const command = fc.oneof(
      fc.record({ type: fc.constantFrom<InteractionType>('READ_CREDIT', 'READ_DATE', 'READ_TIME', 'TURN_ON', 'TURN_OFF'), params: fc.constant({}) }),
      fc.record({ type: fc.constantFrom<InteractionType>('READ_VOLTAGE', 'READ_CURRENT', 'READ_POWER'), params: fc.record({ phase: phaseArb }) }),
      fc.record({ type: fc.constant<InteractionType>('SET_DATE'), params: fc.record({ date: dateArb }) }),
      fc.record({ type: fc.constant<InteractionType>('SET_TIME'), params: fc.record({ time: timeArb }) }),
      fc.record({ type: fc.constant<InteractionType>('DELIVER_PREEXISTING_TOKEN'), params: fc.record({ token: fc.stringMatching(/^\d{20}$/) }) }),
    );
    fc.assert(fc.property(command, serialArb, (c, serial) => {
      const back = codec.decodeCommand(codec.encodeCommand({ ...c, meterSerial: serial, corr: 0 }));
      expect({ type: back.type, params: back.params, address: back.address }).toEqual({ type: c.type, params: c.params, address: serial.padStart(12, '0') });
    }), RUNS);
  });

  it('the periodic report round trips credit, relay, voltage and current', () => {
    const report = fc.record({
      kwhCredit: fc.integer({ min: 0, max: 500_000 }).map((n) => n / 100), isOn: fc.boolean(),
      voltageV: fc.integer({ min: 0, max: 65_535 }).map((n) => n / 10), currentA: fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1000),
    });
    fc.assert(fc.property(report, serialArb, (r, serial) => {
      const up = codec.decodeUplink(codec.encodeReport(r, serial, new Date(Date.UTC(2026, 1, 3, 4, 5))));
      expect(up.kind).toBe('report');
      if (up.kind !== 'report') return;
      expect({ kwhCredit: up.result.kwhCredit, isOn: up.result.isOn, voltageV: up.result.voltageV, currentA: up.result.currentA }).toEqual(r);
      expect((up.result.raw as { freezeTime: string }).freezeTime).toBe('2026-02-03T04:05');
    }), RUNS);
  });
});

// ---- gridtwin-demo frames ----
const DEMO_CODES = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x10, 0x11, 0x20, 0x21, 0x30, 0x31, 0x32, 0x33, 0x34];
const demoCode = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...DEMO_CODES).map((c) => c | 0x80) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) });
const demoUplink = fc.tuple(fc.integer({ min: 0, max: 255 }), demoCode, fc.constantFrom(0, 0, 0, 1, 2), fc.uint8Array({ maxLength: 20 }))
  .map(([corr, code, status, value]) => Buffer.from([0xc1, corr, code, status, ...value]));

describe('gridtwin-demo decoder under arbitrary input', () => {
  const codec = gridtwinDemoCodec;

  it('arbitrary bytes and any code/status/value after the magic byte: storable or INVALID_DATA_FORMAT', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)), demoUplink), (f) => attack(codec, f)), RUNS);
  });

  it('a date or time answer that does not exist (0-00-00, 10000-01-01, 24:00:00) is refused, not stored (regression)', () => {
    for (const [code, type, value] of [[0x84, 'READ_DATE', [0, 0, 0, 0]], [0x84, 'READ_DATE', [0x27, 0x10, 1, 1]], [0x85, 'READ_TIME', [24, 0, 0]]] as const) {
      const decodeAndRead = () => {
        const up = codec.decodeUplink(Buffer.from([0xc1, 7, code, 0, ...value]));
        return up.kind === 'response' ? up.outcome({ type, params: {} }) : up;
      };
      expect(decodeAndRead).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_DATA_FORMAT }));
    }
  });

  it('decode(encodeResponse(x)) == x for reads the frame carries', () => {
    const read = fc.oneof(
      fc.record({ type: fc.constant<InteractionType>('READ_CREDIT'), result: fc.record({ kwhCredit: fc.integer({ min: 0, max: 0xffffffff }).map((n) => n / 1000), isOn: fc.boolean() }) }),
      fc.record({ type: fc.constant<InteractionType>('READ_DATE'), result: fc.record({ date: dateArb }) }),
      fc.record({ type: fc.constant<InteractionType>('READ_TIME'), result: fc.record({ time: timeArb }) }),
      fc.record({ type: fc.constant<InteractionType>('READ_VOLTAGE'), result: fc.record({ voltageV: fc.integer({ min: 0, max: 0xffff }).map((n) => n / 10) }) }),
      fc.record({ type: fc.constant<InteractionType>('READ_POWER'), result: fc.record({ powerW: fc.integer({ min: 0, max: 0xffffffff }) }) }),
      fc.record({ type: fc.constant<InteractionType>('READ_VERSION'), result: fc.record({ version: fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 12 }) }) }),
    );
    fc.assert(fc.property(read, fc.integer({ min: 1, max: 255 }), (r, corr) => {
      const up = codec.decodeUplink(codec.encodeResponse({ corr, type: r.type, params: {} }, { ok: true, result: r.result }, 'x'));
      expect(up.kind === 'response' && up.corr).toBe(corr);
      if (up.kind === 'response') expect(up.outcome({ type: r.type, params: {} })).toEqual({ ok: true, result: r.result });
    }), RUNS);
  });
});
