import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { EmliteMediatorClient } from '../../../adapters/emlite/client';
import { SYNCERS, SYNCER_NAMES, isSyncerName, runSyncers } from '../../../adapters/emlite/syncers/registry';
import { startMediatorSimulator, type MediatorSimulator } from '../../../adapters/emlite/simulator/server';

const T0 = Date.UTC(2025, 0, 10, 8, 0, 0);
const clock = T0;
const S = 'EML2137580826';
let sim: MediatorSimulator;
let client: EmliteMediatorClient;

beforeAll(async () => {
  sim = await startMediatorSimulator({
    now: () => clock,
    meters: [{ serial: S, hardware: '6C', firmware: '3032', balance: 7.25, voltage: 238, csq: 17, networkOperator: 1, clockOffsetSeconds: 95,
      registers: { importA: 4_321_000, exportA: 12, importB: 765_000, exportB: 3 } }],
  });
  client = new EmliteMediatorClient(sim.address, { deadlineMs: 5_000 });
});
afterAll(async () => {
  client.close();
  await sim.stop();
});

const now = new Date(T0);

describe('syncers against the simulator', () => {
  it('registry holds exactly the seed names', () => {
    expect(SYNCER_NAMES).toEqual([
      'SyncerReads', 'SyncerPrepayBalance', 'SyncerCSQ', 'SyncerTariffsActive', 'SyncerTariffsFuture',
      'SyncerEventLog', 'SyncerHardware', 'SyncerFirmwareVersion', 'SyncerClockDiff', 'SyncerVoltage', 'SyncerSerial',
    ]);
    expect(isSyncerName('SyncerReads')).toBe(true);
    expect(isSyncerName('SyncerBacklight')).toBe(false);
  });

  it('SyncerReads', async () => {
    expect(await SYNCERS.SyncerReads.singlePhase(client, S, now)).toEqual({ importA: 4_321_000, exportA: 12, importB: 765_000, exportB: 3 });
  });
  it('SyncerPrepayBalance', async () => expect(await SYNCERS.SyncerPrepayBalance.singlePhase(client, S, now)).toEqual({ balance: 7.25 }));
  it('SyncerCSQ', async () => expect(await SYNCERS.SyncerCSQ.singlePhase(client, S, now)).toEqual({ csq: 17, networkOperator: 1 }));
  it('SyncerHardware', async () => expect(await SYNCERS.SyncerHardware.singlePhase(client, S, now)).toEqual({ hardware: 'C1.w' }));
  it('SyncerFirmwareVersion', async () => expect(await SYNCERS.SyncerFirmwareVersion.singlePhase(client, S, now)).toEqual({ firmware: '3_03_2' }));
  it('SyncerVoltage', async () => expect(await SYNCERS.SyncerVoltage.singlePhase(client, S, now)).toEqual({ voltage: 238 }));
  it('SyncerClockDiff', async () => {
    expect(await SYNCERS.SyncerClockDiff.singlePhase(client, S, now)).toEqual({ clockDiffSeconds: 95 });
    expect(await SYNCERS.SyncerClockDiff.singlePhase(client, S, new Date(T0 + 2 * 86_400_000))).toEqual({ clockDiffSeconds: 2 * 86_400 - 95 });
  });
  it('SyncerTariffsActive / Future', async () => {
    const a = await SYNCERS.SyncerTariffsActive.singlePhase(client, S, now);
    expect(a.tariffsActive?.unitRateElementA).toBe(0.2345);
    expect(a.tariffsActive?.standingCharge).toBe(0.4567);
    const f = await SYNCERS.SyncerTariffsFuture.singlePhase(client, S, now);
    expect(f.tariffsFuture?.activationAt.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
  it('SyncerEventLog returns only unseen events, paging while a page is all new', async () => {
    const all = (await SYNCERS.SyncerEventLog.singlePhase(client, S, now)).eventLog!;
    expect(all.length).toBe(25);
    const since = all[12]!.timestamp;
    const before = sim.meters.callCount('sendRawMessage', S);
    const fresh = (await SYNCERS.SyncerEventLog.singlePhase(client, S, now, { lastEventAt: since })).eventLog!;
    expect(fresh).toEqual(all.slice(0, 12));
    expect(sim.meters.callCount('sendRawMessage', S) - before).toBe(2);
    expect((await SYNCERS.SyncerEventLog.singlePhase(client, S, now, { lastEventAt: all[0]!.timestamp })).eventLog).toEqual([]);
  });

  it('runSyncers merges patches, and rejects with the typed error on a failure', async () => {
    expect(await runSyncers(['SyncerReads', 'SyncerPrepayBalance'], client, S, now)).toEqual({
      importA: 4_321_000, exportA: 12, importB: 765_000, exportB: 3, balance: 7.25,
    });
    sim.meters.injectFault(S, 'link');
    await expect(runSyncers(['SyncerCSQ'], client, S, now)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    sim.meters.injectFault(S, 'short');
    const e = await runSyncers(['SyncerReads'], client, S, now).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GridtwinError);
    expect((e as GridtwinError).code).toBe(ErrorCode.INVALID_DATA_FORMAT);
  });
});
