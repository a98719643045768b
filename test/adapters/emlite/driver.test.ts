import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../core/errors';
import type { DriverCommand } from '../../../adapters/meters/types';
import { EmliteMeterDriver, MediatorPool, startMediatorSimulator, type MediatorSimulator } from '../../../adapters/emlite';

const S = 'EMLDRV0001';
/** A three-phase meter (blank hardware string). */
const TP = 'EMLDRV3P01';
const TOKEN = '11112222333344445555';
let sim: MediatorSimulator;
let driver: EmliteMeterDriver;

const cmd = (type: DriverCommand['type'], params: DriverCommand['params'] = {}, meter: Partial<DriverCommand['meter']> = {}): DriverCommand => ({
  interactionId: 'i-1', type, params, deadlineAt: Date.now() + 5_000,
  meter: { id: 'm-1', serial: S, protocol: 'EMLITE', mediatorAddress: sim.address, ...meter },
});

beforeAll(async () => {
  sim = await startMediatorSimulator({ meters: [{ serial: S, balance: 4.2, voltage: 239, firmware: '3037' }, { serial: TP, hardware: '', voltage: 231 }], tokenCreditGbp: 20 });
  driver = new EmliteMeterDriver(new MediatorPool({ deadlineMs: 5_000, perMediatorConcurrency: 2 }));
});
afterAll(async () => {
  await driver.close();
  await sim.stop();
});

describe('EmliteMeterDriver', () => {
  it('READ_CREDIT reads the prepay balance', async () => {
    expect(await driver.execute(cmd('READ_CREDIT'))).toEqual({ result: { kwhCredit: 4.2, raw: { balanceGbp: 4.2 } } });
  });

  it('TOP_UP sends the token through 0xFFC803 and reads the balance back', async () => {
    const r = await driver.execute(cmd('TOP_UP', { token: TOKEN }));
    expect(r.result).toEqual({ kwhCredit: 24.2, raw: { balanceGbp: 24.2 }, token: TOKEN, tokenAccepted: true });
    expect(sim.meters.callCount('writeElement', S)).toBe(1);
    expect(sim.meters.meter(S).acceptedTokens).toEqual([TOKEN]);
  });

  it('DELIVER_PREEXISTING_TOKEN of an already used token credits nothing', async () => {
    const r = await driver.execute(cmd('DELIVER_PREEXISTING_TOKEN', { token: TOKEN }));
    expect(r.result.kwhCredit).toBe(24.2);
  });

  it('reads voltage, version, date and time', async () => {
    expect((await driver.execute(cmd('READ_VOLTAGE'))).result).toEqual({ voltageV: 239 });
    expect((await driver.execute(cmd('READ_VERSION'))).result).toEqual({ version: '3_03_7' });
    expect((await driver.execute(cmd('READ_DATE'))).result.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await driver.execute(cmd('READ_TIME'))).result.time).toMatch(/^\d{2}:\d{2}:\d{2}$/);
  });

  it('rejects bad commands with typed errors', async () => {
    await expect(driver.execute(cmd('TOP_UP'))).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    await expect(driver.execute(cmd('TURN_OFF'))).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, details: { unsupported: true } });
    await expect(driver.execute(cmd('READ_VOLTAGE', { phase: 'B' }))).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, details: { unsupported: true } });
    await expect(driver.execute(cmd('READ_CREDIT', {}, { mediatorAddress: null }))).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    await expect(driver.execute(cmd('READ_CREDIT', {}, { protocol: 'CALIN_V1' }))).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    await expect(driver.execute({ ...cmd('READ_CREDIT'), deadlineAt: Date.now() - 1 })).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
    await expect(driver.execute(cmd('READ_CREDIT', {}, { serial: 'UNKNOWN' }))).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('READ_VOLTAGE on a three-phase meter reads L1..L3 for phases A..C', async () => {
    expect((await driver.execute(cmd('READ_VOLTAGE', { phase: 'A' }, { serial: TP }))).result).toEqual({ voltageV: 231 });
    expect((await driver.execute(cmd('READ_VOLTAGE', { phase: 'B' }, { serial: TP }))).result).toEqual({ voltageV: 231.4 });
    expect((await driver.execute(cmd('READ_VOLTAGE', { phase: 'C' }, { serial: TP }))).result).toEqual({ voltageV: 230.7 });
    expect(sim.meters.callCount('readElement', TP)).toBe(2 + 3 * 3);
  });

  it('a busy meter surfaces as BUSY', async () => {
    sim.meters.setBusy(S, true);
    await expect(driver.execute(cmd('READ_CREDIT'))).rejects.toMatchObject({ code: ErrorCode.BUSY });
    sim.meters.setBusy(S, false);
  });
});
