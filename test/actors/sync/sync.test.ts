import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmliteMediatorClient } from '../../../adapters/emlite/client';
import type { EscoSyncEvent, MeterStateEvent } from '../../../core/events';
import type { SyncResult } from '../../../actors/meter/sync/types';
import { SyncSweeper, type SweepStatus } from '../../../actors/sync';
import { silentLogger } from '../../../core/logger';
import { emliteRepo } from '../../../persistence';
import { eventually } from '../../helpers/world';
import { createSyncWorld, registerRows, type SyncWorld } from './world';

const HOUR = 3_600_000;
let w: SyncWorld;
let mediator: string;

const shadow = (id: string) => emliteRepo.shadow(w.db.sql, id);
const sync = (id: string, body: unknown = {}) => w.call<SyncResult>(w.s.meterSync(id), body);

beforeAll(async () => {
  w = await createSyncWorld({
    mediators: [[
      { serial: 'EMLA0001', registers: { importA: 1_000_000, exportA: 500, importB: 200_000, exportB: 0 }, ratesWhPerHour: { importA: 600, exportA: 0, importB: 0, exportB: 0 }, balance: 12.5, csq: 20 },
      { serial: 'EMLA0002', registers: { importA: 50_000, exportA: 0, importB: 0, exportB: 0 }, ratesWhPerHour: { importA: 100, exportA: 0, importB: 0, exportB: 0 } },
      { serial: 'EMLA0003' },
      { serial: 'EMLA0004' },
      { serial: 'EMLA0005' },
    ]],
  });
  mediator = w.sims[0]!.address;
  await w.addMeters([
    { id: 'e1', serial: 'EMLA0001', mediatorAddress: mediator },
    { id: 'e2', serial: 'EMLA0002', mediatorAddress: mediator },
    { id: 'e3', serial: 'EMLA0003', mediatorAddress: mediator, mode: 'passive' },
    { id: 'e4', serial: 'EMLA0004', mediatorAddress: mediator, mode: 'virtual' },
    { id: 'eUnknown', serial: 'EMLNOTKNOWN', mediatorAddress: mediator },
    { id: 'eDown', serial: 'EMLA0005', mediatorAddress: '127.0.0.1:1' },
  ]);
});
afterAll(async () => w?.stop());

describe('meter sync', () => {
  it('writes the shadow healthy and one history row per register on the first sync', async () => {
    const events: MeterStateEvent[] = [];
    const sub = w.bus.subscribe(w.s.evtMeterState('e1'), (m) => events.push(m.json()));
    await w.bus.flush();
    const r = await sync('e1', { syncers: ['SyncerReads', 'SyncerPrepayBalance', 'SyncerCSQ'] });
    expect(r).toMatchObject({ meterId: 'e1', health: 'healthy', healthDetails: '', syncers: ['SyncerReads', 'SyncerPrepayBalance', 'SyncerCSQ'] });
    expect(await shadow('e1')).toMatchObject({ importA: 1_000_000, exportA: 500, importB: 200_000, exportB: 0, balance: 12.5, csq: 20, health: 'healthy', healthDetails: '' });
    expect(await registerRows(w.db, 'register_import', 'e1')).toHaveLength(2);
    expect(await registerRows(w.db, 'register_export', 'e1')).toHaveLength(2);
    expect(await registerRows(w.db, 'register_interval_hh', 'e1')).toHaveLength(0);
    await eventually(async () => events.length === 1);
    expect((events[0]!.shadow.reported as { emlite: { importA: number } }).emlite.importA).toBe(1_000_000);
    sub.unsubscribe();
  });

  it('a second sync with nothing changed appends nothing and publishes nothing', async () => {
    const events: unknown[] = [];
    const sub = w.bus.subscribe(w.s.evtMeterState('e1'), (m) => events.push(m.json()));
    await w.bus.flush();
    const r = await sync('e1', { syncers: ['SyncerReads', 'SyncerPrepayBalance'] });
    expect(r.changed).toEqual([]);
    expect(await registerRows(w.db, 'register_import', 'e1')).toHaveLength(2);
    expect(await registerRows(w.db, 'register_export', 'e1')).toHaveLength(2);
    await new Promise((res) => setTimeout(res, 200));
    expect(events).toHaveLength(0);
    sub.unsubscribe();
  });

  it('an hour later only the register that moved gets a row, and its consumption lands in half-hours', async () => {
    w.advance(HOUR);
    const r = await sync('e1', { syncers: ['SyncerReads'] });
    expect(r.changed).toEqual(['importA']);
    const imports = await registerRows(w.db, 'register_import', 'e1');
    expect(imports.map((x) => [x.element, Number(x.read)])).toEqual([['A', 1_000_000], ['A', 1_000_600], ['B', 200_000]]);
    expect(await registerRows(w.db, 'register_export', 'e1')).toHaveLength(2);
    const intervals = await registerRows(w.db, 'register_interval_hh', 'e1');
    const a = intervals.filter((x) => x.element === 'A');
    // 08:05 → 09:05: 25 min of 08:00, 30 of 08:30, 5 of 09:00 at 10 Wh/min.
    expect(a.map((x) => [new Date(x.timestamp as string).toISOString(), Number(x.import_interval), Number(x.export_interval), x.flags])).toEqual([
      ['2026-11-23T08:00:00.000Z', 250, 0, []],
      ['2026-11-23T08:30:00.000Z', 300, 0, []],
      ['2026-11-23T09:00:00.000Z', 50, 0, []],
    ]);
    expect(intervals.filter((x) => x.element === 'B').every((x) => Number(x.import_interval) === 0)).toBe(true);
  });

  it('the next pair adds to the half-hour both pairs touch', async () => {
    w.advance(HOUR);
    await sync('e1', { syncers: ['SyncerReads'] });
    const a = (await registerRows(w.db, 'register_interval_hh', 'e1')).filter((x) => x.element === 'A');
    expect(a.map((x) => Number(x.import_interval))).toEqual([250, 300, 300, 300, 50]);
  });

  it('a reversal and a reset are flagged on the half-hour, never negative, and the lower read is the new baseline', async () => {
    w.sims[0]!.meters.forceReversal('EMLA0002', 'importA', 40);
    w.advance(HOUR);
    await sync('e2', { syncers: ['SyncerReads'] }); // first sync: baseline only
    w.sims[0]!.meters.forceReversal('EMLA0002', 'importA', 500);
    w.advance(10 * 60_000);
    await sync('e2', { syncers: ['SyncerReads'] });
    w.sims[0]!.meters.forceReset('EMLA0002');
    w.advance(10 * 60_000);
    await sync('e2', { syncers: ['SyncerReads'] });
    w.advance(30 * 60_000);
    await sync('e2', { syncers: ['SyncerReads'] });
    const rows = (await registerRows(w.db, 'register_interval_hh', 'e2')).filter((x) => x.element === 'A');
    expect(rows.every((x) => Number(x.import_interval) >= 0)).toBe(true);
    const flagged = rows.filter((x) => (x.flags as string[]).length).map((x) => [new Date(x.timestamp as string).toISOString(), x.flags]);
    expect(flagged).toEqual([['2026-11-23T11:00:00.000Z', ['RESET', 'REVERSAL']]]);
    // only the last pair advanced (16 → 66 Wh after the reset, 100 Wh/h); the flagged pairs contribute nothing
    expect(rows.reduce((sum, x) => sum + Number(x.import_interval), 0)).toBe(50);
    const imports = (await registerRows(w.db, 'register_import', 'e2')).filter((x) => x.element === 'A');
    expect(imports).toHaveLength(4);
  });

  it('a sync of a meter whose model is stored does not ask the meter for its hardware again', async () => {
    await sync('e2', { syncers: ['SyncerHardware'] });
    expect((await shadow('e2'))?.hardware).toBeTruthy();
    const asked = vi.spyOn(EmliteMediatorClient.prototype, 'hardware');
    try {
      const r = await sync('e2', { syncers: ['SyncerReads', 'SyncerVoltage'] });
      expect(r.health).toBe('healthy');
      expect(asked).not.toHaveBeenCalled();
    } finally {
      asked.mockRestore();
    }
  });

  it('unknown syncer names are refused', async () => {
    const r = await w.request(w.s.meterSync('e1'), { syncers: ['SyncerBacklight'] });
    expect(r).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('passive and virtual meters are never synced', async () => {
    expect(await sync('e3')).toMatchObject({ health: 'skipped', healthDetails: 'meter is passive' });
    expect(await sync('e4')).toMatchObject({ health: 'skipped', healthDetails: 'meter is virtual' });
    expect(await shadow('e3')).toBeUndefined();
    expect(w.sims[0]!.meters.callCount(undefined, 'EMLA0003')).toBe(0);
  });

  it('an unknown serial leaves a clear health entry', async () => {
    const r = await sync('eUnknown', { syncers: ['SyncerCSQ'] });
    expect(r.health).toBe('unhealthy');
    expect(r.healthDetails).toMatch(/^NOT_FOUND: .*EMLNOTKNOWN.*not known/);
    expect(await shadow('eUnknown')).toMatchObject({ health: 'unhealthy', healthDetails: r.healthDetails, csq: null });
  });

  it('a mediator that is down makes the meter unhealthy and csq null, keeping its last reads', async () => {
    const r = await sync('eDown', { syncers: ['SyncerCSQ'] });
    expect(r.health).toBe('unhealthy');
    expect(r.healthDetails).toMatch(/^UNAVAILABLE: mediator 127\.0\.0\.1:1/);
    expect(await shadow('eDown')).toMatchObject({ health: 'unhealthy', csq: null });
  });

  it('a failure after a healthy sync clears csq and keeps the reads; a later success is healthy again', async () => {
    w.sims[0]!.meters.setLinkDown('EMLA0001', true);
    const bad = await sync('e1', { syncers: ['SyncerCSQ'] });
    expect(bad).toMatchObject({ health: 'unhealthy', changed: ['health'] });
    expect(bad.healthDetails).toMatch(/^UNAVAILABLE: .*failed to connect after retries/);
    expect(await shadow('e1')).toMatchObject({ health: 'unhealthy', csq: null, importA: 1_001_200 });
    w.sims[0]!.meters.setLinkDown('EMLA0001', false);
    expect(await sync('e1', { syncers: ['SyncerCSQ'] })).toMatchObject({ health: 'healthy', changed: ['csq', 'health'] });
    expect(await shadow('e1')).toMatchObject({ health: 'healthy', healthDetails: '', csq: 20 });
  });

  it('the event log syncer stores new events once and remembers the newest', async () => {
    await sync('e1', { syncers: ['SyncerEventLog'] });
    const first = await w.db.sql.one<{ n: string }>(`select count(*) as n from meter_event_log where meter_id = 'e1'`);
    expect(Number(first?.n)).toBeGreaterThan(0);
    const s1 = await shadow('e1');
    expect(s1?.lastEventAt).not.toBeNull();
    expect((await sync('e1', { syncers: ['SyncerEventLog'] })).changed).toEqual([]);
    const again = await w.db.sql.one<{ n: string }>(`select count(*) as n from meter_event_log where meter_id = 'e1'`);
    expect(again?.n).toBe(first?.n);
  });
});

describe('the sync write', () => {
  it('is all or nothing: a rejected interval leaves shadow and history untouched', async () => {
    const before = await shadow('e1');
    const imports = (await registerRows(w.db, 'register_import', 'e1')).length;
    const at = new Date(w.clock.now + 60_000).toISOString();
    await expect(emliteRepo.commitSync(w.db.sql, {
      meterId: 'e1', at, shadow: { importA: 9_999_999, readsAt: at }, registers: {},
      imports: [{ element: 'A', read: 9_999_999, timestamp: at }], exports: [],
      intervals: [{ element: 'A', start: at, importWh: -5, exportWh: 0, flags: [] }], events: [],
    })).rejects.toThrow();
    expect(await shadow('e1')).toEqual(before);
    expect(await registerRows(w.db, 'register_import', 'e1')).toHaveLength(imports);
  });
});

describe('ESCO sweeps', () => {
  it('a sweep syncs the active meters, skips passive/virtual ones, counts failures and goes on', async () => {
    const events: EscoSyncEvent[] = [];
    const sub = w.bus.subscribe(w.s.evtEscoSync('esco1'), (m) => events.push(m.json()));
    await w.bus.flush();
    const st = await w.call<SweepStatus>(w.s.escoSync('esco1'), { syncers: ['SyncerPrepayBalance'] });
    expect(st).toMatchObject({ esco: 'esco1', state: 'finished', total: 4, done: 4, healthy: 2, unhealthy: 2, skipped: 0 });
    expect(st.failures.map((f) => f.meterId).sort()).toEqual(['eDown', 'eUnknown']);
    await eventually(async () => events.some((e) => e.phase === 'finished'));
    expect(events[0]).toMatchObject({ phase: 'started', total: 4, done: 0 });
    expect(events.at(-1)).toMatchObject({ phase: 'finished', total: 4, done: 4, healthy: 2, unhealthy: 2 });
    expect(await w.call<SweepStatus>(w.s.escoSyncStatus('esco1'))).toMatchObject({ sweepId: st.sweepId, state: 'finished' });
    sub.unsubscribe();
  });

  it('`async: true` answers with the sweep id at once; the status endpoint follows it', async () => {
    const r = await w.call<{ sweepId: string; async: true }>(w.s.escoSync('esco1'), { async: true, syncers: ['SyncerCSQ'] });
    expect(r.async).toBe(true);
    const done = await eventually(async () => {
      const st = await w.call<SweepStatus>(w.s.escoSyncStatus('esco1'));
      return st.sweepId === r.sweepId && st.state === 'finished' ? st : null;
    });
    expect(done).toMatchObject({ healthy: 2, unhealthy: 2 });
    expect(await w.request(w.s.escoSyncStatus('nobody'))).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('schedules choose syncers by frequency and honour the enabled flag', async () => {
    const sql = w.db.sql;
    await sql.run(`update meter_shadows set balance = null, csq = null, last_event_at = null where meter_id = 'e2'`);
    await emliteRepo.setMetric(sql, { name: 'SyncerPrepayBalance', enabled: false, runFrequency: 'hourly' });
    w.node.sweeper.fire('hourly');
    const hourly = (await w.node.sweeper.sweepDue()).find((x) => x.esco === 'esco1');
    expect(hourly).toMatchObject({ trigger: 'schedule', frequencies: ['hourly'], syncers: ['SyncerReads'] });
    expect(await shadow('e2')).toMatchObject({ balance: null, csq: null, lastEventAt: null });

    await emliteRepo.setMetric(sql, { name: 'SyncerPrepayBalance', enabled: true, runFrequency: 'hourly' });
    w.node.sweeper.fire('daily');
    const daily = (await w.node.sweeper.sweepDue()).find((x) => x.esco === 'esco1');
    expect(daily!.syncers).toEqual(['SyncerEventLog']);
    expect(await shadow('e2')).toMatchObject({ balance: null, csq: null });
    expect((await shadow('e2'))!.lastEventAt).not.toBeNull();

    // midnight: all three fall due together and run as one sweep
    for (const f of ['hourly', '12hourly', 'daily'] as const) w.node.sweeper.fire(f);
    const midnight = (await w.node.sweeper.sweepDue()).find((x) => x.esco === 'esco1');
    expect(midnight!.frequencies).toEqual(['hourly', '12hourly', 'daily']);
    expect([...midnight!.syncers].sort()).toEqual(['SyncerCSQ', 'SyncerEventLog', 'SyncerPrepayBalance', 'SyncerReads']);
    expect(await shadow('e2')).toMatchObject({ health: 'healthy' });
    expect((await shadow('e2'))!.balance).not.toBeNull();
    expect((await shadow('e2'))!.csq).not.toBeNull();
  });

  it('a meter deactivated mid-sweep is skipped cleanly', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `slow${i}`);
    for (const [i] of ids.entries()) w.sims[0]!.meters.add({ serial: `EMLSLOW${i}` });
    await w.addMeters(ids.map((id, i) => ({ id, serial: `EMLSLOW${i}`, mediatorAddress: mediator, esco: 'esco-slow' })));
    // one meter at a time: the last is deactivated after the sweep listed it and before its turn
    const sweeper = new SyncSweeper({ db: w.db, bus: w.bus, subjects: w.s, logger: silentLogger, meters: w.node.runtime.meters, now: () => w.clock.now }, { windowPerMediator: 1, meterTimeoutMs: 10_000, autorun: false });
    const started = new Promise<void>((resolve) => {
      const sub = w.bus.subscribe(w.s.evtEscoSync('esco-slow'), (m) => {
        if (m.json<EscoSyncEvent>().phase === 'started') { sub.unsubscribe(); resolve(); }
      });
    });
    await w.bus.flush();
    const { done } = sweeper.sweep('esco-slow', { syncers: ['SyncerReads', 'SyncerPrepayBalance', 'SyncerCSQ', 'SyncerVoltage', 'SyncerHardware', 'SyncerTariffsActive'] });
    await started;
    await w.db.sql.run(`update meters set mode = 'passive' where id = 'slow19'`);
    const st = await done;
    expect(st).toMatchObject({ total: 20, done: 20, skipped: 1, healthy: 19, unhealthy: 0 });
    expect(await shadow('slow19')).toBeUndefined();
    expect(w.sims[0]!.meters.callCount(undefined, 'EMLSLOW19')).toBe(0);
  });
});
