import { afterEach, describe, expect, it } from 'vitest';
import { CalinApiSimulator, CalinTokenService, type CalinTokenServiceOptions } from '../../../adapters/meters/calin';
import { createMeterDriverRouter } from '../../../adapters/meters/router';
import { SimulatedFleetDriver } from '../../../adapters/meters/simulated';
import { ErrorCode } from '../../../core/errors';

const CREDS = { company: 'acme', user: 'pos', password: 's3cret-pw' };
const sims: CalinApiSimulator[] = [];
afterEach(async () => { while (sims.length) await sims.pop()!.stop(); });

async function setup(over: Partial<CalinTokenServiceOptions> = {}) {
  const sim = await new CalinApiSimulator({ ...CREDS }).start();
  sims.push(sim);
  const waits: number[] = [];
  const bodies: Array<{ url: string; body: Record<string, unknown>; key: string | null }> = [];
  const spyFetch: typeof fetch = async (input, init) => {
    bodies.push({ url: String(input), body: JSON.parse(String(init?.body)), key: new Headers(init?.headers).get('idempotency-key') });
    return fetch(input, init);
  };
  const svc = new CalinTokenService({ baseUrl: sim.url, ...CREDS, fetch: spyFetch, sleep: async (ms) => { waits.push(ms); }, random: () => 0, ...over });
  return { sim, svc, waits, bodies };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e) => e.code as string);

describe('CalinTokenService against the Calin API simulator', () => {
  it('POS_Purchase: Calin v1 body, a 20-digit token the simulated meter accepts', async () => {
    const { sim, svc, bodies } = await setup();
    const { token } = await svc.generate({ type: 'TOP_UP', meterSerial: '47000123456', kwh: 12.5, idempotencyKey: 'int-1' });
    expect(token).toMatch(/^\d{20}$/);
    expect(bodies).toEqual([{
      url: `${sim.url}/POS_Purchase`, key: 'int-1',
      body: { company_name: 'acme', user_name: 'pos', password: 's3cret-pw', password_vend: 's3cret-pw', meter_number: '47000123456', is_vend_by_unit: true, amount: 12.5 },
    }]);
    const fleet = new SimulatedFleetDriver();
    fleet.addMeter('m1', '47000123456', { kwhCredit: 1 });
    const r = await fleet.execute({ interactionId: 'int-1', type: 'TOP_UP', params: { token }, deadlineAt: Date.now() + 1000, meter: { id: 'm1', serial: '47000123456', protocol: 'CALIN_V1' } });
    expect(r.result).toEqual({ tokenAccepted: true, kwhCredit: 13.5 });
    expect(sim.purchases).toBe(1);
  });

  it('POS_Purchase read as MPM reads it too: result_code "0" ((int) cast) and `result` being the token itself; "1" is refused', async () => {
    // bodies built by hand: the origin's shape (calin-api-v1/lib/repo.ts CalinApiV1PosResponse) with the two spots where
    // MPM (calin-smart-meter Helpers/ApiHelpers.php checkApiResult, CalinSmartMeterApi.php chargeDevice) reads differently
    const answers = [
      { result_code: '0', reason: 'OK', result: { token: '1111 2222 3333 4444 5555' } },
      { result_code: 0, reason: 'OK', result: '66667777888899990000' },
      { result_code: '1', reason: 'user name or password error' },
    ];
    const svc = new CalinTokenService({
      baseUrl: 'http://calin.invalid', ...CREDS, sleep: async () => undefined,
      fetch: async () => new Response(JSON.stringify(answers.shift()), { status: 200, headers: { 'content-type': 'application/json' } }),
    });
    expect(await svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 1, idempotencyKey: 'mpm-1' })).toEqual({ token: '11112222333344445555' });
    expect(await svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 1, idempotencyKey: 'mpm-2' })).toEqual({ token: '66667777888899990000' });
    const refused = await svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 1, idempotencyKey: 'mpm-3' }).catch((e) => e);
    expect(refused).toMatchObject({ code: ErrorCode.VENDOR_ERROR, details: { resultCode: '1', reason: 'user name or password error' } });
  });

  it('maintenance tokens: SetMaxPower, ClearCredit, ClearTamper', async () => {
    const { sim, svc, bodies } = await setup();
    await svc.generate({ type: 'SET_POWER_LIMIT', meterSerial: 'M1', powerLimitW: 1500, idempotencyKey: 'a' });
    await svc.generate({ type: 'CLEAR_CREDIT', meterSerial: 'M1', idempotencyKey: 'b' });
    await svc.generate({ type: 'CLEAR_TAMPER', meterSerial: 'M1', idempotencyKey: 'c' });
    expect(bodies.map((b) => b.url.slice(sim.url.length))).toEqual(['/Maintenance_SetMaxPower', '/Maintenance_ClearCredit', '/Maintenance_ClearTamper']);
    expect(bodies[0]!.body).toEqual({ company_name: 'acme', user_name: 'pos', password: 's3cret-pw', meter_number: 'M1', max_power: 1500 });
    expect(sim.issued).toEqual({ TOP_UP: 0, SET_POWER_LIMIT: 1, CLEAR_CREDIT: 1, CLEAR_TAMPER: 1 });
  });

  it('bad credentials → VENDOR_ERROR with Calin\'s code and reason (which code means what is not public), not retried, password not in the message', async () => {
    const { sim, svc } = await setup({ password: 'wrong-pw' });
    const err = await svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 1, idempotencyKey: 'k' }).catch((e) => e);
    expect(err.code).toBe(ErrorCode.VENDOR_ERROR);
    expect(err.details).toMatchObject({ type: 'TOP_UP', resultCode: 1, reason: 'user name or password error' });
    expect(err.message).not.toContain('wrong-pw');
    expect(sim.calls.get('/POS_Purchase')).toBe(1);
    expect(sim.purchases).toBe(0);
  });

  it('retries 5xx with backoff and buys once', async () => {
    const { sim, svc, waits } = await setup({ retry: { initialBackoffMs: 100 } });
    sim.failNext(2, 503);
    const { token } = await svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 3, idempotencyKey: 'k1' });
    expect(token).toMatch(/^\d{20}$/);
    expect(sim.calls.get('/POS_Purchase')).toBe(3);
    expect(waits).toEqual([50, 100]);
    expect(sim.purchases).toBe(1);
  });

  it('a lost answer is retried with the same key: same token, one purchase', async () => {
    const { sim, svc, bodies } = await setup();
    sim.loseAnswerNext(1);
    const { token } = await svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 3, idempotencyKey: 'k2' });
    expect(bodies.map((b) => b.key)).toEqual(['k2', 'k2']);
    expect(sim.purchases).toBe(1);
    expect(sim.replays).toBe(1);
    expect((await svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 3, idempotencyKey: 'k2' })).token).toBe(token);
  });

  it('same key → same token without calling again, even concurrently; different request under that key is refused', async () => {
    const { sim, svc } = await setup();
    const req = { type: 'TOP_UP' as const, meterSerial: 'M1', kwh: 4, idempotencyKey: 'k3' };
    const [a, b] = await Promise.all([svc.generate(req), svc.generate(req)]);
    const c = await svc.generate(req);
    expect(b.token).toBe(a.token);
    expect(c.token).toBe(a.token);
    expect(sim.calls.get('/POS_Purchase')).toBe(1);
    expect(await codeOf(svc.generate({ ...req, kwh: 5 }))).toBe(ErrorCode.IDEMPOTENCY_KEY_REUSED);
    const other = await svc.generate({ ...req, idempotencyKey: 'k4' });
    expect(other.token).not.toBe(a.token);
    expect(sim.purchases).toBe(2);
  });

  it('exhausted retries → UNAVAILABLE; a later call with the key may try again', async () => {
    const { sim, svc } = await setup({ retry: { maxAttempts: 3, initialBackoffMs: 1 } });
    sim.failNext(3);
    const req = { type: 'CLEAR_TAMPER' as const, meterSerial: 'M1', idempotencyKey: 'k5' };
    const err = await svc.generate(req).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCode.UNAVAILABLE, attempts: 3, lastStatus: 500 });
    expect(err.message).toBe('calin Maintenance_ClearTamper: gave up after 3 attempts (last: HTTP 500)');
    expect((await svc.generate(req)).token).toMatch(/^\d{20}$/);
    expect(sim.issued.CLEAR_TAMPER).toBe(1);
  });

  it('a timed-out attempt that the vendor still carried out is not bought twice', async () => {
    const { sim, svc } = await setup({ retry: { maxAttempts: 2, timeoutMs: 100, initialBackoffMs: 1 } });
    sim.setDelay(250);
    const err = await svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 2, idempotencyKey: 'k6' }).catch((e) => e);
    expect(err.code).toBe(ErrorCode.UNAVAILABLE);
    await until(() => sim.calls.get('/POS_Purchase') === 2 && sim.replays === 1);
    expect(sim.calls.get('/POS_Purchase')).toBe(2);
    expect(sim.purchases).toBe(1);
    expect(sim.replays).toBe(1);
  });

  it('invalid amounts fail validation without a call', async () => {
    const { sim, svc } = await setup();
    expect(await codeOf(svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: -1, idempotencyKey: 'x' }))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(await codeOf(svc.generate({ type: 'TOP_UP', meterSerial: 'M1', kwh: 1e9, idempotencyKey: 'y' }))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(await codeOf(svc.generate({ type: 'SET_POWER_LIMIT', meterSerial: 'M1', powerLimitW: 1.5, idempotencyKey: 'z' }))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(sim.calls.size).toBe(0);
  });

  it('router + Calin + simulated fleet: a top-up interaction buys once and credits the meter', async () => {
    const { sim, svc } = await setup();
    const fleet = new SimulatedFleetDriver();
    fleet.addMeter('m7', 'SER7', { kwhCredit: 0 });
    const router = createMeterDriverRouter({ byProtocol: { CALIN_V1: fleet }, tokenService: svc });
    const cmd = { interactionId: 'int-77', type: 'TOP_UP' as const, params: { kwh: 8 }, deadlineAt: Date.now() + 2000, meter: { id: 'm7', serial: 'SER7', protocol: 'CALIN_V1' as const } };
    expect((await router.execute(cmd)).result).toEqual({ tokenAccepted: true, kwhCredit: 8 });
    expect(await codeOf(router.execute(cmd))).toBe(ErrorCode.DEVICE_REJECTED);
    expect(sim.purchases).toBe(1);
    expect(fleet.getMeter('m7')?.kwhCredit).toBe(8);
  });
});
