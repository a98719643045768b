import { fnv1a } from '../../../core/random';

/**
 * The simulators' stand-in for STS tokens: 20 digits a simulated meter can verify and decode without a
 * shared registry, so tokens from SimulatedTokenService and the Calin HTTP simulator both work on it.
 * Not real STS (no encryption); never meant for a real meter.
 *
 *   digit 0      kind: 1 TOP_UP, 2 CLEAR_CREDIT, 3 CLEAR_TAMPER, 4 SET_POWER_LIMIT
 *   digits 1-8   value: TOP_UP centi-kWh (max 999,999.99 kWh), SET_POWER_LIMIT watts, else 0
 *   digits 9-15  token id (7 digits, from the issuer's idempotency key)
 *   digits 16-19 check: fnv1a(meter serial + digits 0-15) mod 10^4 — a token only fits its meter
 */
export type SimTokenKind = 'TOP_UP' | 'CLEAR_CREDIT' | 'CLEAR_TAMPER' | 'SET_POWER_LIMIT';

const KIND_DIGIT: Record<SimTokenKind, number> = { TOP_UP: 1, CLEAR_CREDIT: 2, CLEAR_TAMPER: 3, SET_POWER_LIMIT: 4 };
const DIGIT_KIND: Record<string, SimTokenKind> = { '1': 'TOP_UP', '2': 'CLEAR_CREDIT', '3': 'CLEAR_TAMPER', '4': 'SET_POWER_LIMIT' };
const MAX_VALUE = 99_999_999;

export interface SimTokenContent {
  kind: SimTokenKind;
  kwh?: number;
  powerLimitW?: number;
  tokenId: number;
}

const check = (serial: string, body: string): string => String(fnv1a(serial + body) % 10_000).padStart(4, '0');

export function encodeSimToken(meterSerial: string, c: { kind: SimTokenKind; kwh?: number; powerLimitW?: number; idSource: string }): string {
  const value = c.kind === 'TOP_UP' ? Math.round((c.kwh ?? 0) * 100) : c.kind === 'SET_POWER_LIMIT' ? Math.round(c.powerLimitW ?? 0) : 0;
  if (!Number.isFinite(value) || value < 0 || value > MAX_VALUE) throw new RangeError(`token value out of range: ${value}`);
  const body = `${KIND_DIGIT[c.kind]}${String(value).padStart(8, '0')}${String(fnv1a(c.idSource) % 10_000_000).padStart(7, '0')}`;
  return body + check(meterSerial, body);
}

/** Returns the token's content, or null when it is malformed or was issued for another meter. */
export function decodeSimToken(meterSerial: string, token: string): SimTokenContent | null {
  if (!/^\d{20}$/.test(token)) return null;
  const body = token.slice(0, 16);
  if (check(meterSerial, body) !== token.slice(16)) return null;
  const kind = DIGIT_KIND[token[0] as string];
  if (!kind) return null;
  const value = Number(token.slice(1, 9));
  const tokenId = Number(token.slice(9, 16));
  if (kind === 'TOP_UP') return { kind, kwh: value / 100, tokenId };
  if (kind === 'SET_POWER_LIMIT') return { kind, powerLimitW: value, tokenId };
  return { kind, tokenId };
}
