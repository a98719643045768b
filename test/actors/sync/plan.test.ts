import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { planSyncCommit, RUN_FREQUENCIES, SWEEP_SCHEDULES, syncersFor } from '../../../actors/sync';
import type { MeterMetricRow, ShadowRow } from '../../../persistence';

const at = (iso: string) => new Date(iso);
const shadow = (over: Partial<ShadowRow> = {}): ShadowRow => ({
  meterId: 'm1', importA: 1_000, importB: 500, exportA: 10, exportB: 0, readsAt: '2026-01-01T10:10:00.000Z', balance: 5, csq: 12,
  networkOperator: 1, tariffsActive: null, tariffsFuture: null, hardware: '6C', firmware: '3A04', clockDiffSeconds: 3, voltage: 240,
  lastEventAt: null, health: 'healthy', healthDetails: '', updatedAt: '2026-01-01T10:10:00.000Z', syncedAt: '2026-01-01T10:10:00.000Z', ...over,
});
const REGS = { A: 'ra', B: 'rb' };

describe('planSyncCommit', () => {
  it('first sync: every read register gets one row, no intervals, health changes', () => {
    const p = planSyncCommit('m1', null, {}, { importA: 7, exportA: 1, importB: 3, exportB: 0, balance: 2 }, at('2026-01-01T10:00:00Z'));
    expect(p.commit.imports).toEqual([{ element: 'A', read: 7, timestamp: '2026-01-01T10:00:00.000Z' }, { element: 'B', read: 3, timestamp: '2026-01-01T10:00:00.000Z' }]);
    expect(p.commit.exports).toHaveLength(2);
    expect(p.commit.intervals).toEqual([]);
    expect(p.commit.shadow.readsAt).toBe('2026-01-01T10:00:00.000Z');
    expect(p.changed).toEqual(['importA', 'importB', 'exportA', 'exportB', 'balance', 'health']);
  });

  it('unchanged values: no history rows, nothing changed', () => {
    const p = planSyncCommit('m1', shadow(), REGS, { importA: 1_000, importB: 500, exportA: 10, exportB: 0, balance: 5 }, at('2026-01-01T10:10:00Z'));
    expect(p.commit.imports).toEqual([]);
    expect(p.commit.exports).toEqual([]);
    expect(p.changed).toEqual([]);
  });

  it('only the moved register gets a row; intervals cover the pair, never negative', () => {
    const p = planSyncCommit('m1', shadow(), REGS, { importA: 1_300, importB: 500, exportA: 10, exportB: 0 }, at('2026-01-01T11:10:00Z'));
    expect(p.commit.imports).toEqual([{ element: 'A', read: 1_300, timestamp: '2026-01-01T11:10:00.000Z' }]);
    expect(p.commit.exports).toEqual([]);
    const a = p.commit.intervals.filter((i) => i.element === 'A');
    expect(a.map((i) => [i.start, i.importWh, i.flags])).toEqual([
      ['2026-01-01T10:00:00.000Z', 100, []], ['2026-01-01T10:30:00.000Z', 150, []], ['2026-01-01T11:00:00.000Z', 50, []],
    ]);
    expect(p.commit.intervals.every((i) => i.importWh >= 0 && i.exportWh >= 0)).toBe(true);
  });

  it('reversal and reset are flagged, with no consumption', () => {
    const rev = planSyncCommit('m1', shadow(), REGS, { importA: 990, exportA: 10 }, at('2026-01-01T10:20:00Z'));
    expect(rev.commit.intervals.filter((i) => i.element === 'A')).toEqual([{ element: 'A', start: '2026-01-01T10:00:00.000Z', importWh: 0, exportWh: 0, flags: ['REVERSAL'] }]);
    const reset = planSyncCommit('m1', shadow(), REGS, { importA: 4, exportA: 0 }, at('2026-01-01T10:40:00Z'));
    // import and export both dropped to ~0: one half-hour, flagged once
    expect(reset.commit.intervals.filter((i) => i.element === 'A').map((i) => [i.start, i.flags])).toEqual([['2026-01-01T10:30:00.000Z', ['RESET']]]);
    expect(reset.commit.imports).toEqual([{ element: 'A', read: 4, timestamp: '2026-01-01T10:40:00.000Z' }]);
  });

  it('tariffs compare by content, not key order (jsonb reorders keys)', () => {
    const prev = shadow({ tariffsActive: { unitRateElementB: 0.2, standingCharge: 0.4 } });
    expect(planSyncCommit('m1', prev, REGS, { tariffsActive: { standingCharge: 0.4, unitRateElementB: 0.2 } as never }, at('2026-01-01T11:00:00Z')).changed).toEqual([]);
  });

  it('events: only the newer ones are stored and lastEventAt advances', () => {
    const p = planSyncCommit('m1', shadow({ lastEventAt: '2026-01-01T09:00:00.000Z' }), REGS, {
      eventLog: [{ timestamp: at('2026-01-01T09:30:00Z'), eventId: 48, eventSet: 0 }, { timestamp: at('2026-01-01T09:10:00Z'), eventId: 2, eventSet: 1 }],
    }, at('2026-01-01T11:00:00Z'));
    expect(p.commit.events).toHaveLength(2);
    expect(p.commit.shadow.lastEventAt).toBe('2026-01-01T09:30:00.000Z');
    expect(p.changed).toEqual(['lastEventAt']);
  });
});

describe('schedules', () => {
  const metrics: MeterMetricRow[] = [
    { name: 'SyncerReads', enabled: true, runFrequency: 'hourly' },
    { name: 'SyncerPrepayBalance', enabled: false, runFrequency: 'hourly' },
    { name: 'SyncerCSQ', enabled: true, runFrequency: '12hourly' },
    { name: 'SyncerEventLog', enabled: true, runFrequency: 'daily' },
  ];
  it('selects the enabled syncers of the frequencies due', () => {
    expect(syncersFor(metrics, ['hourly'])).toEqual(['SyncerReads']);
    expect(syncersFor(metrics, ['daily'])).toEqual(['SyncerEventLog']);
    expect(syncersFor(metrics, RUN_FREQUENCIES)).toEqual(['SyncerReads', 'SyncerCSQ', 'SyncerEventLog']);
  });
  it('cron patterns fire hourly, every 12 hours and at midnight UTC', () => {
    const from = new Date('2026-01-01T05:30:00Z');
    const next = (p: string) => new Cron(p, { timezone: 'UTC', paused: true }).nextRuns(2, from).map((d) => d.toISOString());
    expect(next(SWEEP_SCHEDULES.hourly)).toEqual(['2026-01-01T06:00:00.000Z', '2026-01-01T07:00:00.000Z']);
    expect(next(SWEEP_SCHEDULES['12hourly'])).toEqual(['2026-01-01T12:00:00.000Z', '2026-01-02T00:00:00.000Z']);
    expect(next(SWEEP_SCHEDULES.daily)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
  });
});
