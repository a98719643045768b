import type { InteractionResult, InteractionType, Phase } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { CommandToEncode, DecodedCommand, DecodedUplink, LorawanCodec, Outcome } from './codec';
import { dlmsPowerLimitRequest, dlmsPowerLimitResponse, isDlmsFrame, readDlmsPowerLimit } from './calinDlms';

/**
 * The "calin-dlt645" codec: the application payload Calin LoRaWAN meters speak, as the origin's device
 * messaging service encodes and decodes it (nxtgrid/nxt-device-messaging, src/plugins/calin-chirpstack/lib/
 * encode-request-data.ts, decode-response-data.ts, types.ts). A DL/T 645-style frame:
 *
 *   68 | address: 6 bytes BCD, little-endian | 68 | control | size | DI: 2 bytes | data | checksum | 16
 *
 * DI and data bytes travel +0x33 and little-endian; the checksum is the byte sum of everything before it mod
 * 256. Control codes: 01 read, 04 write (4 password bytes first), 00 token; answers set 0x80 (success) or
 * 0xC0 (failure). READ_POWER_LIMIT is a fixed DLMS frame instead (calinDlms.ts). READ_VERSION has no frame
 * in the source, so it is refused. Where the source leaves a layout open the code says "assumed".
 */
const HEAD = 0x68;
const END = 0x16;
const CTRL = { READ: 0x01, WRITE: 0x04, TOKEN: 0x00 } as const;
const OK = 0x80;
const FAIL = 0xc0;
const PASSWORD = [0, 0, 0, 0];

const plus33 = (b: number) => (b + 0x33) & 0xff;
const minus33 = (b: number) => (b - 0x33 + 256) & 0xff;
const bad = (message: string) => new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `calin frame: ${message}`);
const invalid = (message: string) => new GridtwinError(ErrorCode.VALIDATION_FAILED, message);

const PHASE_DI: Record<'READ_VOLTAGE' | 'READ_CURRENT' | 'READ_POWER', Record<Phase, number>> = {
  READ_VOLTAGE: { A: 0xb611, B: 0xb612, C: 0xb613 },
  READ_CURRENT: { A: 0xb621, B: 0xb622, C: 0xb623 },
  READ_POWER: { A: 0xb630, B: 0xb631, C: 0xb632 },
};
const READ_DI: Partial<Record<InteractionType, number>> = { READ_CREDIT: 0xe421, READ_DATE: 0xc010, READ_TIME: 0xc011 };
const WRITE_DI = { TURN_ON: 0xc03d, TURN_OFF: 0xc03c, SET_DATE: 0xc010, SET_TIME: 0xc011 } as const;
const REPORT_DI = 0xc111;
const TOKEN_DI = 0xa120;
const TOKEN_TYPES = new Set<InteractionType>(['TOP_UP', 'CLEAR_CREDIT', 'CLEAR_TAMPER', 'SET_POWER_LIMIT', 'DELIVER_PREEXISTING_TOKEN']);
const WRITE_TYPES = new Set<InteractionType>(Object.keys(WRITE_DI) as InteractionType[]);
const READ_TYPES = new Set<InteractionType>(['READ_CREDIT', 'READ_DATE', 'READ_TIME', 'READ_VOLTAGE', 'READ_CURRENT', 'READ_POWER']);
const SUPPORTED = new Set<InteractionType>([...TOKEN_TYPES, ...WRITE_TYPES, ...READ_TYPES, 'READ_POWER_LIMIT']);

/** Which interaction a read data identifier answers (phase reads carry their phase in the DI). */
const DI_READS = new Map<number, { type: InteractionType; phase?: Phase }>([
  [0xe421, { type: 'READ_CREDIT' }], [0xc010, { type: 'READ_DATE' }], [0xc011, { type: 'READ_TIME' }],
  ...(Object.entries(PHASE_DI) as Array<[InteractionType, Record<Phase, number>]>).flatMap(([type, byPhase]) =>
    (Object.entries(byPhase) as Array<[Phase, number]>).map(([phase, di]) => [di, { type, phase }] as [number, { type: InteractionType; phase: Phase }])),
]);

function toBcd(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 99) throw invalid(`value ${n} does not fit one BCD byte`);
  return ((n / 10) << 4) | n % 10;
}
/** One BCD byte; a nibble above 9 is no digit, so a value read through it would be wrong: refused naming `field`. */
function fromBcd(b: number, field: string): number {
  if ((b >> 4) > 9 || (b & 0x0f) > 9) throw bad(`${field}: byte 0x${b.toString(16).padStart(2, '0')} is not BCD`);
  return (b >> 4) * 10 + (b & 0x0f);
}
/** An integer as `bytes` BCD bytes, least significant pair first. */
function bcdLe(value: number, bytes: number): number[] {
  const digits = String(Math.round(value)).padStart(bytes * 2, '0');
  if (digits.length > bytes * 2 || value < 0) throw invalid(`value ${value} does not fit ${bytes} BCD bytes`);
  return Array.from({ length: bytes }, (_, i) => toBcd(Number(digits.slice(digits.length - 2 * (i + 1), digits.length - 2 * i))));
}
const fromBcdLe = (raw: number[], field: string) => raw.reduceRight((acc, b) => acc * 100 + fromBcd(b, field), 0);
const binLe = (raw: number[]) => raw.reduceRight((acc, b) => acc * 256 + b, 0);

/** The meter number as the 6-byte little-endian BCD address (11-digit numbers get a leading 0). */
function addressBytes(serial: string): number[] {
  // the source parses the meter number as hex (hexToBytes); Calin numbers are decimal digits, so this is BCD
  if (!/^[0-9a-fA-F]{1,12}$/.test(serial)) throw invalid(`a Calin LoRaWAN meter address is up to 12 digits, got ${JSON.stringify(serial)}`);
  const s = serial.toLowerCase().padStart(12, '0');
  return Array.from({ length: 6 }, (_, i) => parseInt(s.slice(2 * i, 2 * i + 2), 16)).reverse();
}
const addressOf = (frame: Buffer) => [...frame.subarray(1, 7)].reverse().map((b) => b.toString(16).padStart(2, '0')).join('');

function frameOf(serial: string, control: number, di: number | undefined, data: number[]): Buffer {
  const diBytes = di === undefined ? [] : [plus33(di & 0xff), plus33(di >> 8)];
  const body = [HEAD, ...addressBytes(serial), HEAD, control, diBytes.length + data.length, ...diBytes, ...data];
  const checksum = body.reduce((s, b) => s + b, 0) & 0xff;
  return Buffer.from([...body, checksum, END]);
}
/** Application data as it travels: each byte +0x33, least significant first. */
const wire = (naturalOrder: number[]) => naturalOrder.map(plus33).reverse();

function dateParts(date: string | undefined): number[] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  const at = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !at || at.getUTCFullYear() !== Number(m[1]) || at.getUTCMonth() + 1 !== Number(m[2]) || at.getUTCDate() !== Number(m[3])) {
    throw invalid('SET_DATE needs a real calendar date YYYY-MM-DD');
  }
  // year-first; on the wire (reversed) the meter sees weekday, day, month, year (the source's encodeDateBytes)
  return [toBcd(Number(m[1]) % 100), toBcd(Number(m[2])), toBcd(Number(m[3])), toBcd(at.getUTCDay())];
}
function timeParts(time: string | undefined): number[] {
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(time ?? '');
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) throw invalid('SET_TIME needs a time HH:MM:SS');
  return [toBcd(Number(m[1])), toBcd(Number(m[2])), toBcd(Number(m[3]))];
}

function encodeCommand(cmd: CommandToEncode): Buffer {
  const { type, params } = cmd;
  if (type === 'READ_POWER_LIMIT') return dlmsPowerLimitRequest();
  if (TOKEN_TYPES.has(type)) {
    const token = params.token ?? '';
    if (!/^\d{20}$/.test(token)) throw invalid(`${type} needs a 20-digit token`);
    return frameOf(cmd.meterSerial, CTRL.TOKEN, TOKEN_DI, wire(Array.from({ length: 10 }, (_, i) => parseInt(token.slice(2 * i, 2 * i + 2), 16))));
  }
  switch (type) {
    case 'TURN_ON': return frameOf(cmd.meterSerial, CTRL.WRITE, WRITE_DI.TURN_ON, [...wire(PASSWORD), ...wire([0x96])]);
    case 'TURN_OFF': return frameOf(cmd.meterSerial, CTRL.WRITE, WRITE_DI.TURN_OFF, [...wire(PASSWORD), ...wire([0x35])]);
    case 'SET_DATE': return frameOf(cmd.meterSerial, CTRL.WRITE, WRITE_DI.SET_DATE, [...wire(PASSWORD), ...wire(dateParts(params.date))]);
    case 'SET_TIME': return frameOf(cmd.meterSerial, CTRL.WRITE, WRITE_DI.SET_TIME, [...wire(PASSWORD), ...wire(timeParts(params.time))]);
    case 'READ_VOLTAGE': case 'READ_CURRENT': case 'READ_POWER':
      return frameOf(cmd.meterSerial, CTRL.READ, PHASE_DI[type][params.phase ?? 'A'], []);
    default: {
      const di = READ_DI[type];
      if (di === undefined) throw invalid(`${type} has no Calin LoRaWAN frame`);
      return frameOf(cmd.meterSerial, CTRL.READ, di, []);
    }
  }
}

/** Header, end byte, declared size and checksum; returns the frame's data bytes with 0x33 removed. */
function checkFrame(frame: Buffer): { control: number; size: number; payload: number[] } {
  if (frame.length < 12 || frame[0] !== HEAD || frame[7] !== HEAD || frame[frame.length - 1] !== END) throw bad('bad header or end byte');
  const checksum = frame.subarray(0, frame.length - 2).reduce((s, b) => s + b, 0) & 0xff;
  if (checksum !== frame[frame.length - 2]) throw bad('checksum mismatch');
  const size = frame[9]!;
  if (frame.length < 12 + size) throw bad('frame shorter than its declared data size');
  return { control: frame[8]!, size, payload: [...frame.subarray(10, 10 + size)].map(minus33) };
}

const failure = (what: string, payload: number[]): Outcome =>
  ({ ok: false, reason: `meter refused the ${what}${payload.length ? ` (status 0x${payload[0]!.toString(16).padStart(2, '0')})` : ''}` });

/** Answers that only say "done" take their result from the command they answer. */
function impliedResult(cmd: Pick<CommandToEncode, 'type' | 'params'>): InteractionResult {
  switch (cmd.type) {
    case 'TURN_ON': return { isOn: true };
    case 'TURN_OFF': return { isOn: false };
    case 'SET_DATE': return { date: cmd.params.date };
    case 'SET_TIME': return { time: cmd.params.time };
    // the meter took the token that carries this limit (it does not echo it)
    case 'SET_POWER_LIMIT': return { tokenAccepted: true, ...(cmd.params.powerLimitW !== undefined ? { powerLimitW: cmd.params.powerLimitW } : {}) };
    default: return { tokenAccepted: true };
  }
}

function decodeRead(di: number, d: number[], phase: Phase | undefined): InteractionResult {
  switch (di) {
    // credit left: 4 BCD bytes /100 kWh, then credit level, then relay status (0 = relay closed, on)
    case 0xe421: return { kwhCredit: fromBcdLe(d.slice(0, 4), 'credit') / 100, isOn: d[5] === 0 };
    case 0xc010: return { date: calendarDate(fromBcd(d[3]!, 'date.year'), fromBcd(d[2]!, 'date.month'), fromBcd(d[1]!, 'date.day'), 'date') };
    case 0xc011: return { time: clockTime(fromBcd(d[2]!, 'time.hour'), fromBcd(d[1]!, 'time.minute'), fromBcd(d[0]!, 'time.second'), 'time') };
    default: break;
  }
  const kind = phase && DI_READS.get(di)?.type;
  // the source reads voltage from the 3 bytes after the first ("testing shows 3 bytes are used")
  if (kind === 'READ_VOLTAGE') return { voltageV: fromBcdLe(d.slice(1, 4), 'voltage') / 100 };
  if (kind === 'READ_CURRENT') return { currentA: fromBcdLe(d.slice(0, 2), 'current') / 100 };
  return { powerW: fromBcdLe(d.slice(0, 4), 'power') / 10 };
}

function decodeReport(d: number[]): InteractionResult {
  // a float32 can carry NaN or ±Infinity: no credit to store, so the report is refused naming the field
  const f32 = (o: number, field: string) => {
    const v = Buffer.from(d.slice(o, o + 4)).readFloatLE(0);
    if (!Number.isFinite(v)) throw bad(`report ${field}: ${v} is not a number of kWh`);
    return Math.round(v * 1000) / 1000;
  };
  const status = d[32]!;
  const date = calendarDate(fromBcd(d[5]!, 'freezeTime.year'), fromBcd(d[4]!, 'freezeTime.month'), fromBcd(d[3]!, 'freezeTime.day'), 'freezeTime');
  const freezeTime = `${date}T${clockTime(fromBcd(d[2]!, 'freezeTime.hour'), fromBcd(d[1]!, 'freezeTime.minute'), 0, 'freezeTime').slice(0, 5)}`;
  const raw = {
    freezeTime,
    consumptionSource1Kwh: binLe(d.slice(6, 10)) / 100, purchaseRemainSource1Kwh: f32(10, 'purchaseRemainSource1Kwh'),
    consumptionSource2Kwh: binLe(d.slice(14, 18)) / 100, purchaseRemainSource2Kwh: f32(18, 'purchaseRemainSource2Kwh'),
    intervalDemand: binLe(d.slice(22, 26)), statusBits: status,
  };
  return { kwhCredit: raw.purchaseRemainSource1Kwh, isOn: (status & 1) === 0, voltageV: binLe(d.slice(26, 28)) / 10, currentA: binLe(d.slice(28, 32)) / 1000, raw };
}
const pad2 = (n: number) => String(n).padStart(2, '0');

/** 20yy-mm-dd when that day exists; a meter answering 2024-02-30 or month 0 is refused naming `field`. */
function calendarDate(yy: number, month: number, day: number, field: string): string {
  const at = new Date(Date.UTC(2000 + yy, month - 1, day));
  if (month < 1 || month > 12 || day < 1 || at.getUTCMonth() !== month - 1) throw bad(`${field}: no day 20${pad2(yy)}-${pad2(month)}-${pad2(day)}`);
  return `20${pad2(yy)}-${pad2(month)}-${pad2(day)}`;
}
function clockTime(h: number, m: number, s: number, field: string): string {
  if (h > 23 || m > 59 || s > 59) throw bad(`${field}: no time ${pad2(h)}:${pad2(m)}:${pad2(s)}`);
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
}

function decodeUplink(frame: Buffer): DecodedUplink {
  if (isDlmsFrame(frame)) {
    const powerLimitW = readDlmsPowerLimit(frame);
    return { kind: 'response', answers: (t) => t === 'READ_POWER_LIMIT', outcome: () => ({ ok: true, result: { powerLimitW } }) };
  }
  const { control, payload } = checkFrame(frame);
  switch (control) {
    case CTRL.TOKEN | OK: return { kind: 'response', answers: (t) => TOKEN_TYPES.has(t), outcome: (cmd) => ({ ok: true, result: impliedResult(cmd) }) };
    case CTRL.TOKEN | FAIL: return { kind: 'response', answers: (t) => TOKEN_TYPES.has(t), outcome: () => failure('token', payload) };
    case CTRL.WRITE | OK: return { kind: 'response', answers: (t) => WRITE_TYPES.has(t), outcome: (cmd) => ({ ok: true, result: impliedResult(cmd) }) };
    case CTRL.WRITE | FAIL: return { kind: 'response', answers: (t) => WRITE_TYPES.has(t), outcome: () => failure('write', payload) };
    // assumed: a refused read carries one status byte like the refused token the source captured
    case CTRL.READ | FAIL: return { kind: 'response', answers: (t) => READ_TYPES.has(t), outcome: () => failure('read', payload) };
    case CTRL.READ | OK: break;
    default: return { kind: 'ignored', reason: `control code 0x${control.toString(16)}` };
  }
  if (payload.length < 2) throw bad('read answer without a data identifier');
  const di = payload[0]! | (payload[1]! << 8);
  const data = payload.slice(2);
  if (di === REPORT_DI) {
    if (data.length < 33) throw bad('report shorter than 33 data bytes');
    return { kind: 'report', result: decodeReport(data) };
  }
  const read = DI_READS.get(di);
  if (!read) return { kind: 'ignored', reason: `data identifier 0x${di.toString(16)}` };
  const need = { READ_CREDIT: 6, READ_DATE: 4, READ_TIME: 3, READ_VOLTAGE: 4, READ_CURRENT: 2, READ_POWER: 4 }[read.type as 'READ_CREDIT'] ?? 0;
  if (data.length < need) throw bad(`${read.type} answer shorter than ${need} data bytes`);
  const result = decodeRead(di, data, read.phase);
  return { kind: 'response', answers: (t) => t === read.type, outcome: () => ({ ok: true, result }) };
}

// ---- device side (what the simulated meters run) ----

function decodeCommand(frame: Buffer): DecodedCommand {
  if (isDlmsFrame(frame)) return { corr: 0, type: 'READ_POWER_LIMIT', params: {} };
  const { control, payload } = checkFrame(frame);
  const address = addressOf(frame);
  if (payload.length < 2) throw bad('command without a data identifier');
  const di = payload[0]! | (payload[1]! << 8);
  const data = payload.slice(2).reverse();
  if (control === CTRL.TOKEN && di === TOKEN_DI) {
    return { corr: 0, type: 'DELIVER_PREEXISTING_TOKEN', params: { token: data.map((b) => b.toString(16).padStart(2, '0')).join('') }, address };
  }
  if (control === CTRL.READ) {
    const read = DI_READS.get(di);
    if (!read) throw bad(`unknown read identifier 0x${di.toString(16)}`);
    return { corr: 0, type: read.type, params: read.phase ? { phase: read.phase } : {}, address };
  }
  if (control === CTRL.WRITE) {
    const value = data.slice(0, data.length - 4).map((b) => fromBcd(b, 'value'));
    if (di === WRITE_DI.TURN_ON) return { corr: 0, type: 'TURN_ON', params: {}, address };
    if (di === WRITE_DI.TURN_OFF) return { corr: 0, type: 'TURN_OFF', params: {}, address };
    if (di === WRITE_DI.SET_DATE) return { corr: 0, type: 'SET_DATE', params: { date: `20${pad2(value[0]!)}-${pad2(value[1]!)}-${pad2(value[2]!)}` }, address };
    if (di === WRITE_DI.SET_TIME) return { corr: 0, type: 'SET_TIME', params: { time: `${pad2(value[0]!)}:${pad2(value[1]!)}:${pad2(value[2]!)}` }, address };
  }
  throw bad(`unknown command 0x${control.toString(16)} / 0x${di.toString(16)}`);
}

const DEVICE_ERROR = 0x01;

function encodeResponse(cmd: DecodedCommand, outcome: Outcome, meterSerial: string): Buffer {
  if (cmd.type === 'READ_POWER_LIMIT') return dlmsPowerLimitResponse(outcome.ok ? outcome.result.powerLimitW ?? 0 : 0);
  const control = TOKEN_TYPES.has(cmd.type) ? CTRL.TOKEN : WRITE_TYPES.has(cmd.type) ? CTRL.WRITE : CTRL.READ;
  // a refused command answers one status byte (the source's captured refused-token frame: c0 01 34)
  if (!outcome.ok) return frameOf(meterSerial, control | FAIL, undefined, wire([DEVICE_ERROR]));
  if (control !== CTRL.READ) return frameOf(meterSerial, control | OK, undefined, []);
  const r = outcome.result;
  const phase = cmd.params.phase ?? 'A';
  switch (cmd.type) {
    case 'READ_CREDIT': return frameOf(meterSerial, CTRL.READ | OK, 0xe421, [...bcdLe((r.kwhCredit ?? 0) * 100, 4), 0, r.isOn ? 0 : 1].map(plus33));
    case 'READ_DATE': {
      const [y, m, d] = (r.date ?? '2000-01-01').split('-').map(Number) as [number, number, number];
      return frameOf(meterSerial, CTRL.READ | OK, 0xc010, wire(dateParts(`${y}-${pad2(m)}-${pad2(d)}`)));
    }
    case 'READ_TIME': return frameOf(meterSerial, CTRL.READ | OK, 0xc011, wire(timeParts(r.time)));
    case 'READ_VOLTAGE': return frameOf(meterSerial, CTRL.READ | OK, PHASE_DI.READ_VOLTAGE[phase], [0, ...bcdLe((r.voltageV ?? 0) * 100, 3)].map(plus33));
    case 'READ_CURRENT': return frameOf(meterSerial, CTRL.READ | OK, PHASE_DI.READ_CURRENT[phase], bcdLe((r.currentA ?? 0) * 100, 2).map(plus33));
    case 'READ_POWER': return frameOf(meterSerial, CTRL.READ | OK, PHASE_DI.READ_POWER[phase], bcdLe((r.powerW ?? 0) * 10, 4).map(plus33));
    default: throw invalid(`${cmd.type} has no Calin LoRaWAN answer`);
  }
}

const le = (value: number, bytes: number) => Array.from({ length: bytes }, (_, i) => Math.floor(Math.max(0, value) / 256 ** i) % 256);

function encodeReport(result: InteractionResult, meterSerial: string, at: Date): Buffer {
  const when = [at.getUTCMinutes(), at.getUTCHours(), at.getUTCDate(), at.getUTCMonth() + 1, at.getUTCFullYear() % 100].map(toBcd);
  const remain = Buffer.alloc(4);
  remain.writeFloatLE(result.kwhCredit ?? 0);
  // assumed: byte 12 is not read by the source; consumption and interval demand are not simulated (0)
  const data = [0, ...when, ...le(0, 4), ...remain, ...le(0, 4), ...le(0, 4), ...le(0, 4),
    ...le(Math.round((result.voltageV ?? 0) * 10), 2), ...le(Math.round((result.currentA ?? 0) * 1000), 4), result.isOn === false ? 1 : 0];
  return frameOf(meterSerial, CTRL.READ | OK, REPORT_DI, data.map(plus33));
}

export const calinDlt645Codec: LorawanCodec = {
  name: 'calin-dlt645',
  fPort: 1,
  correlates: false,
  supports: (type) => SUPPORTED.has(type),
  encodeCommand,
  decodeUplink,
  decodeCommand,
  encodeResponse,
  encodeReport,
};
