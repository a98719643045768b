import type { DriverCommand } from '../types';
import type { InteractionResult, InteractionType, Phase } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { LorawanCodec, Outcome } from './codec';

/**
 * The "gridtwin-demo" codec: gridtwin's own LoRaWAN application frame, invented for demos and kept for
 * fleets that run gridtwin's simulated devices. It is NOT a Calin format (the Calin one is calinDlt645.ts).
 * Carried in ChirpStack's base64 `data` on fPort 10. Big-endian.
 *
 *   downlink  [0xC1][corr][cmd][args…]
 *   response  [0xC1][corr][cmd | 0x80][status][value…]     status 0 OK, 1 REJECTED (value = UTF-8 reason)
 *   report    [0xC1][0x00][0x40][0x00][credit Wh u32][relay u8][power W u32][voltage dV u16]   (unsolicited)
 *
 * corr (1–255) pairs a response with its downlink; 0 marks unsolicited frames. Arguments by command:
 *   READ_VOLTAGE / READ_CURRENT: phase u8 (0 A, 1 B, 2 C) · SET_DATE: year u16, month u8, day u8 ·
 *   SET_TIME: hour u8, minute u8, second u8 · token commands: the 20-digit token as 10 bytes of BCD.
 * Response values: credit Wh u32 (+ relay u8 for READ_CREDIT) · power limit W u32 · version ASCII ·
 *   date/time as in SET_* · voltage dV u16 · current cA u16 · power W u32 · relay u8 (TURN_ON/OFF).
 */
export const FRAME_MAGIC = 0xc1;
export const RESPONSE_FLAG = 0x80;
export const REPORT_CODE = 0x40;

const CODES: Partial<Record<InteractionType, number>> = {
  READ_CREDIT: 0x01, READ_POWER_LIMIT: 0x02, READ_VERSION: 0x03, READ_DATE: 0x04, READ_TIME: 0x05,
  READ_VOLTAGE: 0x06, READ_CURRENT: 0x07, READ_POWER: 0x08, TURN_ON: 0x10, TURN_OFF: 0x11,
  SET_DATE: 0x20, SET_TIME: 0x21, TOP_UP: 0x30, CLEAR_CREDIT: 0x31, CLEAR_TAMPER: 0x32,
  SET_POWER_LIMIT: 0x33, DELIVER_PREEXISTING_TOKEN: 0x34, READ_REPORT: REPORT_CODE,
};
const TYPES = new Map<number, InteractionType>(Object.entries(CODES).map(([t, c]) => [c as number, t as InteractionType]));
const PHASES: readonly Phase[] = ['A', 'B', 'C'];
const TOKEN_TYPES = new Set<InteractionType>(['TOP_UP', 'CLEAR_CREDIT', 'CLEAR_TAMPER', 'SET_POWER_LIMIT', 'DELIVER_PREEXISTING_TOKEN']);

const bad = (message: string) => new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, message);

function bcd(token: string): number[] {
  if (!/^\d{20}$/.test(token)) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'LoRaWAN token must be 20 digits');
  const out: number[] = [];
  for (let i = 0; i < 20; i += 2) out.push((Number(token[i]) << 4) | Number(token[i + 1]));
  return out;
}
const unbcd = (b: Buffer) => [...b].map((x) => `${x >> 4}${x & 0xf}`).join('');

/** A date or time that does not exist is refused before anything is sent (the meter would refuse it, or the device could not decode it). */
function dateBytes(date: string): number[] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'date must be YYYY-MM-DD');
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || new Date(Date.UTC(y, mo - 1, d)).getUTCMonth() !== mo - 1 || y < 1000) {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `date ${date} does not exist`, { details: [{ path: 'date', message: 'no such day' }] });
  }
  return [y >> 8, y & 0xff, mo, d];
}
function timeBytes(time: string): number[] {
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(time);
  if (!m) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'time must be HH:MM:SS');
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || mi > 59 || s > 59) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `time ${time} does not exist`, { details: [{ path: 'time', message: 'no such time' }] });
  return [h, mi, s];
}
const pad2 = (n: number) => String(n).padStart(2, '0');
/** A date or time that does not exist (month 0, 25:61:00) would be stored wrong: refused. */
function readDate(b: Buffer, o: number): string {
  const [y, m, d] = [b.readUInt16BE(o), b[o + 2]!, b[o + 3]!];
  const at = new Date(Date.UTC(y, m - 1, d));
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || at.getUTCMonth() !== m - 1) throw bad(`date: no day ${y}-${pad2(m)}-${pad2(d)}`);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}
function readTime(b: Buffer, o: number): string {
  const [h, m, s] = [b[o]!, b[o + 1]!, b[o + 2]!];
  if (h > 23 || m > 59 || s > 59) throw bad(`time: no time ${pad2(h)}:${pad2(m)}:${pad2(s)}`);
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
}

export function encodeCommand(corr: number, cmd: Pick<DriverCommand, 'type' | 'params'>): Buffer {
  const code = CODES[cmd.type];
  if (code === undefined || cmd.type === 'READ_REPORT') {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `${cmd.type} cannot be sent to a LoRaWAN meter`);
  }
  let args: number[] = [];
  if (cmd.type === 'READ_VOLTAGE' || cmd.type === 'READ_CURRENT') args = [PHASES.indexOf(cmd.params.phase ?? 'A')];
  else if (cmd.type === 'SET_DATE') args = dateBytes(cmd.params.date ?? '');
  else if (cmd.type === 'SET_TIME') args = timeBytes(cmd.params.time ?? '');
  else if (TOKEN_TYPES.has(cmd.type)) args = bcd(cmd.params.token ?? '');
  return Buffer.from([FRAME_MAGIC, corr, code, ...args]);
}

export function decodeCommand(frame: Buffer): { corr: number; type: InteractionType; params: DriverCommand['params'] } {
  if (frame.length < 3 || frame[0] !== FRAME_MAGIC) throw bad('not a gridtwin LoRaWAN frame');
  const type = TYPES.get(frame[2]!);
  if (!type) throw bad(`unknown command 0x${frame[2]!.toString(16)}`);
  const params: DriverCommand['params'] = {};
  if (type === 'READ_VOLTAGE' || type === 'READ_CURRENT') params.phase = PHASES[frame[3] ?? 0] ?? 'A';
  else if (type === 'SET_DATE') params.date = readDate(frame, 3);
  else if (type === 'SET_TIME') params.time = readTime(frame, 3);
  else if (TOKEN_TYPES.has(type)) params.token = unbcd(frame.subarray(3, 13));
  return { corr: frame[1]!, type, params };
}

const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(Math.max(0, Math.round(n))); return b; };
const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(Math.max(0, Math.round(n))); return b; };
const u8 = (n: number) => Buffer.from([n & 0xff]);

function encodeValue(type: InteractionType, r: InteractionResult): Buffer {
  switch (type) {
    case 'READ_CREDIT': return Buffer.concat([u32((r.kwhCredit ?? 0) * 1000), u8(r.isOn ? 1 : 0)]);
    case 'TOP_UP': case 'CLEAR_CREDIT': return u32((r.kwhCredit ?? 0) * 1000);
    case 'READ_POWER_LIMIT': case 'SET_POWER_LIMIT': return u32(r.powerLimitW ?? 0);
    case 'READ_VERSION': return Buffer.from(r.version ?? '', 'ascii');
    case 'READ_DATE': case 'SET_DATE': return Buffer.from(dateBytes(r.date ?? ''));
    case 'READ_TIME': case 'SET_TIME': return Buffer.from(timeBytes(r.time ?? ''));
    case 'READ_VOLTAGE': return u16((r.voltageV ?? 0) * 10);
    case 'READ_CURRENT': return u16((r.currentA ?? 0) * 100);
    case 'READ_POWER': return u32(r.powerW ?? 0);
    case 'TURN_ON': case 'TURN_OFF': return u8(r.isOn ? 1 : 0);
    case 'READ_REPORT':
      return Buffer.concat([u32((r.kwhCredit ?? 0) * 1000), u8(r.isOn ? 1 : 0), u32(r.powerW ?? 0), u16((r.voltageV ?? 0) * 10)]);
    default: return Buffer.alloc(0);
  }
}

function decodeValue(type: InteractionType, v: Buffer): InteractionResult {
  const need = (n: number) => { if (v.length < n) throw bad(`${type} response too short`); };
  switch (type) {
    case 'READ_CREDIT': need(5); return { kwhCredit: v.readUInt32BE(0) / 1000, isOn: v[4] === 1 };
    case 'TOP_UP': case 'CLEAR_CREDIT': need(4); return { tokenAccepted: true, kwhCredit: v.readUInt32BE(0) / 1000 };
    case 'SET_POWER_LIMIT': need(4); return { tokenAccepted: true, powerLimitW: v.readUInt32BE(0) };
    case 'READ_POWER_LIMIT': need(4); return { powerLimitW: v.readUInt32BE(0) };
    case 'CLEAR_TAMPER': case 'DELIVER_PREEXISTING_TOKEN': return { tokenAccepted: true };
    case 'READ_VERSION': return { version: v.toString('ascii') };
    case 'READ_DATE': case 'SET_DATE': need(4); return { date: readDate(v, 0) };
    case 'READ_TIME': case 'SET_TIME': need(3); return { time: readTime(v, 0) };
    case 'READ_VOLTAGE': need(2); return { voltageV: v.readUInt16BE(0) / 10 };
    case 'READ_CURRENT': need(2); return { currentA: v.readUInt16BE(0) / 100 };
    case 'READ_POWER': need(4); return { powerW: v.readUInt32BE(0) };
    case 'TURN_ON': case 'TURN_OFF': need(1); return { isOn: v[0] === 1 };
    case 'READ_REPORT':
      need(11);
      return { kwhCredit: v.readUInt32BE(0) / 1000, isOn: v[4] === 1, powerW: v.readUInt32BE(5), voltageV: v.readUInt16BE(9) / 10 };
    default: return {};
  }
}

export function encodeResponse(corr: number, type: InteractionType, outcome: Outcome): Buffer {
  const code = CODES[type] ?? 0;
  const head = Buffer.from([FRAME_MAGIC, corr, code | RESPONSE_FLAG, outcome.ok ? 0 : 1]);
  return Buffer.concat([head, outcome.ok ? encodeValue(type, outcome.result) : Buffer.from(outcome.reason.slice(0, 40), 'utf8')]);
}

export function encodeReport(result: InteractionResult): Buffer {
  return Buffer.concat([Buffer.from([FRAME_MAGIC, 0, REPORT_CODE, 0]), encodeValue('READ_REPORT', result)]);
}

export type Uplink =
  | { kind: 'response'; corr: number; type: InteractionType; outcome: Outcome }
  | { kind: 'report'; result: InteractionResult };

export function decodeUplink(frame: Buffer): Uplink {
  if (frame.length < 4 || frame[0] !== FRAME_MAGIC) throw bad('not a gridtwin LoRaWAN frame');
  const corr = frame[1]!;
  const code = frame[2]!;
  const value = frame.subarray(4);
  if (code === REPORT_CODE && corr === 0) return { kind: 'report', result: decodeValue('READ_REPORT', value) };
  const type = TYPES.get(code & ~RESPONSE_FLAG);
  if (!(code & RESPONSE_FLAG) || !type) throw bad(`unknown uplink code 0x${code.toString(16)}`);
  const outcome: Outcome = frame[3] === 0 ? { ok: true, result: decodeValue(type, value) } : { ok: false, reason: value.toString('utf8') };
  return { kind: 'response', corr, type, outcome };
}

export const gridtwinDemoCodec: LorawanCodec = {
  name: 'gridtwin-demo',
  fPort: 10,
  uplinkFPort: 10,
  correlates: true,
  supports: (type) => CODES[type] !== undefined && type !== 'READ_REPORT',
  encodeCommand: (cmd) => encodeCommand(cmd.corr, cmd),
  decodeUplink(frame) {
    const up = decodeUplink(frame);
    if (up.kind === 'report') return up;
    return { kind: 'response', corr: up.corr, outcome: () => up.outcome, answers: (t) => t === up.type };
  },
  decodeCommand,
  encodeResponse: (cmd, outcome: Outcome) => encodeResponse(cmd.corr, cmd.type, outcome),
  encodeReport: (result) => encodeReport(result),
};
