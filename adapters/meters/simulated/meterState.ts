import type { DriverCommand } from '../types';
import type { InteractionResult, InteractionType, Phase } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { createPrng, fnv1a } from '../../../core/random';
import { decodeSimToken, type SimTokenKind } from './tokenCodec';
import { HOUR_MS } from '../../../core/time';

/**
 * One simulated prepaid meter and the rules it follows when given a command. Shared by the simulated
 * fleet driver and the simulated LoRaWAN device, so both behave the same.
 */
export interface SimMeterState {
  serial: string;
  kwhCredit: number;
  isOn: boolean;
  powerLimitW: number;
  version: string;
  /** The meter's clock = wall clock + this offset (SET_DATE / SET_TIME move it). */
  clockOffsetMs: number;
  voltageV: Record<Phase, number>;
  currentA: Record<Phase, number>;
  tamper: boolean;
  usedTokenIds: Set<string>;
  /** When consumption was last drained from the credit (epoch ms). */
  drainedAt: number;
}

export interface SimMeterOptions {
  /** kWh consumed per hour while the relay is on and credit remains; 0 = credit never drains. */
  drainKwhPerHour?: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const PHASES: readonly Phase[] = ['A', 'B', 'C'];

/** A meter whose starting readings depend only on (seed, serial). */
export function createSimMeter(serial: string, seed: number, now: number): SimMeterState {
  const rnd = createPrng(fnv1a(`${seed}:${serial}`));
  const voltageV = { A: 0, B: 0, C: 0 };
  const currentA = { A: 0, B: 0, C: 0 };
  for (const p of PHASES) {
    voltageV[p] = round3(220 + Math.floor(rnd() * 200) / 10);
    currentA[p] = round3(Math.floor(rnd() * 500) / 100);
  }
  return {
    serial,
    kwhCredit: round3(Math.floor(rnd() * 5000) / 100),
    isOn: true,
    powerLimitW: 1000 * (1 + Math.floor(rnd() * 5)),
    version: `SIM-1.${Math.floor(rnd() * 10)}`,
    clockOffsetMs: 0,
    voltageV,
    currentA,
    tamper: false,
    usedTokenIds: new Set(),
    drainedAt: now,
  };
}

/** Lazily drains consumption since the last drain: O(1), no timers. */
export function drainCredit(m: SimMeterState, now: number, opts: SimMeterOptions): void {
  const rate = opts.drainKwhPerHour ?? 0;
  if (rate > 0 && m.isOn && now > m.drainedAt) {
    m.kwhCredit = Math.max(0, round3(m.kwhCredit - (rate * (now - m.drainedAt)) / HOUR_MS));
  }
  m.drainedAt = now;
}

export const instantPowerW = (m: SimMeterState): number =>
  m.isOn && m.kwhCredit > 0 ? round3(PHASES.reduce((s, p) => s + m.voltageV[p] * m.currentA[p], 0)) : 0;

const reject = (message: string, details?: unknown) => new GridtwinError(ErrorCode.DEVICE_REJECTED, message, { details });

const meterClock = (m: SimMeterState, now: number) => new Date(now + m.clockOffsetMs).toISOString();

const TOKEN_KIND_FOR: Partial<Record<InteractionType, SimTokenKind>> = {
  TOP_UP: 'TOP_UP', CLEAR_CREDIT: 'CLEAR_CREDIT', CLEAR_TAMPER: 'CLEAR_TAMPER', SET_POWER_LIMIT: 'SET_POWER_LIMIT',
};

function applyToken(m: SimMeterState, type: InteractionType, token: string | undefined): InteractionResult {
  if (!token) throw reject(`${type} needs a token`);
  const content = decodeSimToken(m.serial, token);
  if (!content) throw reject('token invalid for this meter');
  const expected = TOKEN_KIND_FOR[type];
  if (expected && expected !== content.kind) throw reject(`token is a ${content.kind} token, not ${type}`);
  const tokenKey = token.slice(0, 16);
  if (m.usedTokenIds.has(tokenKey)) throw reject('token already used');
  m.usedTokenIds.add(tokenKey);
  switch (content.kind) {
    case 'TOP_UP':
      m.kwhCredit = round3(m.kwhCredit + (content.kwh ?? 0));
      return { tokenAccepted: true, kwhCredit: m.kwhCredit };
    case 'CLEAR_CREDIT':
      m.kwhCredit = 0;
      return { tokenAccepted: true, kwhCredit: 0 };
    case 'SET_POWER_LIMIT':
      m.powerLimitW = content.powerLimitW ?? 0;
      return { tokenAccepted: true, powerLimitW: m.powerLimitW };
    case 'CLEAR_TAMPER':
      m.tamper = false;
      return { tokenAccepted: true };
  }
}

function setClock(m: SimMeterState, now: number, date: string | undefined, time: string | undefined): void {
  const current = meterClock(m, now);
  const d = date ?? current.slice(0, 10);
  const t = time ?? current.slice(11, 19);
  const target = Date.parse(`${d}T${t}Z`);
  // Date.parse rolls 2027-02-30 over to March: a meter refuses a date that does not exist
  if (!Number.isFinite(target) || new Date(target).toISOString().slice(0, 19) !== `${d}T${t}`) throw reject('invalid date/time', { date, time });
  m.clockOffsetMs = target - now;
}

/** Applies a command to the meter (mutating it) and returns what the meter answers. */
export function applyCommand(
  m: SimMeterState,
  cmd: Pick<DriverCommand, 'type' | 'params'>,
  now: number,
  opts: SimMeterOptions = {},
): InteractionResult {
  drainCredit(m, now, opts);
  const phase = cmd.params.phase ?? 'A';
  switch (cmd.type) {
    case 'READ_CREDIT':
      return { kwhCredit: m.kwhCredit, isOn: m.isOn };
    case 'READ_REPORT':
      return { kwhCredit: m.kwhCredit, isOn: m.isOn, powerW: instantPowerW(m), voltageV: m.voltageV.A };
    case 'READ_POWER_LIMIT':
      return { powerLimitW: m.powerLimitW };
    case 'READ_VERSION':
      return { version: m.version };
    case 'READ_DATE':
      return { date: meterClock(m, now).slice(0, 10) };
    case 'READ_TIME':
      return { time: meterClock(m, now).slice(11, 19) };
    case 'READ_VOLTAGE':
      return { voltageV: m.voltageV[phase] };
    case 'READ_CURRENT':
      return { currentA: m.currentA[phase] };
    case 'READ_POWER':
      return { powerW: instantPowerW(m) };
    case 'TURN_ON':
    case 'TURN_OFF':
      m.isOn = cmd.type === 'TURN_ON';
      return { isOn: m.isOn };
    case 'SET_DATE':
      if (!cmd.params.date || !/^\d{4}-\d{2}-\d{2}$/.test(cmd.params.date)) throw reject('SET_DATE needs date YYYY-MM-DD');
      setClock(m, now, cmd.params.date, undefined);
      return { date: cmd.params.date };
    case 'SET_TIME':
      if (!cmd.params.time || !/^\d{2}:\d{2}:\d{2}$/.test(cmd.params.time)) throw reject('SET_TIME needs time HH:MM:SS');
      setClock(m, now, undefined, cmd.params.time);
      return { time: cmd.params.time };
    case 'TOP_UP':
    case 'CLEAR_CREDIT':
    case 'CLEAR_TAMPER':
    case 'SET_POWER_LIMIT':
    case 'DELIVER_PREEXISTING_TOKEN':
      return applyToken(m, cmd.type, cmd.params.token);
    case 'JOIN_NETWORK':
      throw reject('JOIN_NETWORK is sent by meters, not to them');
    default: {
      const never: never = cmd.type;
      throw reject(`unsupported command ${String(never)}`);
    }
  }
}
