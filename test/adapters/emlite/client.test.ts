import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { EmliteMediatorClient } from '../../../adapters/emlite/client';
import { MediatorPool } from '../../../adapters/emlite/pool';
import { ObjectId } from '../../../adapters/emlite/objectIds';
import { elementReadCodec } from '../../../adapters/emlite/codecs';
import { ThreePhaseMeterType } from '../../../adapters/emlite/hardware';
import { startMediatorSimulator, type MediatorSimulator } from '../../../adapters/emlite/simulator/server';
import { rejection } from '../../helpers/errors';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
let clock = T0;
let sim: MediatorSimulator;
let client: EmliteMediatorClient;
const S = 'EML0000000001';
/** A three-phase CT-operated meter (blank hardware string). */
const TP = 'EML0000000002';
const TOKEN = '12345678901234567890';

beforeAll(async () => {
  sim = await startMediatorSimulator({
    now: () => clock,
    meters: [
      { serial: S, esco: 'wlce', hardware: '6Cw', firmware: '3032', balance: 12.5, voltage: 241, csq: 23, networkOperator: 2, clockOffsetSeconds: -42,
        registers: { importA: 1_000_000, exportA: 5_000, importB: 200_000, exportB: 0 }, ratesWhPerHour: { importA: 600, exportA: 0, importB: 100, exportB: 0 } },
      { serial: TP, esco: 'hmce', hardware: '', threePhaseMeterType: ThreePhaseMeterType.cxCtOperated, registers: { importA: 1_000_000, exportA: 5_000 } },
    ],
  });
  client = new EmliteMediatorClient(sim.address, { deadlineMs: 5_000 });
});

afterAll(async () => {
  client.close();
  await sim.stop();
});

describe('EmliteMediatorClient against the simulator', () => {
  it('readElement returns the raw payload', async () => {
    const raw = await client.readElement(S, ObjectId.elementA);
    expect(raw.length).toBe(16);
    expect(elementReadCodec.decode(raw).importActiveWh).toBe(1_000_000);
  });

  it('element A/B reads advance with the clock', async () => {
    expect(await client.readElementA(S)).toEqual({ importActiveWh: 1_000_000, exportActiveWh: 5_000, importReactiveVarh: 100_000, exportReactiveVarh: 0 });
    clock = T0 + 30 * 60_000;
    expect((await client.readElementA(S)).importActiveWh).toBe(1_000_300);
    expect((await client.readElementB(S)).importActiveWh).toBe(200_050);
    clock = T0;
  });

  it('reads balance, csq, clock, serial, hardware, firmware, voltage', async () => {
    expect(await client.prepayBalance(S)).toBe(12.5);
    expect(await client.csq(S)).toEqual({ networkOperator: 2, csq: 23 });
    expect((await client.clockTime(S)).toISOString()).toBe(new Date(T0 - 42_000).toISOString());
    expect(await client.serialRead(S)).toBe(S);
    expect(await client.hardwareRaw(S)).toBe('6Cw');
    expect(await client.hardware(S)).toBe('C1.w');
    expect(await client.hardwareRaw(TP)).toBe('');
    expect(await client.hardware(TP)).toBe('P1.cx');
    expect(await client.firmwareVersion(S)).toBe('3_03_2');
    expect(await client.firmwareVersion(TP)).toBe('0102');
    expect(await client.voltage(S)).toBe(241);
  });

  it('writes the clock', async () => {
    await client.clockTimeWrite(S, new Date(T0));
    expect((await client.clockTime(S)).getTime()).toBe(T0);
  });

  it('reads active and future tariffs', async () => {
    expect(await client.tariffsActive(S)).toEqual({
      standingCharge: 0.4567, thresholdMask: [true, false, false, false, false, false, false, false], thresholdValues: [0, 0, 0, 0, 0, 0, 0],
      unitRateElementA: 0.2345, blockRate: 7, touRate: 0, unitRateElementB: 0.2345, elementBTouRate: 0,
      emergencyCredit: 15, ecreditAvailability: 10, debtRecoveryRate: 0.5,
    });
    const future = await client.tariffsFuture(S);
    expect(future.activationAt.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(future.unitRateElementA).toBe(0.25);
    expect(future.standingCharge).toBe(0.5);
  });

  it('three-phase read (CX: 1/10 Wh), serial and voltages on a three-phase meter only', async () => {
    expect(await client.threePhaseRead(TP)).toEqual({
      activeImport: 10_000_000, activeExport: 50_000, reactiveImport: 1_000_000, reactiveExport: 0, apparentImport: 10_500_000, apparentExport: 50_000,
    });
    expect(await client.threePhaseSerial(TP)).toBe(TP);
    sim.meters.setObject(TP, ObjectId.threePhaseVoltageL1, 240.1);
    sim.meters.setObject(TP, ObjectId.threePhaseVoltageL2, 239.5);
    sim.meters.setObject(TP, ObjectId.threePhaseVoltageL3, 241);
    expect(await client.threePhaseVoltages(TP)).toEqual([240.1, 239.5, 241]);
    await expect(client.threePhaseRead(S)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    await expect(client.readElementA(TP)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    // Prepay objects answer empty on three-phase meters: refused, never stored as a balance.
    await expect(client.prepayBalance(TP)).rejects.toMatchObject({ code: ErrorCode.INVALID_DATA_FORMAT });
  });

  it('prepay token send raises the balance once and logs event 48', async () => {
    await client.prepaySendToken(S, TOKEN);
    expect(await client.prepayBalance(S)).toBe(22.5);
    await client.prepaySendToken(S, TOKEN);
    expect(await client.prepayBalance(S)).toBe(22.5);
    const events = await client.eventLog(S, 0);
    expect(events.length).toBe(10);
    expect(events[0]).toEqual({ timestamp: new Date(T0), eventId: 48, eventSet: 0 });
    expect((await client.eventLog(S, 2)).length).toBe(6);
    // on the wire: object id FF F0 E1 and index 2 echoed, then six 6-byte records
    const reply = await client.sendRawMessage(S, Buffer.from([0x02, 0xff, 0xf0, 0xe1, 0x02]));
    expect([...reply.subarray(0, 4)]).toEqual([0xff, 0xf0, 0xe1, 0x02]);
    expect(reply.length).toBe(4 + 6 * 6);
    expect(await client.eventLog(S, 3)).toEqual([]);
  });

  it('sendRawMessage answers the reply data field after its format byte; rawRead strips the echoed header', async () => {
    // request: format 01, object id 0C 07 00, rw 00; reply: object id 0C 07 00, rw 00, u2le 2410 decivolts
    const reply = await client.sendRawMessage(S, Buffer.from([0x01, 0x0c, 0x07, 0x00, 0x00]));
    expect(reply).toEqual(Buffer.from([0x0c, 0x07, 0x00, 0x00, 0x6a, 0x09]));
    expect(await client.rawRead(S, ObjectId.instantaneousVoltage)).toEqual(Buffer.from([0x6a, 0x09]));
  });

  it('writeElement of an invalid token is INTERNAL → UNAVAILABLE', async () => {
    const e = await rejection(client.writeElement(S, ObjectId.prepayTokenSend, Buffer.from('12', 'ascii')));
    expect(e.code).toBe(ErrorCode.UNAVAILABLE);
    expect((e.details as { grpcCode: string }).grpcCode).toBe('INTERNAL');
  });

  it('getInfo and getMeters', async () => {
    const info = (await client.getInfo(S)) as { registry: { serial: string; esco: string }; shadow: { balance: number } };
    expect(info.registry).toEqual({ serial: S, esco: 'wlce', hardware: 'C1.w', mode: 'active' });
    expect(info.shadow.balance).toBe(22.5);
    expect((await client.getMeters()).length).toBe(2);
    expect(await client.getMeters('hmce')).toEqual([{ serial: TP, esco: 'hmce', hardware: 'P1.cx', mode: 'active' }]);
    // the deployed GetMeters lower-cases its filter
    expect((await client.getMeters('HMCE')).length).toBe(1);
  });
});

describe('error mapping', () => {
  it('missing serial: INVALID_ARGUMENT → VALIDATION_FAILED', async () => {
    const e = await rejection(client.readElementA(''));
    expect(e.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(e.message).toContain('Target meter serial not specified');
    expect((e.cause as { code: number }).code).toBe(3);
  });

  it('unknown serial: NOT_FOUND (readElement, writeElement, sendRawMessage, GetInfo)', async () => {
    expect((await rejection(client.readElementA('NOPE'))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await rejection(client.prepaySendToken('NOPE', TOKEN))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await rejection(client.eventLog('NOPE'))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await rejection(client.getInfo('NOPE'))).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('forced busy: RESOURCE_EXHAUSTED → BUSY with retryAfterMs', async () => {
    sim.meters.setBusy(S, true);
    const e = await rejection(client.prepayBalance(S));
    sim.meters.setBusy(S, false);
    expect(e.code).toBe(ErrorCode.BUSY);
    expect(e.message).toContain(`Meter ${S} is busy (timeout)`);
    expect(e.retryAfterMs).toBe(5_000);
  });

  it('link failure: INTERNAL "failed to connect after retries" → UNAVAILABLE, once', async () => {
    sim.meters.injectFault(S, 'link');
    const e = await rejection(client.csq(S));
    expect(e.code).toBe(ErrorCode.UNAVAILABLE);
    expect(e.details).toMatchObject({ grpcCode: 'INTERNAL', grpcDetails: 'failed to connect after retries' });
    expect((await client.csq(S)).csq).toBe(23);
  });

  it('short and corrupt payloads: INVALID_DATA_FORMAT', async () => {
    sim.meters.injectFault(S, 'short');
    expect((await rejection(client.readElementA(S))).code).toBe(ErrorCode.INVALID_DATA_FORMAT);
    sim.meters.injectFault(S, 'corrupt');
    expect((await rejection(client.prepayBalance(S))).code).toBe(ErrorCode.INVALID_DATA_FORMAT);
  });

  it('unknown object id: INTERNAL "Meter communication failed" → UNAVAILABLE; invalid object id rejected locally', async () => {
    const e = await rejection(client.readElement(S, 0x123456));
    expect(e.code).toBe(ErrorCode.UNAVAILABLE);
    expect(e.details).toMatchObject({ grpcCode: 'INTERNAL', grpcDetails: 'Meter communication failed' });
    const before = sim.meters.callCount('readElement');
    expect((await rejection(client.readElement(S, 0x1000000))).code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(sim.meters.callCount('readElement')).toBe(before);
  });

  it('deadline exceeded → TIMEOUT; the exchange goes on, and a call that waits out the meter lock is BUSY', async () => {
    // A long exchange, so the second call lands inside it however loaded the machine is.
    const slow = await startMediatorSimulator({ meters: 1, latencyMs: 3_000, lockTimeoutMs: 200 });
    const c = new EmliteMediatorClient(slow.address, { deadlineMs: 100 });
    try {
      const e = await rejection(c.readElementA('EMLSIM00000000'));
      expect(e.code).toBe(ErrorCode.TIMEOUT);
      // The mediator keeps talking to the meter after the client gave up: the lock stays taken until that exchange ends.
      while (slow.meters.inFlight === 0) await new Promise((r) => setTimeout(r, 20));
      const busy = await rejection(c.readElementA('EMLSIM00000000', { deadlineMs: 2_000 }));
      expect(busy.code).toBe(ErrorCode.BUSY);
      expect(busy.details).toMatchObject({ grpcCode: 'RESOURCE_EXHAUSTED', grpcDetails: 'Meter EMLSIM00000000 is busy (timeout)' });
      while (slow.meters.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
      expect(await c.readElementA('EMLSIM00000000', { deadlineMs: 10_000 })).toHaveProperty('importActiveWh');
    } finally {
      c.close();
      await slow.stop();
    }
  });

  it('a second call to a meter mid-exchange waits for the meter lock, then runs (as the deployed mediator)', async () => {
    const slow = await startMediatorSimulator({ meters: 1, latencyMs: 200 });
    const c = new EmliteMediatorClient(slow.address);
    try {
      const started = performance.now();
      const [a, b] = await Promise.all([c.readElementA('EMLSIM00000000'), c.prepayBalance('EMLSIM00000000')]);
      expect(a).toHaveProperty('importActiveWh');
      expect(typeof b).toBe('number');
      // one exchange after the other: at least two latencies
      expect(performance.now() - started).toBeGreaterThanOrEqual(400);
      expect(slow.meters.maxInFlight).toBe(2);
    } finally {
      c.close();
      await slow.stop();
    }
  });

  it('minRequestGapMs spaces the exchanges with one meter (the deployed 2 s, shortened)', async () => {
    const spaced = await startMediatorSimulator({ meters: 1, minRequestGapMs: 300 });
    const c = new EmliteMediatorClient(spaced.address);
    try {
      await c.csq('EMLSIM00000000');
      const started = performance.now();
      await c.csq('EMLSIM00000000');
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      c.close();
      await spaced.stop();
    }
  });

  it('mediator down → UNAVAILABLE', async () => {
    const gone = await startMediatorSimulator({ meters: 1 });
    const address = gone.address;
    await gone.stop();
    const c = new EmliteMediatorClient(address, { deadlineMs: 2_000 });
    try {
      const e = await rejection(c.readElementA('EMLSIM00000000'));
      expect([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT]).toContain(e.code);
    } finally {
      c.close();
    }
  });
});

describe('MediatorPool', () => {
  it('bounds concurrency per mediator, not globally', async () => {
    const a = await startMediatorSimulator({ meters: 40, latencyMs: 30 });
    const b = await startMediatorSimulator({ meters: 40, latencyMs: 30 });
    const pool = new MediatorPool({ perMediatorConcurrency: 4, deadlineMs: 10_000 });
    try {
      expect(pool.client(a.address)).toBe(pool.client(a.address));
      const reads = [a, b].flatMap((sim) => sim.meters.serials().map((s) => pool.client(sim.address).readElementA(s)));
      const results = await Promise.all(reads);
      expect(results.length).toBe(80);
      expect(a.meters.maxInFlight).toBe(4);
      expect(b.meters.maxInFlight).toBe(4);
      expect(a.meters.callCount('readElement')).toBe(40);
    } finally {
      pool.close();
      await a.stop();
      await b.stop();
    }
  });

  it('the simulator honours its own concurrency limit', async () => {
    const sim2 = await startMediatorSimulator({ meters: 12, latencyMs: 20, concurrencyLimit: 3 });
    const c = new EmliteMediatorClient(sim2.address);
    try {
      await Promise.all(sim2.meters.serials().map((s) => c.prepayBalance(s)));
      expect(sim2.meters.maxInFlight).toBe(12);
      expect(sim2.meters.maxActive).toBe(3);
    } finally {
      c.close();
      await sim2.stop();
    }
  });

  it('rejects an invalid limit', () => {
    expect(() => new MediatorPool({ perMediatorConcurrency: 0 })).toThrow(GridtwinError);
    expect(() => new MediatorPool().client('')).toThrow(GridtwinError);
  });
});
