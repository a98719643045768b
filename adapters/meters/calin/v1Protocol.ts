import type { InteractionResult, InteractionType, Phase } from '../../../core/domain';

/**
 * Calin API v1 wire facts, shared by the driver, the token service and the simulator. Sources (README table):
 * nxtgrid/nxt-device-messaging src/plugins/calin-api-v1/{outgoing,incoming,token}.ts and lib/repo.ts (the
 * origin's driver), EnAccess/micropowermanager calin-smart-meter CalinSmartMeterApi.php (POS_Purchase,
 * Maintenance_ClearCredit). Every call is a JSON POST with the credentials in the body.
 *
 * Remote commands are tasks: `COMM_Remote<Kind>` creates one and answers its TaskNo; `COMM_Remote<Kind>Task`
 * reads its state (Status 'True' done, 'False' failed, 'unknown'/null still running) and its Data.
 */
export const V1_TASK_PATHS = {
  READ: { create: '/COMM_RemoteReading', poll: '/COMM_RemoteReadingTask' },
  CONTROL: { create: '/COMM_RemoteControl', poll: '/COMM_RemoteControlTask' },
  WRITE: { create: '/COMM_RemoteWrite', poll: '/COMM_RemoteWriteTask' },
  TOKEN: { create: '/COMM_RemoteToken', poll: '/COMM_RemoteTokenTask' },
} as const;
export type V1TaskKind = keyof typeof V1_TASK_PATHS;

export const V1_TOKEN_PATHS = {
  TOP_UP: '/POS_Purchase',
  SET_POWER_LIMIT: '/Maintenance_SetMaxPower',
  CLEAR_CREDIT: '/Maintenance_ClearCredit',
  CLEAR_TAMPER: '/Maintenance_ClearTamper',
} as const;
export type CalinTokenType = keyof typeof V1_TOKEN_PATHS;

/** COMM responses: ResultCode '00' OK; '99' is what a rejected token answers (the source's repo.ts). */
export const V1_RESULT = { OK: '00', TOKEN_REJECTED: '99' } as const;

export interface V1CommAuth { CompanyName: string; UserName: string; Password: string }
export interface V1CommResponse {
  ResultCode: string;
  Reason: string;
  Result?: { TaskNo?: string; Status?: 'True' | 'False' | 'unknown' | null; DataItem?: string; Data?: string } | null;
}
/** POS / maintenance responses: result_code 0 OK (a number; MPM also takes "0"); the token is `result.token` (POS) or `result` (maintenance). */
export interface V1TokenResponse { result_code: number | string; reason: string; result?: { token?: string } | string | null }

const READ_ITEMS: Partial<Record<InteractionType, string>> = {
  READ_CREDIT: 'Current Credit Register',
  READ_VOLTAGE: 'Voltage',
  READ_POWER: 'Power',
  READ_CURRENT: 'Current',
  READ_POWER_LIMIT: 'Maximum power threshold',
  READ_VERSION: 'Version',
  READ_DATE: 'Date',
};
const TOKEN_TYPES = new Set<InteractionType>(['TOP_UP', 'CLEAR_CREDIT', 'CLEAR_TAMPER', 'SET_POWER_LIMIT', 'DELIVER_PREEXISTING_TOKEN']);

/** What a v1 task for this interaction is, or undefined when the v1 API has none (READ_TIME, SET_TIME, …). */
export function v1TaskFor(type: InteractionType, phase: Phase | undefined): { kind: V1TaskKind; dataItem?: string } | undefined {
  if (TOKEN_TYPES.has(type)) return { kind: 'TOKEN' };
  if (type === 'TURN_ON') return { kind: 'CONTROL', dataItem: 'Switch On' };
  if (type === 'TURN_OFF') return { kind: 'CONTROL', dataItem: 'Switch Off' };
  if (type === 'SET_DATE') return { kind: 'WRITE', dataItem: 'Date' };
  const item = READ_ITEMS[type];
  if (!item) return undefined;
  // only voltage and current have per-phase items in the source (PowerA/B/C are commented out there)
  if (phase && (type === 'READ_VOLTAGE' || type === 'READ_CURRENT')) return { kind: 'READ', dataItem: `${item}${phase}` };
  return { kind: 'READ', dataItem: item };
}

/** SET_DATE data: yymmddww, the weekday of that calendar date (UTC, as the source computes it). */
export function v1DateData(date: string | undefined): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  if (!m) return undefined;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (at.getUTCFullYear() !== Number(m[1]) || at.getUTCMonth() + 1 !== Number(m[2]) || at.getUTCDate() !== Number(m[3])) return undefined;
  return `${m[1]!.slice(2)}${m[2]}${m[3]}${String(at.getUTCDay()).padStart(2, '0')}`;
}

/** YYYY-MM-DD naming a day that exists (a meter answering month 13 or 30 February would store a wrong date). */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return at.getUTCFullYear() === Number(m[1]) && at.getUTCMonth() + 1 === Number(m[2]) && at.getUTCDate() === Number(m[3]);
}

/** The number before the unit or the comma ("229.5 V", "12.34,ON"); none there (",ON", "V") is no number, not 0. */
const firstNumber = (data: string): number | undefined => {
  const first = (data.trim().split(/[\s,]+/)[0] ?? '').trim();
  const n = Number(first);
  return first !== '' && Number.isFinite(n) ? n : undefined;
};

/**
 * A finished task's Data → result, by its DataItem (the source's incoming.ts `_parseResponseData`).
 * Returns a string naming the problem when the Data cannot give the value (nothing is stored then).
 */
export function parseV1Data(dataItem: string, data: string): InteractionResult | string {
  const number = (field: keyof InteractionResult) => {
    const n = firstNumber(data);
    return n === undefined ? `${dataItem} answered ${JSON.stringify(data)}, not a number` : { [field]: n };
  };
  switch (dataItem) {
    case 'Current Credit Register': {
      // "12.34,ON": kWh left and the relay
      const [credit, relay] = data.split(',');
      const kwhCredit = firstNumber(credit ?? '');
      if (kwhCredit === undefined) return `Current Credit Register answered ${JSON.stringify(data)}, not kWh and relay status`;
      return { kwhCredit, isOn: relay?.trim() === 'ON' };
    }
    case 'Voltage': case 'VoltageA': case 'VoltageB': case 'VoltageC': return number('voltageV');
    case 'Current': case 'CurrentA': case 'CurrentB': case 'CurrentC': return number('currentA');
    case 'Power': return number('powerW');
    // assumed: watts (the source stores the number as the meter's power limit without a unit)
    case 'Maximum power threshold': return number('powerLimitW');
    case 'Version': return data.trim() ? { version: data.trim() } : 'Version answered an empty value';
    case 'Date': {
      // read: "yy-mm-dd ww"; a finished write answers empty Data
      if (!data.trim()) return {};
      const m = /^(\d{2})-(\d{2})-(\d{2})/.exec(data.trim());
      const date = m ? `20${m[1]}-${m[2]}-${m[3]}` : '';
      return isCalendarDate(date) ? { date } : `Date answered ${JSON.stringify(data)}, not a day that exists`;
    }
    case 'Switch On': return { isOn: true };
    case 'Switch Off': return { isOn: false };
    case 'Token': return { tokenAccepted: true };
    default: return {};
  }
}
