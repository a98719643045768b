import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../core/errors';
import { EmliteMediatorClient } from '../../../adapters/emlite/client';
import { ThreePhaseMeterType } from '../../../adapters/emlite/hardware';
import { SYNCER_NAMES, meterKindOf, runSyncers, syncerPlan, type SyncClient } from '../../../adapters/emlite/syncers/registry';
import { startMediatorSimulator, type MediatorSimulator } from '../../../adapters/emlite/simulator/server';

/**
 * The origin's per-kind sync (cepro/simt-emlite simt_emlite/sync/*.py, mediator/api_core.py,
 * util/meters.py) against the simulator: model names, firmware form, serial, three-phase objects and skips.
 */
const T0 = Date.UTC(2025, 2, 3, 10, 0, 0);
const now = new Date(T0);
const HW = { C6: 'EMLC6', C6w: 'EMLC6W', B6w: 'EMLB6W', A3w: 'EMLA3W', odd: 'EMLODD' } as const;
const AX = 'EML3PAX';
const CX = 'EML3PCX';
const ODD3P = 'EML3PODD';
let sim: MediatorSimulator;
let client: EmliteMediatorClient;

beforeAll(async () => {
  sim = await startMediatorSimulator({
    now: () => T0,
    meters: [
      { serial: HW.C6, hardware: '6C', firmware: '3032', registers: { importA: 1_000, exportA: 2, importB: 300, exportB: 4 } },
      { serial: HW.C6w, hardware: '6Cw' },
      { serial: HW.B6w, hardware: '6Bw' },
      { serial: HW.A3w, hardware: '3Aw' },
      { serial: HW.odd, hardware: '7Zq' },
      { serial: AX, hardware: '', threePhaseMeterType: ThreePhaseMeterType.axWholeCurrent, firmware: '0102', voltage: 240, registers: { importA: 5_000_000, exportA: 7_000 } },
      { serial: CX, hardware: '', threePhaseMeterType: ThreePhaseMeterType.cxCtOperated, registers: { importA: 123_456, exportA: 789 } },
      { serial: ODD3P, hardware: '', threePhaseMeterType: 9 },
    ],
  });
  client = new EmliteMediatorClient(sim.address, { deadlineMs: 5_000 });
});
afterAll(async () => {
  client.close();
  await sim.stop();
});

/** The client, recording which of its methods the syncers call. */
function recording(): { client: SyncClient; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, calls };
}

describe('hardware: stored as the origin\'s model name (api_core.hardware, util/meters.py)', () => {
  it.each([
    [HW.C6, 'C1.w'], [HW.C6w, 'C1.w'], [HW.B6w, 'B1.w'], [HW.A3w, 'EMA1.w'], [HW.odd, 'SINGLE_PHASE_UNKNOWN'],
    [AX, 'P1.ax'], [CX, 'P1.cx'], [ODD3P, 'THREE_PHASE_UNKNOWN'],
  ])('%s → %s', async (serial, model) => {
    expect(await runSyncers(['SyncerHardware'], client, serial, now)).toEqual({ hardware: model });
  });
});

describe('firmware: the meter\'s "3032" is stored as "3_03_2"; three-phase bytes as hex', () => {
  it('single-phase and three-phase', async () => {
    expect(await runSyncers(['SyncerFirmwareVersion'], client, HW.C6, now)).toEqual({ firmware: '3_03_2' });
    expect(await runSyncers(['SyncerFirmwareVersion'], client, AX, now)).toEqual({ firmware: '0102' });
  });
});

describe('serial: a serial syncer, 0x600100 on single-phase meters and 0xD7FF10 on three-phase ones (syncer_serial.py)', () => {
  it('reads the serial the meter reports through the object of its kind', async () => {
    const single = recording();
    expect(await runSyncers(['SyncerSerial'], single.client, HW.C6, now, { hardware: 'C1.w' })).toEqual({ serialReported: HW.C6 });
    expect(single.calls).toEqual(['serialRead']);
    const three = recording();
    expect(await runSyncers(['SyncerSerial'], three.client, AX, now, { hardware: 'P1.ax' })).toEqual({ serialReported: AX });
    expect(three.calls).toEqual(['threePhaseSerial']);
  });
});

describe('three-phase meters: read with the three-phase objects; prepay, tariffs and event log skipped (origin syncers)', () => {
  it('a full sync of a three-phase AX meter touches no single-phase or prepay object', async () => {
    const r = recording();
    const patch = await runSyncers(SYNCER_NAMES, r.client, AX, now);
    expect(patch).toEqual({
      importA: 5_000_000, exportA: 7_000, csq: expect.any(Number) as number, networkOperator: expect.any(Number) as number,
      hardware: 'P1.ax', firmware: '0102', clockDiffSeconds: expect.any(Number) as number,
      voltageL1: 240, voltageL2: 240.4, voltageL3: 239.7, serialReported: AX,
    });
    for (const m of ['readElementA', 'readElementB', 'prepayBalance', 'tariffsActive', 'tariffsFuture', 'eventLog', 'voltage', 'serialRead']) {
      expect(r.calls).not.toContain(m);
    }
    expect(r.calls.filter((c) => c === 'threePhaseRead')).toHaveLength(1);
  });

  it('a CX meter counts in 1/10 Wh: stored in Wh; export stays export', async () => {
    expect(await runSyncers(['SyncerReads'], client, CX, now)).toEqual({ importA: 123_456, exportA: 789 });
  });

  it('an unknown three-phase meter type stores no register (scale unknown), with a typed error naming the field', async () => {
    const e = await runSyncers(['SyncerReads'], client, ODD3P, now).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: ErrorCode.INVALID_DATA_FORMAT, details: { field: 'meter_type', hardware: 'THREE_PHASE_UNKNOWN' } });
  });

  it('a single-phase meter keeps the single-phase plan; the stored model decides without a meter read', async () => {
    const r = recording();
    expect(await runSyncers(['SyncerReads', 'SyncerPrepayBalance'], r.client, HW.C6, now, { hardware: 'C1.w' })).toMatchObject({
      importA: 1_000, exportA: 2, importB: 300, exportB: 4,
    });
    expect(r.calls).toEqual(['readElementA', 'readElementB', 'prepayBalance']);
  });

  it('a raw hardware string stored before model names ("" or "6Cw") does not pick the kind: the model is read', async () => {
    const r = recording();
    expect(await runSyncers(['SyncerReads'], r.client, AX, now, { hardware: '' })).toEqual({ importA: 5_000_000, exportA: 7_000 });
    expect(r.calls).toContain('threePhaseRead');
    expect(r.calls).not.toContain('readElementA');
  });

  it('the plan per kind, as a table', () => {
    expect(meterKindOf('P1.cx')).toBe('threePhase');
    expect(meterKindOf('CX')).toBe('threePhase');
    expect(meterKindOf('C1.w')).toBe('singlePhase');
    expect(meterKindOf(null)).toBe('singlePhase');
    expect(syncerPlan(SYNCER_NAMES, 'threePhase').map((s) => s.name)).toEqual([
      'SyncerReads', 'SyncerCSQ', 'SyncerHardware', 'SyncerFirmwareVersion', 'SyncerClockDiff', 'SyncerVoltage', 'SyncerSerial',
    ]);
    expect(syncerPlan(SYNCER_NAMES, 'singlePhase').map((s) => s.name)).toEqual(SYNCER_NAMES);
  });

  it('a three-phase meter answers prepay objects empty: refused, never stored as a balance', async () => {
    await expect(client.prepayBalance(AX)).rejects.toMatchObject({ code: ErrorCode.INVALID_DATA_FORMAT });
  });
});

describe('event log: id 0 dropped, pages 0..9 only (syncer_event_log.py, validation.py)', () => {
  it('drops event id 0 and stops after page 9 however many events are new', async () => {
    const m = sim.meters.meter(HW.C6w);
    m.events.length = 0;
    for (let i = 0; i < 150; i++) m.events.push({ timestamp: new Date(T0 - (i + 1) * 60_000), eventId: i === 3 ? 0 : 10 + (i % 30), eventSet: 1 });
    const before = sim.meters.callCount('sendRawMessage', HW.C6w);
    const { eventLog } = await runSyncers(['SyncerEventLog'], client, HW.C6w, now, { hardware: 'C1.w' });
    expect(sim.meters.callCount('sendRawMessage', HW.C6w) - before).toBe(10);
    expect(eventLog).toHaveLength(99);
    expect(eventLog!.some((e) => e.eventId === 0)).toBe(false);
    expect(eventLog![0]!.timestamp.getTime()).toBe(T0 - 60_000);
    expect(eventLog!.at(-1)!.timestamp.getTime()).toBe(T0 - 100 * 60_000);
  });
});
