import { afterEach, describe, expect, it } from 'vitest';
import {
  CalinApiSimulator, CalinTokenService, CalinV1Driver, CalinV2Driver, CalinV2Session, CalinV2TokenService, originPollLadderMs, serialNumberFor,
} from '../../../adapters/meters/calin';
import { createMeterAdapters } from '../../../adapters/meters/factory';
import type { DriverCommand } from '../../../adapters/meters/types';
import { parseConfig } from '../../../core/config';
import { ErrorCode } from '../../../core/errors';

const ACCOUNT = { company: 'acme-grid', user: 'pos-user', password: 'pos-secret', adminUser: 'admin', adminPassword: 'admin-secret' };
const METER = '47001891341';
const sims: CalinApiSimulator[] = [];
afterEach(async () => { while (sims.length) await sims.pop()!.stop(); });

async function sim(over: Partial<ConstructorParameters<typeof CalinApiSimulator>[0]> = {}) {
  const s = await new CalinApiSimulator({ ...ACCOUNT, v2CustomerId: 'cust-1', taskDelayMs: 60, ...over }).start();
  sims.push(s);
  return s;
}

type Seen = { path: string; body: unknown; auth: string | null };
function spy(seen: Seen[]): typeof fetch {
  return async (input, init) => {
    seen.push({ path: new URL(String(input)).pathname, body: JSON.parse(String(init?.body)), auth: new Headers(init?.headers).get('authorization') });
    return fetch(input, init);
  };
}

const cmd = (type: DriverCommand['type'], params: DriverCommand['params'] = {}, deadlineMs = 5_000): DriverCommand => ({
  interactionId: `i-${type}-${Math.random()}`, type, params, deadlineAt: Date.now() + deadlineMs, meter: { id: 'm1', serial: METER, protocol: 'CALIN_V1' },
});
const fast = { pollDelayMs: () => 20, retry: { initialBackoffMs: 5, timeoutMs: 2_000 } };

describe('Calin API v1 driver', () => {
  const v1 = (s: CalinApiSimulator, seen: Seen[] = [], over: Partial<ConstructorParameters<typeof CalinV1Driver>[0]> = {}) =>
    new CalinV1Driver({ baseUrl: s.url, company: ACCOUNT.company, user: ACCOUNT.adminUser, password: ACCOUNT.adminPassword, fetch: spy(seen), ...fast, ...over });

  it('READ_CREDIT: COMM_RemoteReading with the admin account and DataItem, then polls COMM_RemoteReadingTask until Status True', async () => {
    const s = await sim();
    Object.assign(s.meter(METER), { kwhCredit: 12.34, isOn: false });
    const seen: Seen[] = [];
    s.setMeterFaults(METER, { unreachable: true });
    const run = v1(s, seen).execute(cmd('READ_CREDIT'));
    await until(() => (s.calls.get('/COMM_RemoteReadingTask') ?? 0) >= 1);
    s.setMeterFaults(METER, {});
    expect((await run).result).toEqual({ kwhCredit: 12.34, isOn: false });
    expect(seen[0]).toEqual({ path: '/COMM_RemoteReading', auth: null, body: { CompanyName: 'acme-grid', UserName: 'admin', Password: 'admin-secret', MeterNo: METER, DataItem: 'Current Credit Register' } });
    const polls = seen.slice(1);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    for (const p of polls) expect(p).toMatchObject({ path: '/COMM_RemoteReadingTask', body: { CompanyName: 'acme-grid', UserName: 'admin', TaskNo: expect.any(String) } });
  });

  it('SET_DATE sends Data yymmddww (weekday of that date); per-phase reads name the phase', async () => {
    const s = await sim();
    const seen: Seen[] = [];
    const d = v1(s, seen);
    await d.execute(cmd('SET_DATE', { date: '2026-12-02' }));
    expect(seen[0]!.body).toMatchObject({ DataItem: 'Date', Data: '26120203' });
    await d.execute(cmd('READ_VOLTAGE', { phase: 'C' }));
    expect(seen.find((x) => x.path === '/COMM_RemoteReading')!.body).toMatchObject({ DataItem: 'VoltageC' });
  });

  it('an HTML page instead of JSON → INVALID_DATA_FORMAT; a vendor down beyond retries → UNAVAILABLE; no password in messages', async () => {
    const s = await sim();
    s.htmlNext(1);
    const html = await v1(s).execute(cmd('TURN_OFF')).catch((e) => e);
    expect(html).toMatchObject({ code: ErrorCode.INVALID_DATA_FORMAT, message: 'calin v1 COMM_RemoteControl answered an HTML page' });
    s.failNext(3, 503);
    const down = await v1(s).execute(cmd('TURN_OFF')).catch((e) => e);
    expect(down.code).toBe(ErrorCode.UNAVAILABLE);
    expect(down.message).not.toContain('admin-secret');
    expect(s.meter(METER).isOn).toBe(true);
  });

  it('wrong credentials → VENDOR_ERROR with Calin\'s code and reason, nothing scheduled', async () => {
    const s = await sim();
    const e = await v1(s, [], { password: 'not-it' }).execute(cmd('TURN_OFF')).catch((x) => x);
    expect(e).toMatchObject({ code: ErrorCode.VENDOR_ERROR, details: { resultCode: '02', reason: 'user name or password error' } });
    expect(e.message).not.toContain('not-it');
  });

  it('a poll that fails on the way is looked at again, and the command still succeeds', async () => {
    const s = await sim({ taskDelayMs: 0 });
    const d = v1(s, [], { retry: { maxAttempts: 1, timeoutMs: 2_000 } });
    const run = d.execute(cmd('TURN_OFF'));
    await until(() => (s.calls.get('/COMM_RemoteControl') ?? 0) === 1);
    s.failNext(1, 503);
    expect((await run).result).toEqual({ isOn: false });
    expect(s.calls.get('/COMM_RemoteControlTask')).toBeGreaterThanOrEqual(2);
  });

  it('a lost create answer is retried: a switch is scheduled twice (the API is not known to be idempotent)', async () => {
    const s = await sim({ taskDelayMs: 0 });
    s.loseAnswerNext(1);
    expect((await v1(s).execute(cmd('TURN_OFF'))).result).toEqual({ isOn: false });
    s.meters.settleDue();
    expect(s.meters.appliedCount(METER, 'TURN_OFF')).toBe(2);
  });

  it('a token delivered twice: refused at once (ResultCode 99) → DEVICE_REJECTED; refused on a retry after a lost answer → TIMEOUT (may have been delivered)', async () => {
    const s = await sim({ taskDelayMs: 0 });
    const tokens = new CalinTokenService({ baseUrl: s.url, company: ACCOUNT.company, user: ACCOUNT.user, password: ACCOUNT.password });
    const { token } = await tokens.generate({ type: 'TOP_UP', meterSerial: METER, kwh: 3, idempotencyKey: 'k1' });
    const before = s.meter(METER).kwhCredit;
    await v1(s).execute(cmd('TOP_UP', { token }));
    expect(await v1(s).execute(cmd('TOP_UP', { token })).catch((e) => e)).toMatchObject({ code: ErrorCode.DEVICE_REJECTED, details: { resultCode: '99' } });
    expect(s.meter(METER).kwhCredit).toBeCloseTo(before + 3, 3);
    // first attempt lost (503), the retry hears 99: the first may have delivered it
    let attempt = 0;
    const scripted: typeof fetch = async (input, init) => {
      if (!String(input).endsWith('/COMM_RemoteToken')) return fetch(input, init);
      attempt++;
      return attempt === 1 ? new Response('{"Message":"busy"}', { status: 503 }) : Response.json({ ResultCode: '99', Reason: 'other error', Result: null });
    };
    expect(await v1(s, [], { fetch: scripted }).execute(cmd('TOP_UP', { token: '12345678901234567890' })).catch((e) => e)).toMatchObject({ code: ErrorCode.TIMEOUT, details: { attempts: 2 } });
  });

  it('the default poll schedule is the origin\'s ladder', () => {
    expect([0, 19_999, 20_000, 49_999, 50_000, 89_999, 90_000, 600_000].map(originPollLadderMs)).toEqual([10_000, 10_000, 15_000, 15_000, 20_000, 20_000, 30_000, 30_000]);
  });
});

describe('Calin API v2 driver', () => {
  const session = (s: CalinApiSimulator, seen: Seen[] = [], password = ACCOUNT.password) =>
    new CalinV2Session({ baseUrl: s.url, company: ACCOUNT.company, user: ACCOUNT.user, password, fetch: spy(seen), retry: fast.retry });

  it('logs in once, sends the JWT as Bearer, creates array-bodied tasks and polls them by numeric id', async () => {
    const s = await sim();
    const seen: Seen[] = [];
    const sess = session(s, seen);
    const d = new CalinV2Driver({ session: sess, customerId: 'cust-1', pollDelayMs: fast.pollDelayMs });
    Object.assign(s.meter(METER), { kwhCredit: 4.5 });
    expect((await d.execute(cmd('READ_CREDIT'))).result).toEqual({ kwhCredit: 4.5 });
    expect((await d.execute(cmd('TURN_OFF'))).result).toEqual({ isOn: false });
    expect(s.v2Counters.logins).toBe(1);
    expect(seen[0]).toEqual({ path: '/API/User/Login', auth: null, body: { userId: 'pos-user', password: 'pos-secret', company: 'acme-grid' } });
    expect(seen[1]).toEqual({ path: '/API/RemoteMeterTask/CreateReadingTask', auth: expect.stringMatching(/^Bearer ey/), body: [{ meterId: METER, protocolId: 39, customerId: 'cust-1', company: 'acme-grid' }] });
    expect(seen[2]!.body).toEqual({ id: expect.any(Number), lang: 'en', company: 'acme-grid' });
  });

  it('an expired JWT (401) is replaced by one fresh login and the call goes through; a wrong password is AUTH_FAILED', async () => {
    const s = await sim();
    const sess = session(s);
    const d = new CalinV2Driver({ session: sess, customerId: 'cust-1', pollDelayMs: fast.pollDelayMs });
    await d.execute(cmd('READ_VERSION'));
    s.expireTokens();
    await d.execute(cmd('READ_VERSION'));
    expect(s.v2Counters.logins).toBe(2);
    const bad = new CalinV2Driver({ session: session(s, [], 'wrong'), customerId: 'cust-1' });
    expect(await bad.execute(cmd('READ_VERSION')).catch((e) => e)).toMatchObject({ code: ErrorCode.AUTH_FAILED });
  });

  it('a token the meter rejects (status 3) → DEVICE_REJECTED; credit token carries a serial number fixed by the idempotency key', async () => {
    const s = await sim({ taskDelayMs: 0 });
    const seen: Seen[] = [];
    const sess = session(s, seen);
    const tokens = new CalinV2TokenService({ session: sess, posPassword: ACCOUNT.password });
    const { token } = await tokens.generate({ type: 'TOP_UP', meterSerial: METER, kwh: 2, idempotencyKey: 'int-9' });
    expect(seen.find((x) => x.path === '/API/Token/CreditToken/Generate')!.body).toEqual({
      meterId: METER, amount: 2, company: 'acme-grid', authorizationPassword: 'pos-secret', isPreview: false, isVendByTotalPaid: false, serialNumber: serialNumberFor('int-9'),
    });
    const d = new CalinV2Driver({ session: sess, customerId: 'cust-1', pollDelayMs: fast.pollDelayMs });
    await d.execute(cmd('TOP_UP', { token }));
    expect(await d.execute(cmd('TOP_UP', { token })).catch((e) => e)).toMatchObject({ code: ErrorCode.DEVICE_REJECTED, message: 'the meter rejected the token (possibly already delivered)' });
  });
});

describe('factory with the bundled Calin simulator', () => {
  it('CALIN_V1 and CALIN_V2 meters go through the Calin HTTP APIs; closing the driver stops the simulator', async () => {
    const a = await createMeterAdapters(parseConfig({ drivers: { calinSimulator: true, calinPollMs: 20 } }).drivers, { useSimulators: true });
    const url = a.calinSimulator!.url;
    Object.assign(a.calinSimulator!.meter(METER), { kwhCredit: 1 });
    expect((await a.driver.execute(cmd('TOP_UP', { kwh: 2 }))).result.tokenAccepted).toBe(true);
    const v2 = { ...cmd('READ_CREDIT'), meter: { id: 'm1', serial: METER, protocol: 'CALIN_V2' as const } };
    expect((await a.driver.execute(v2)).result).toEqual({ kwhCredit: 3 });
    expect(a.calinSimulator!.purchases).toBe(1);
    expect(a.calinSimulator!.v2Counters.logins).toBe(1);
    await a.driver.close();
    await expect(fetch(`${url}/API/User/Login`, { method: 'POST' })).rejects.toThrow();
  });
});

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}
