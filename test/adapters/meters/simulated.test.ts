import { describe, expect, it } from 'vitest';
import { SimulatedFleetDriver, SimulatedTokenService, decodeSimToken, encodeSimToken } from '../../../adapters/meters/simulated';
import type { DriverCommand } from '../../../adapters/meters/types';
import { ErrorCode, GridtwinError } from '../../../core/errors';

const NOW = Date.parse('2026-03-01T10:00:00Z');
const meter = (id: string) => ({ id, serial: `SER-${id}`, protocol: 'CALIN_V1' as const });
const cmd = (id: string, type: DriverCommand['type'], params: DriverCommand['params'] = {}, n = 0): DriverCommand => ({
  interactionId: `i-${id}-${type}-${n}`, type, meter: meter(id), params, deadlineAt: NOW + 10_000,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try { await p; return 'resolved'; } catch (e) { return e instanceof GridtwinError ? e.code : 'other'; }
}

describe('SimulatedFleetDriver', () => {
  it('is deterministic per seed and differs across seeds', async () => {
    const read = async (seed: number) => {
      const d = new SimulatedFleetDriver({ seed, now: () => NOW });
      const out = [];
      for (const t of ['READ_CREDIT', 'READ_POWER_LIMIT', 'READ_VERSION', 'READ_VOLTAGE'] as const) out.push((await d.execute(cmd('m1', t))).result);
      return out;
    };
    expect(await read(7)).toEqual(await read(7));
    expect(await read(7)).not.toEqual(await read(8));
  });

  it('relay, power, date and time commands change what later reads return', async () => {
    const d = new SimulatedFleetDriver({ now: () => NOW });
    expect((await d.execute(cmd('m1', 'TURN_OFF'))).result).toEqual({ isOn: false });
    expect((await d.execute(cmd('m1', 'READ_CREDIT'))).result.isOn).toBe(false);
    expect((await d.execute(cmd('m1', 'READ_POWER'))).result).toEqual({ powerW: 0 });
    await d.execute(cmd('m1', 'TURN_ON'));
    expect((await d.execute(cmd('m1', 'READ_POWER'))).result.powerW).toBeGreaterThan(0);
    await d.execute(cmd('m1', 'SET_DATE', { date: '2027-01-02' }));
    await d.execute(cmd('m1', 'SET_TIME', { time: '03:04:05' }));
    expect((await d.execute(cmd('m1', 'READ_DATE'))).result).toEqual({ date: '2027-01-02' });
    expect((await d.execute(cmd('m1', 'READ_TIME'))).result).toEqual({ time: '03:04:05' });
    expect(await codeOf(d.execute(cmd('m1', 'SET_DATE', { date: '2-1' })))).toBe(ErrorCode.DEVICE_REJECTED);
  });

  it('applies tokens from the simulated token service and rejects their reuse', async () => {
    const d = new SimulatedFleetDriver({ now: () => NOW });
    const tokens = new SimulatedTokenService();
    d.addMeter('m1', 'SER-m1', { kwhCredit: 2 });
    const top = (await tokens.generate({ type: 'TOP_UP', meterSerial: 'SER-m1', kwh: 10.5, idempotencyKey: 'k1' })).token;
    expect(top).toMatch(/^\d{20}$/);
    expect((await d.execute(cmd('m1', 'TOP_UP', { token: top }))).result).toEqual({ tokenAccepted: true, kwhCredit: 12.5 });
    expect(await codeOf(d.execute(cmd('m1', 'TOP_UP', { token: top }, 1)))).toBe(ErrorCode.DEVICE_REJECTED);
    expect((await d.execute(cmd('m1', 'READ_CREDIT'))).result.kwhCredit).toBe(12.5);

    const limit = (await tokens.generate({ type: 'SET_POWER_LIMIT', meterSerial: 'SER-m1', powerLimitW: 750, idempotencyKey: 'k2' })).token;
    expect((await d.execute(cmd('m1', 'SET_POWER_LIMIT', { token: limit }))).result).toEqual({ tokenAccepted: true, powerLimitW: 750 });
    const clear = (await tokens.generate({ type: 'CLEAR_CREDIT', meterSerial: 'SER-m1', idempotencyKey: 'k3' })).token;
    expect((await d.execute(cmd('m1', 'CLEAR_CREDIT', { token: clear }))).result).toEqual({ tokenAccepted: true, kwhCredit: 0 });
    const tamper = (await tokens.generate({ type: 'CLEAR_TAMPER', meterSerial: 'SER-m1', idempotencyKey: 'k4' })).token;
    expect((await d.execute(cmd('m1', 'CLEAR_TAMPER', { token: tamper }))).result).toEqual({ tokenAccepted: true });

    // a token for another meter, a token of the wrong kind, and garbage are all refused
    const other = (await tokens.generate({ type: 'TOP_UP', meterSerial: 'SER-m2', kwh: 1, idempotencyKey: 'k5' })).token;
    expect(await codeOf(d.execute(cmd('m1', 'TOP_UP', { token: other })))).toBe(ErrorCode.DEVICE_REJECTED);
    const top2 = (await tokens.generate({ type: 'TOP_UP', meterSerial: 'SER-m1', kwh: 1, idempotencyKey: 'k6' })).token;
    expect(await codeOf(d.execute(cmd('m1', 'CLEAR_CREDIT', { token: top2 })))).toBe(ErrorCode.DEVICE_REJECTED);
    expect(await codeOf(d.execute(cmd('m1', 'TOP_UP', { token: '12345' })))).toBe(ErrorCode.DEVICE_REJECTED);
    expect(tokens.issued).toBe(6);
    expect((await tokens.generate({ type: 'TOP_UP', meterSerial: 'SER-m1', kwh: 10.5, idempotencyKey: 'k1' })).token).toBe(top);
    expect(tokens.issued).toBe(6);
  });

  it('token codec round-trips and binds to the serial', () => {
    const t = encodeSimToken('ABC', { kind: 'TOP_UP', kwh: 123.45, idSource: 'x' });
    expect(decodeSimToken('ABC', t)).toMatchObject({ kind: 'TOP_UP', kwh: 123.45 });
    expect(decodeSimToken('ABD', t)).toBeNull();
  });

  it('dropAckOnce applies the command but reports TIMEOUT once', async () => {
    const d = new SimulatedFleetDriver({ now: () => NOW });
    await d.execute(cmd('m1', 'TURN_ON'));
    d.dropAckOnce('m1');
    expect(await codeOf(d.execute(cmd('m1', 'TURN_OFF')))).toBe(ErrorCode.TIMEOUT);
    expect(d.getMeter('m1')?.isOn).toBe(false);
    expect(d.executedCount('m1', 'TURN_OFF')).toBe(1);
    expect((await d.execute(cmd('m1', 'READ_CREDIT'))).result.isOn).toBe(false);
  });

  it('refuse, unreachable, clearFaults and flipRelay', async () => {
    const d = new SimulatedFleetDriver({ now: () => NOW });
    await d.execute(cmd('m1', 'TURN_ON'));
    d.refuse('m1');
    expect(await codeOf(d.execute(cmd('m1', 'TURN_OFF')))).toBe(ErrorCode.DEVICE_REJECTED);
    d.clearFaults('m1');
    d.unreachable('m1');
    expect(await codeOf(d.execute(cmd('m1', 'TURN_OFF')))).toBe(ErrorCode.TIMEOUT);
    expect(d.getMeter('m1')?.isOn).toBe(true);
    expect(d.executedCount('m1', 'TURN_OFF')).toBe(0);
    d.clearFaults('m1');
    d.flipRelay('m1');
    expect((await d.execute(cmd('m1', 'READ_CREDIT'))).result.isOn).toBe(false);
    expect(d.executedCount('m1')).toBe(2);
  });

  it('random failures follow the seed exactly', async () => {
    const run = async () => {
      const d = new SimulatedFleetDriver({ seed: 42, failureRate: 0.3, now: () => NOW });
      const codes: string[] = [];
      for (let i = 0; i < 40; i++) codes.push(await codeOf(d.execute(cmd('m1', 'READ_CREDIT', {}, i))));
      return codes;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    const failed = a.filter((c) => c === ErrorCode.TIMEOUT).length;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(40);
  });

  it('counts overlapping commands per meter and times out at the deadline', async () => {
    const d = new SimulatedFleetDriver({ latencyMs: 20 });
    await Promise.all([d.execute({ ...cmd('a', 'READ_CREDIT'), deadlineAt: Date.now() + 1000 }), d.execute({ ...cmd('a', 'READ_VERSION'), deadlineAt: Date.now() + 1000 })]);
    await d.execute({ ...cmd('b', 'READ_CREDIT'), deadlineAt: Date.now() + 1000 });
    expect(d.maxConcurrent('a')).toBe(2);
    expect(d.maxConcurrent('b')).toBe(1);
    expect(d.maxConcurrentAnyMeter()).toBe(2);
    expect(await codeOf(d.execute({ ...cmd('c', 'TURN_OFF'), deadlineAt: Date.now() + 5 }))).toBe(ErrorCode.TIMEOUT);
    expect(d.executedCount('c')).toBe(0);
  });

  it('drains credit lazily while on', async () => {
    let now = NOW;
    const d = new SimulatedFleetDriver({ drainKwhPerHour: 1, now: () => now });
    d.addMeter('m1', 'S1', { kwhCredit: 3, isOn: true, drainedAt: NOW });
    now += 2 * 3_600_000;
    expect((await d.execute({ ...cmd('m1', 'READ_CREDIT'), deadlineAt: now + 1000 })).result.kwhCredit).toBe(1);
    now += 5 * 3_600_000;
    expect((await d.execute({ ...cmd('m1', 'READ_CREDIT'), deadlineAt: now + 1000 })).result.kwhCredit).toBe(0);
  });

  it('emits READ_REPORT to unsolicited listeners until unsubscribed', () => {
    const d = new SimulatedFleetDriver({ now: () => NOW });
    d.addMeter('m1', 'S1', { kwhCredit: 4, isOn: true });
    const got: unknown[] = [];
    const off = d.onUnsolicited((r) => got.push(r));
    d.emitReport('m1');
    off();
    d.emitReport('m1');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ type: 'READ_REPORT', meterExternalReference: 'S1', result: { kwhCredit: 4, isOn: true }, receivedAt: '2026-03-01T10:00:00.000Z' });
  });

  it('zero latency mode answers 10k commands without timers (speed is measured in bench/, not here)', async () => {
    const d = new SimulatedFleetDriver();
    for (let i = 0; i < 10_000; i++) await d.execute({ ...cmd(`m${i % 100}`, 'READ_CREDIT', {}, i), deadlineAt: Date.now() + 60_000 });
    expect(d.executedCount('m7', 'READ_CREDIT')).toBe(100);
    expect(Array.from({ length: 100 }, (_, i) => d.executedCount(`m${i}`)).reduce((a, b) => a + b, 0)).toBe(10_000);
  });
});
