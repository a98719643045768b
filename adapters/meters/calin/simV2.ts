import { SignJWT, jwtVerify } from 'jose';
import type { DriverCommand } from '../types';
import type { InteractionResult, InteractionType } from '../../../core/domain';
import type { CalinSimMeters } from './simMeters';
import { V2_LOGIN_PATH, V2_TASK_PATHS, V2_TOKEN_PATHS, V2_STATUS } from './v2Protocol';

/**
 * The Calin API v2 as the simulator answers it (the source's shapes, quirks included): login answers a
 * signed JWT with `exp`; every other path wants it as a Bearer token and answers 401 without it, with a
 * bad signature, or after `exp`. Task ids come back as strings and are polled as numbers; row names can
 * carry trailing spaces; a failed task keeps reason 'success'. Codes for bad credentials are not public:
 * the simulator's are marked assumed.
 */
export interface V2Account { company: string; user: string; password: string; posPassword: string; customerId: string; jwtTtlMs: number }
export interface V2Counters { logins: number; issued: Record<'TOP_UP' | 'SET_POWER_LIMIT' | 'CLEAR_CREDIT' | 'CLEAR_TAMPER', number> }

type Body = Record<string, unknown>;
const ok = (result: unknown) => ({ code: 0, reason: 'success', result });
/** assumed (not public) */
const refused = (reason: string) => ({ code: 1001, reason, result: null });

const READ_IDS = new Map<number, { type: InteractionType; name: string }>([
  [39, { type: 'READ_CREDIT', name: 'Current Credit Balance ' }], [5, { type: 'READ_VOLTAGE', name: 'Phase-A Voltage' }],
  [11, { type: 'READ_POWER', name: 'Power' }], [8, { type: 'READ_CURRENT', name: 'Phase-A Current(A)' }],
  [46, { type: 'READ_POWER_LIMIT', name: 'Maximum power threshold' }], [45, { type: 'READ_VERSION', name: 'Meter Firmware Version' }],
  [29, { type: 'READ_DATE', name: 'Clock(time)' }],
]);
const KIND_BY_CREATE = new Map<string, keyof typeof V2_TASK_PATHS>(Object.entries(V2_TASK_PATHS).map(([k, p]) => [p.create, k as keyof typeof V2_TASK_PATHS]));
const KIND_BY_POLL = new Map<string, keyof typeof V2_TASK_PATHS>(Object.entries(V2_TASK_PATHS).map(([k, p]) => [p.poll, k as keyof typeof V2_TASK_PATHS]));
const TOKEN_BY_PATH = new Map<string, keyof typeof V2_TOKEN_PATHS>(Object.entries(V2_TOKEN_PATHS).map(([t, p]) => [p, t as keyof typeof V2_TOKEN_PATHS]));

export const isV2Path = (path: string) => path === V2_LOGIN_PATH || KIND_BY_CREATE.has(path) || KIND_BY_POLL.has(path) || TOKEN_BY_PATH.has(path);

export class CalinV2Sim {
  private key = new TextEncoder().encode(`calin-v2-sim-${Math.random()}`);

  constructor(private readonly a: V2Account, private readonly meters: CalinSimMeters, readonly counters: V2Counters) {}

  /** Every JWT issued so far stops working (the next call answers 401). */
  expireTokens(): void { this.key = new TextEncoder().encode(`calin-v2-sim-${Math.random()}`); }

  async handle(path: string, body: unknown, authorization: string | undefined): Promise<{ status: number; body: unknown }> {
    if (path === V2_LOGIN_PATH) return { status: 200, body: await this.login(body as Body) };
    if (!(await this.authorized(authorization))) return { status: 401, body: { Message: 'Authorization has been denied for this request.' } };
    const createKind = KIND_BY_CREATE.get(path);
    if (createKind) return { status: 200, body: this.create(createKind, body) };
    if (KIND_BY_POLL.has(path)) return { status: 200, body: this.poll(body as Body) };
    return { status: 200, body: this.vend(TOKEN_BY_PATH.get(path)!, body as Body) };
  }

  private async login(b: Body): Promise<unknown> {
    this.counters.logins++;
    if (b.company !== this.a.company || b.userId !== this.a.user || b.password !== this.a.password) return refused('user or password error');
    const token = await new SignJWT({ company: this.a.company }).setProtectedHeader({ alg: 'HS256' }).setSubject(this.a.user)
      .setExpirationTime(Math.floor((Date.now() + this.a.jwtTtlMs) / 1000)).sign(this.key);
    return ok({ token });
  }

  private async authorized(header: string | undefined): Promise<boolean> {
    const m = /^Bearer (.+)$/.exec(header ?? '');
    if (!m) return false;
    try {
      await jwtVerify(m[1]!, this.key);
      return true;
    } catch {
      return false;
    }
  }

  private create(kind: keyof typeof V2_TASK_PATHS, body: unknown): unknown {
    const row = (Array.isArray(body) ? body[0] : undefined) as Body | undefined;
    if (!row || row.company !== this.a.company || row.customerId !== this.a.customerId) return refused('parameter error');
    const meterNo = String(row.meterId ?? '');
    if (!this.meters.meter(meterNo)) return refused('meter not found');
    const cmd = commandOf(kind, Number(row.protocolId), row.data);
    if (!cmd) return refused('protocolId not supported');
    return ok([{ id: String(this.meters.createTask(meterNo, cmd)) }]);
  }

  private poll(b: Body): unknown {
    const id = b.id;
    if (typeof id !== 'number' || b.company !== this.a.company) return refused('parameter error');
    const cmd = this.meters.taskCommand(id);
    const outcome = this.meters.look(id);
    if (!cmd || !outcome) return ok({ data: [] });
    const name = nameOf(cmd);
    switch (outcome.state) {
      case 'running': return ok({ data: [{ name, status: V2_STATUS.PROCESSING, data: '' }] });
      case 'tokenRejected': return ok({ data: [{ name, status: V2_STATUS.TOKEN_REJECTED, data: '' }] });
      case 'failed': return ok({ data: [{ name, status: V2_STATUS.FAILED, data: '' }] });
      case 'done': return ok({ data: [{ name, status: V2_STATUS.SUCCESS, data: dataOf(cmd.type, outcome.result), pn: cmd.type }] });
    }
  }

  private vend(type: keyof typeof V2_TOKEN_PATHS, b: Body): unknown {
    const meterNo = String(b.meterId ?? '');
    if (b.company !== this.a.company) return refused('company error');
    if (!this.meters.meter(meterNo)) return refused('meter not found');
    if (type === 'TOP_UP') {
      if (b.authorizationPassword !== this.a.posPassword) return refused('authorization password error');
      if (typeof b.amount !== 'number' || !(b.amount > 0) || b.isVendByTotalPaid !== false || b.isPreview !== false) return refused('invalid amount');
      this.counters.issued.TOP_UP++;
      return ok({ token: this.meters.issueToken(meterNo, 'TOP_UP', { kwh: b.amount }) });
    }
    if (type === 'SET_POWER_LIMIT') {
      if (typeof b.maximumPower !== 'number' || !Number.isInteger(b.maximumPower) || b.maximumPower < 0) return refused('invalid maximumPower');
      this.counters.issued.SET_POWER_LIMIT++;
      return ok({ token: this.meters.issueToken(meterNo, 'SET_POWER_LIMIT', { powerLimitW: b.maximumPower }) });
    }
    this.counters.issued[type]++;
    return ok({ token: this.meters.issueToken(meterNo, type, {}) });
  }
}

function commandOf(kind: keyof typeof V2_TASK_PATHS, protocolId: number, data: unknown): Pick<DriverCommand, 'type' | 'params'> | undefined {
  if (kind === 'TOKEN') return protocolId === 30000 && typeof data === 'string' ? { type: 'DELIVER_PREEXISTING_TOKEN', params: { token: data } } : undefined;
  if (kind === 'CONTROL') return protocolId === 20000 ? { type: 'TURN_ON', params: {} } : protocolId === 20001 ? { type: 'TURN_OFF', params: {} } : undefined;
  if (kind === 'WRITE') {
    const m = /^(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}:\d{2}$/.exec(String(data ?? ''));
    return protocolId === 10000 && m ? { type: 'SET_DATE', params: { date: m[1] } } : undefined;
  }
  const read = READ_IDS.get(protocolId);
  return read && { type: read.type, params: {} };
}

function nameOf(cmd: Pick<DriverCommand, 'type' | 'params'>): string {
  if (cmd.params.token) return 'Token';
  if (cmd.type === 'TURN_ON' || cmd.type === 'TURN_OFF') return 'Relay On/Off';
  if (cmd.type === 'SET_DATE') return 'Clock(time)';
  for (const r of READ_IDS.values()) if (r.type === cmd.type) return r.name;
  return '';
}

function dataOf(type: InteractionType, r: InteractionResult): number | string {
  switch (type) {
    case 'READ_CREDIT': return r.kwhCredit ?? 0;
    case 'READ_VOLTAGE': return r.voltageV ?? 0;
    case 'READ_CURRENT': return r.currentA ?? 0;
    // the source types `data` as number | string: both shapes are served
    case 'READ_POWER': return String(r.powerW ?? 0);
    case 'READ_POWER_LIMIT': return r.powerLimitW ?? 0;
    case 'READ_VERSION': return r.version ?? '';
    case 'READ_DATE': return `${r.date ?? '2000-01-01'} 00:00:00`;
    case 'TURN_ON': case 'TURN_OFF': return r.isOn ? 'Connected' : 'Disconnected';
    default: return '';
  }
}
