import type { InteractionResult, InteractionType } from '../../../core/domain';
import { isCalendarDate } from './v1Protocol';

/**
 * Calin API v2 ("AMI") wire facts, shared by the driver, the token service and the simulator. Source:
 * nxtgrid/nxt-device-messaging src/plugins/calin-api-v2/{outgoing,incoming,token}.ts and lib/repo.ts.
 * Login (`/API/User/Login`) answers a JWT that every other call sends as a Bearer token; a 401 means it
 * expired. Remote commands are tasks created in an array body and polled by numeric id.
 */
export const V2_LOGIN_PATH = '/API/User/Login';

export const V2_TASK_PATHS = {
  READ: { create: '/API/RemoteMeterTask/CreateReadingTask', poll: '/API/RemoteMeterTask/GetReadingTask' },
  CONTROL: { create: '/API/RemoteMeterTask/CreateControlTask', poll: '/API/RemoteMeterTask/GetControlTask' },
  WRITE: { create: '/API/RemoteMeterTask/CreateSettingTask', poll: '/API/RemoteMeterTask/GetSettingTask' },
  TOKEN: { create: '/API/RemoteMeterTask/CreateTokenTask', poll: '/API/RemoteMeterTask/GetTokenTask' },
} as const;
export type V2TaskKind = keyof typeof V2_TASK_PATHS;

export const V2_TOKEN_PATHS = {
  TOP_UP: '/API/Token/CreditToken/Generate',
  SET_POWER_LIMIT: '/API/Token/SetMaximumPowerLimitToken/Generate',
  CLEAR_TAMPER: '/API/Token/ClearTamperToken/Generate',
  CLEAR_CREDIT: '/API/Token/ClearCreditToken/Generate',
} as const;

/** Task states in `result.data[0].status`. */
export const V2_STATUS = { PROCESSING: 0, SUCCESS: 1, FAILED: 2, TOKEN_REJECTED: 3 } as const;

/** protocolIds by interaction (the source lists them from `/api/dlms/readDlmsTree`). */
const PROTOCOL_IDS: Partial<Record<InteractionType, { kind: V2TaskKind; protocolId: number }>> = {
  READ_CREDIT: { kind: 'READ', protocolId: 39 },
  READ_VOLTAGE: { kind: 'READ', protocolId: 5 },
  READ_POWER: { kind: 'READ', protocolId: 11 },
  READ_CURRENT: { kind: 'READ', protocolId: 8 },
  READ_POWER_LIMIT: { kind: 'READ', protocolId: 46 },
  READ_VERSION: { kind: 'READ', protocolId: 45 },
  READ_DATE: { kind: 'READ', protocolId: 29 },
  TURN_ON: { kind: 'CONTROL', protocolId: 20000 },
  TURN_OFF: { kind: 'CONTROL', protocolId: 20001 },
  SET_DATE: { kind: 'WRITE', protocolId: 10000 },
};
const TOKEN_DELIVERY = { kind: 'TOKEN' as const, protocolId: 30000 };
const TOKEN_TYPES = new Set<InteractionType>(['TOP_UP', 'CLEAR_CREDIT', 'CLEAR_TAMPER', 'SET_POWER_LIMIT', 'DELIVER_PREEXISTING_TOKEN']);

export function v2TaskFor(type: InteractionType): { kind: V2TaskKind; protocolId: number } | undefined {
  return TOKEN_TYPES.has(type) ? TOKEN_DELIVERY : PROTOCOL_IDS[type];
}

export interface V2TaskRow { name: string; status: number; data: number | string; pn?: string }
export interface V2Response { code: number; reason: string; result?: unknown }

/** SET_DATE data: "YYYY-MM-DD 00:00:00" (the source sets the date only). */
export function v2DateData(date: string | undefined): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  if (!m) return undefined;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (at.getUTCFullYear() !== Number(m[1]) || at.getUTCMonth() + 1 !== Number(m[2]) || at.getUTCDate() !== Number(m[3])) return undefined;
  return `${m[1]}-${m[2]}-${m[3]} 00:00:00`;
}

/** A finished task row → result, by its (trimmed) name; a string names a value that cannot be stored. */
export function parseV2Row(row: V2TaskRow, kind: V2TaskKind): InteractionResult | string {
  const name = row.name.trim();
  // the source types `data` as number | string; anything else (null, an object) would be stored as "null" / "[object Object]"
  const known = ['Current Credit Balance', 'Phase-A Voltage', 'Power', 'Phase-A Current(A)', 'Maximum power threshold', 'Meter Firmware Version', 'Clock(time)'];
  if (known.includes(name) && !(kind === 'WRITE' && name === 'Clock(time)') && typeof row.data !== 'number' && typeof row.data !== 'string') {
    return `${name} answered ${JSON.stringify(row.data) ?? String(row.data)}, not a number or text`;
  }
  const num = (field: keyof InteractionResult) => {
    const n = typeof row.data === 'number' ? row.data : String(row.data).trim() === '' ? NaN : Number(row.data);
    return Number.isFinite(n) ? { [field]: n } : `${name} answered ${JSON.stringify(row.data)}, not a number`;
  };
  switch (name) {
    case 'Current Credit Balance': return num('kwhCredit');
    case 'Phase-A Voltage': return num('voltageV');
    case 'Power': return num('powerW');
    case 'Phase-A Current(A)': return num('currentA');
    // assumed: watts, as for v1
    case 'Maximum power threshold': return num('powerLimitW');
    case 'Meter Firmware Version': return String(row.data).trim() ? { version: String(row.data).trim() } : 'Meter Firmware Version answered an empty value';
    case 'Relay On/Off': return { isOn: row.data === 'Connected' };
    case 'Clock(time)': {
      if (kind === 'WRITE') return {};
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(row.data));
      const date = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
      return isCalendarDate(date) ? { date } : `Clock(time) answered ${JSON.stringify(row.data)}, not a day that exists`;
    }
    case 'Token': return { tokenAccepted: true };
    default: return {};
  }
}
