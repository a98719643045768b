import type { DriverCommand } from '../types';
import type { InteractionResult, InteractionType, Phase } from '../../../core/domain';
import type { CalinSimMeters } from './simMeters';
import { V1_TASK_PATHS, V1_TOKEN_PATHS, type CalinTokenType } from './v1Protocol';

/**
 * The Calin API v1 as the simulator answers it (the sources' shapes, quirks included): HTTP 200 for every
 * answer, ResultCode strings ('00' OK, '99' for a refused token), Status 'True' / 'False' / 'unknown' / null,
 * Data strings with units ("229.5 V", "12.34,ON", "26-12-02 03"), Status 'False' with Reason 'OK', a used
 * token refused at once with '99' and no Result, an unfit token refused later with '99' and no Result.
 * Codes for bad credentials and unknown meters are not public: the simulator's are marked assumed.
 */
export interface V1Accounts {
  company: string;
  admin: { user: string; password: string };
  pos: { user: string; password: string };
  maintenance: { user: string; password: string };
}

export interface V1Counters { issued: Record<CalinTokenType, number> }

type Body = Record<string, unknown>;
const comm = (ResultCode: string, Reason: string, Result: unknown = null) => ({ ResultCode, Reason, Result });
/** assumed codes (not public) */
const BAD_LOGIN = comm('02', 'user name or password error');
const NO_METER = comm('01', 'meter not found');

const READS = new Map<string, { type: InteractionType; phase?: Phase }>([
  ['Current Credit Register', { type: 'READ_CREDIT' }], ['Power', { type: 'READ_POWER' }], ['Maximum power threshold', { type: 'READ_POWER_LIMIT' }],
  ['Version', { type: 'READ_VERSION' }], ['Date', { type: 'READ_DATE' }], ['Voltage', { type: 'READ_VOLTAGE' }], ['Current', { type: 'READ_CURRENT' }],
  ...(['A', 'B', 'C'] as const).flatMap((p) => [[`Voltage${p}`, { type: 'READ_VOLTAGE' as InteractionType, phase: p }], [`Current${p}`, { type: 'READ_CURRENT' as InteractionType, phase: p }]] as Array<[string, { type: InteractionType; phase: Phase }]>),
]);

const TASK_BY_CREATE = new Map<string, keyof typeof V1_TASK_PATHS>(Object.entries(V1_TASK_PATHS).map(([kind, p]) => [p.create, kind as keyof typeof V1_TASK_PATHS]));
const TASK_BY_POLL = new Map<string, keyof typeof V1_TASK_PATHS>(Object.entries(V1_TASK_PATHS).map(([kind, p]) => [p.poll, kind as keyof typeof V1_TASK_PATHS]));
const TOKEN_BY_PATH = new Map<string, CalinTokenType>(Object.entries(V1_TOKEN_PATHS).map(([t, p]) => [p, t as CalinTokenType]));

export const isV1Path = (path: string) => TASK_BY_CREATE.has(path) || TASK_BY_POLL.has(path) || TOKEN_BY_PATH.has(path);
export const isV1TokenPath = (path: string) => TOKEN_BY_PATH.has(path);

function commandOf(kind: keyof typeof V1_TASK_PATHS, b: Body): Pick<DriverCommand, 'type' | 'params'> | undefined {
  const item = String(b.DataItem ?? '');
  if (kind === 'TOKEN') return typeof b.Token === 'string' ? { type: 'DELIVER_PREEXISTING_TOKEN', params: { token: b.Token } } : undefined;
  if (kind === 'CONTROL') return item === 'Switch On' ? { type: 'TURN_ON', params: {} } : item === 'Switch Off' ? { type: 'TURN_OFF', params: {} } : undefined;
  if (kind === 'WRITE') {
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(String(b.Data ?? ''));
    return item === 'Date' && m ? { type: 'SET_DATE', params: { date: `20${m[1]}-${m[2]}-${m[3]}` } } : undefined;
  }
  const read = READS.get(item);
  return read && { type: read.type, params: read.phase ? { phase: read.phase } : {} };
}

/** Data as Calin writes it for each item. */
function dataOf(type: InteractionType, r: InteractionResult): string {
  switch (type) {
    case 'READ_CREDIT': return `${r.kwhCredit ?? 0},${r.isOn ? 'ON' : 'OFF'}`;
    case 'READ_VOLTAGE': return `${r.voltageV ?? 0} V`;
    case 'READ_CURRENT': return `${r.currentA ?? 0} A`;
    case 'READ_POWER': return `${r.powerW ?? 0} W`;
    case 'READ_POWER_LIMIT': return `${r.powerLimitW ?? 0} W`;
    case 'READ_VERSION': return r.version ?? '';
    case 'READ_DATE': {
      const d = new Date(`${r.date ?? '2000-01-01'}T00:00:00Z`);
      return `${(r.date ?? '').slice(2)} ${String(d.getUTCDay()).padStart(2, '0')}`;
    }
    // a finished write, control or token answers empty Data
    default: return '';
  }
}

export function handleV1(path: string, b: Body, accounts: V1Accounts, meters: CalinSimMeters, counters: V1Counters): unknown {
  const tokenType = TOKEN_BY_PATH.get(path);
  if (tokenType) return vendToken(tokenType, b, accounts, meters, counters);
  if (b.CompanyName !== accounts.company || b.UserName !== accounts.admin.user || b.Password !== accounts.admin.password) return BAD_LOGIN;
  const createKind = TASK_BY_CREATE.get(path);
  if (createKind) {
    const meterNo = String(b.MeterNo ?? '');
    if (!meters.meter(meterNo)) return NO_METER;
    const cmd = commandOf(createKind, b);
    if (!cmd) return comm('03', 'parameter error'); // assumed
    if (cmd.params.token && meters.tokenUsed(meterNo, cmd.params.token)) return comm('99', 'other error');
    return comm('00', 'OK', { TaskNo: String(meters.createTask(meterNo, cmd)) });
  }
  const taskNo = Number(b.TaskNo);
  const cmd = meters.taskCommand(taskNo);
  const outcome = meters.look(taskNo);
  if (!cmd || !outcome) return comm('04', 'task not found'); // assumed
  if (!TASK_BY_POLL.has(path)) return comm('03', 'parameter error'); // assumed
  const item = cmd.params.token ? 'Token' : itemOf(cmd);
  switch (outcome.state) {
    case 'running': return comm('00', 'OK', { TaskNo: String(taskNo), Status: taskNo % 2 ? null : 'unknown', DataItem: item, Data: '' });
    case 'tokenRejected': return comm('99', 'other error');
    case 'failed': return comm('00', 'OK', { TaskNo: String(taskNo), Status: 'False', DataItem: item, Data: '' });
    case 'done': return comm('00', 'OK', { TaskNo: String(taskNo), Status: 'True', DataItem: item, Data: dataOf(cmd.type, outcome.result) });
  }
}

function itemOf(cmd: Pick<DriverCommand, 'type' | 'params'>): string {
  switch (cmd.type) {
    case 'TURN_ON': return 'Switch On';
    case 'TURN_OFF': return 'Switch Off';
    case 'SET_DATE': return 'Date';
    default: {
      for (const [item, r] of READS) if (r.type === cmd.type && r.phase === cmd.params.phase) return item;
      return '';
    }
  }
}

function vendToken(type: CalinTokenType, b: Body, a: V1Accounts, meters: CalinSimMeters, counters: V1Counters): unknown {
  const account = type === 'TOP_UP' ? a.pos : a.maintenance;
  // assumed codes: 1 credentials, 2 unknown meter, 3 invalid amount
  if (b.company_name !== a.company || b.user_name !== account.user || b.password !== account.password) return { result_code: 1, reason: 'user name or password error' };
  const meterNo = typeof b.meter_number === 'string' ? b.meter_number : '';
  if (!meters.meter(meterNo)) return { result_code: 2, reason: 'meter not found' };
  if (type === 'TOP_UP') {
    if (b.password_vend !== a.pos.password) return { result_code: 1, reason: 'vend password error' };
    if (typeof b.amount !== 'number' || !(b.amount > 0) || b.is_vend_by_unit !== true) return { result_code: 3, reason: 'invalid amount' };
    counters.issued.TOP_UP++;
    return { result_code: 0, reason: 'OK', result: { token: meters.issueToken(meterNo, 'TOP_UP', { kwh: b.amount }) } };
  }
  if (type === 'SET_POWER_LIMIT') {
    const w = b.max_power;
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0) return { result_code: 3, reason: 'invalid max_power' };
    counters.issued.SET_POWER_LIMIT++;
    return { result_code: 0, reason: 'OK', result: meters.issueToken(meterNo, 'SET_POWER_LIMIT', { powerLimitW: w }) };
  }
  counters.issued[type]++;
  return { result_code: 0, reason: 'OK', result: meters.issueToken(meterNo, type, {}) };
}
