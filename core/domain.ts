/** The meter domain vocabulary shared by actors, adapters and the wire (names as in seed 000's origin). */

export const COMMUNICATION_PROTOCOLS = ['CALIN_V1', 'CALIN_V2', 'CALIN_LORAWAN', 'EMLITE'] as const;
export type CommunicationProtocol = (typeof COMMUNICATION_PROTOCOLS)[number];

export const PHASE_READ_TYPES = ['READ_VOLTAGE', 'READ_CURRENT'] as const;
export const READ_TYPES = [...PHASE_READ_TYPES, 'READ_POWER', 'READ_POWER_LIMIT', 'READ_CREDIT', 'READ_VERSION', 'READ_DATE', 'READ_TIME'] as const;
export const CONTROL_TYPES = ['TURN_ON', 'TURN_OFF'] as const;
export const WRITE_TYPES = ['SET_DATE', 'SET_TIME'] as const;
export const GENERATE_TOKEN_TYPES = ['CLEAR_CREDIT', 'CLEAR_TAMPER', 'SET_POWER_LIMIT', 'TOP_UP'] as const;
export const TOKEN_TYPES = [...GENERATE_TOKEN_TYPES, 'DELIVER_PREEXISTING_TOKEN'] as const;
export const UNSOLICITED_TYPES = ['READ_REPORT', 'JOIN_NETWORK'] as const;

export const INTERACTION_TYPES = [...READ_TYPES, ...CONTROL_TYPES, ...WRITE_TYPES, ...TOKEN_TYPES, ...UNSOLICITED_TYPES] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];
export type ReadType = (typeof READ_TYPES)[number];
export type TokenType = (typeof TOKEN_TYPES)[number];

export const isReadType = (t: InteractionType): t is ReadType => (READ_TYPES as readonly string[]).includes(t);
export const isTokenType = (t: InteractionType): t is TokenType => (TOKEN_TYPES as readonly string[]).includes(t);
export const isUnsolicitedType = (t: InteractionType) => (UNSOLICITED_TYPES as readonly string[]).includes(t);

/** The origin's seven statuses, plus the meter twin's (issue 4): SUPERSEDED, EXPIRED, VERIFYING. */
export const INTERACTION_STATUSES = [
  'QUEUED', 'SUSPENDED', 'DEFERRED', 'PROCESSING', 'SUCCESSFUL', 'FAILED', 'ABORTED', 'SUPERSEDED', 'EXPIRED', 'VERIFYING',
] as const;
export type InteractionStatus = (typeof INTERACTION_STATUSES)[number];
export const TERMINAL_STATUSES: readonly InteractionStatus[] = ['SUCCESSFUL', 'FAILED', 'ABORTED', 'SUPERSEDED', 'EXPIRED'];
export const isTerminal = (s: InteractionStatus): boolean => TERMINAL_STATUSES.includes(s);
/** Waiting to be sent (not yet given to a driver). */
export const WAITING_STATUSES: readonly InteractionStatus[] = ['QUEUED', 'SUSPENDED', 'DEFERRED'];

export type Phase = 'A' | 'B' | 'C';

export const ISSUE_TYPES = ['NO_COMMUNICATION', 'NO_CREDIT', 'UNEXPECTED_POWER_LIMIT', 'UNEXPECTED_METER_STATUS'] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];

export const COMMISSIONING_STATUSES = ['PENDING', 'PROCESSING', 'SUCCESSFUL', 'FAILED'] as const;
export type CommissioningStatus = (typeof COMMISSIONING_STATUSES)[number];

/** What a meter reported back for an interaction; every field optional, by type. */
export interface InteractionResult {
  kwhCredit?: number;
  isOn?: boolean;
  powerLimitW?: number;
  version?: string;
  /** ISO date (YYYY-MM-DD) / time (HH:MM:SS) read from the meter. */
  date?: string;
  time?: string;
  voltageV?: number;
  currentA?: number;
  powerW?: number;
  /** Token delivered (token types). Never logged. */
  token?: string;
  tokenAccepted?: boolean;
  /** Free-form vendor payload, kept for audit. */
  raw?: unknown;
}

/** LoRaWAN radio information that arrives with an uplink (ChirpStack rxInfo). */
export interface DeviceInfo {
  rssi?: number;
  snr?: number;
  /** External reference of the gateway (DCU) that heard the uplink. */
  gatewayExternalReference?: string;
  receivedAt?: string;
}
