import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors';
import { REDACT_PATHS } from '../../core/logger';
import { addDays, dateInZone } from '../../core/time';
import { createSolarAdapter, type PlantRef, type RunningSimulator, type SimPlant, type SimulatorOptions, type SolarAdapter, type SolarBrand } from '../../adapters/solar';
import { rejection } from '../helpers/errors';

/**
 * One conformance suite for every solar adapter, run against that vendor's simulator. A vendor passes
 * when its adapter turns the simulated cloud into the contract's values and its failures into typed errors.
 */
export interface SolarConformanceTarget {
  brand: SolarBrand;
  start: (opts: SimulatorOptions) => Promise<RunningSimulator>;
  credentials: Record<string, string>;
  /** Same account, wrong secret. */
  wrongCredentials: Record<string, string>;
  /** Values that must never reach a log line. */
  secrets: string[];
}

const PLANTS = 12;
const HOUR = 3_600_000;

export function solarConformance(t: SolarConformanceTarget): void {
  describe(`solar adapter conformance: ${t.brand}`, () => {
    const frozenNow = new Date();
    let sim: RunningSimulator;
    let adapter: SolarAdapter;
    const open: SolarAdapter[] = [];
    const make = (credentials = t.credentials, timeoutMs = 2_000) => {
      const a = createSolarAdapter(t.brand, credentials, { baseUrl: sim.baseUrl, timeoutMs });
      open.push(a);
      return a;
    };
    const ref = (p: SimPlant): PlantRef => ({ vendorPlantId: p.id, timezone: p.timezone });
    const online = () => sim.fleet.plants.find((p) => !p.offline && p.index % 3 === 0)!;

    beforeAll(async () => {
      sim = await t.start({ plants: PLANTS, offlineEvery: 7, alarmEvery: 3, now: () => frozenNow });
      adapter = make();
    });
    afterAll(async () => {
      await Promise.all(open.map((a) => a.close()));
      await sim.close();
    });

    it('connects and lists every plant across pages', async () => {
      expect(await adapter.testConnection()).toEqual({ ok: true, plantCount: PLANTS });
      const plants = await adapter.listPlants();
      expect(plants.map((p) => p.vendorPlantId).sort()).toEqual(sim.fleet.plants.map((p) => p.id).sort());
      for (const p of plants) if (p.timezone !== null) expect(p.timezone).toBe(sim.fleet.get(p.vendorPlantId)!.timezone);
    });

    it('reports a plant summary in W, kWh and the plant timezone', async () => {
      const p = online();
      const s = await adapter.getPlantSummary(ref(p));
      const caps = adapter.getCapabilities();
      expect(s.vendorPlantId).toBe(p.id);
      expect(s.timezone).toBe(p.timezone);
      expect(s.todayEnergyKwh).toBeCloseTo(sim.fleet.todayKwh(p), 3);
      if (caps.features.includes('currentPower')) expect(s.currentPowerW).toBe(sim.fleet.currentPowerW(p));
      else expect(s.currentPowerW).toBeNull();
      if (caps.features.includes('totalEnergy')) expect(s.totalEnergyKwh).toBeCloseTo(sim.fleet.totalKwh(p), 1);
      expect(s.lastSeenAt).not.toBeNull();
      expect(Math.abs(s.lastSeenAt!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    });

    it('reports an offline plant as not seen for more than 24 h (or never)', async () => {
      const p = sim.fleet.plants.find((x) => x.offline)!;
      const s = await adapter.getPlantSummary(ref(p));
      if (s.lastSeenAt !== null) expect(Date.now() - s.lastSeenAt.getTime()).toBeGreaterThan(24 * HOUR);
    });

    it('returns alarms raised or cleared since an instant', async () => {
      const p = online();
      const caps = adapter.getCapabilities();
      const recent = await adapter.getAlarmsSince(ref(p), new Date(frozenNow.getTime() - 4 * HOUR));
      expect(recent).toHaveLength(1);
      expect(recent[0]).toMatchObject({ vendorAlarmCode: '1001', deviceSn: p.deviceSn, severity: 'CRITICAL', clearedAt: null });
      expect(recent[0]!.raisedAt.getTime()).toBe(sim.fleet.alarms(p)[0]!.raisedAt.getTime());
      const week = await adapter.getAlarmsSince(ref(p), new Date(frozenNow.getTime() - 7 * 24 * HOUR));
      if (caps.features.includes('alarmClears')) {
        expect(week.map((a) => a.vendorAlarmCode)).toEqual(['2002', '1001']);
        expect(week[0]!.clearedAt?.getTime()).toBe(sim.fleet.alarms(p)[1]!.clearedAt!.getTime());
        expect(week[0]!.severity).toBe('MINOR');
      } else {
        expect(week.map((a) => a.vendorAlarmCode)).toEqual(['1001']);
      }
      expect(await adapter.getAlarmsSince(ref(p), new Date(frozenNow.getTime() - HOUR))).toEqual([]);
      const quiet = sim.fleet.plants.find((x) => x.index % 3 !== 0)!;
      expect(await adapter.getAlarmsSince(ref(quiet), new Date(frozenNow.getTime() - 7 * 24 * HOUR))).toEqual([]);
    });

    it('returns the daily series for a range across month boundaries, in plant-local dates', async () => {
      const p = online();
      const today = dateInZone(sim.fleet.lastSeenAt(p), p.timezone);
      const from = addDays(today, -40);
      const series = await adapter.getDailyEnergySeries(ref(p), { from, to: today });
      expect(series).toHaveLength(41);
      expect(series[0]!.date).toBe(from);
      expect(series.at(-1)!.date).toBe(today);
      for (let i = 0; i < series.length - 1; i++) {
        expect(series[i]!.kwh).toBeCloseTo(sim.fleet.dailyKwh(p, series[i]!.date), 3);
        if (i > 0) expect(series[i]!.date > series[i - 1]!.date).toBe(true);
      }
      expect(await adapter.getDailyEnergySeries(ref(p), { from: addDays(today, 2), to: addDays(today, 5) })).toEqual([]);
      const short = await adapter.getDailyEnergySeries(ref(p), { from: addDays(today, -3), to: today });
      expect(short.map((d) => d.date)).toEqual([addDays(today, -3), addDays(today, -2), addDays(today, -1), today]);
    });

    it('declares its capabilities', () => {
      const c = adapter.getCapabilities();
      expect(c.maxConcurrentRequests).toBeGreaterThanOrEqual(1);
      expect(c.requestsPerMinute).toBeGreaterThanOrEqual(1);
      expect(c.batchSize).toBeGreaterThanOrEqual(1);
      expect(c.batchSize).toBeLessThanOrEqual(100);
      expect(c.features).toContain('dailySeries');
    });

    it('wrong credentials → AUTH_FAILED, from testConnection and from a call', async () => {
      const bad = make(t.wrongCredentials);
      const tested = await bad.testConnection();
      expect(tested.ok).toBe(false);
      if (!tested.ok) expect(tested.error.code).toBe(ErrorCode.AUTH_FAILED);
      expect((await rejection(bad.getPlantSummary(ref(online())))).code).toBe(ErrorCode.AUTH_FAILED);
    });

    it('vendor 5xx → VENDOR_ERROR', async () => {
      await adapter.listPlants();
      sim.inject('http5xx', { times: 1 });
      const e = await rejection(adapter.getPlantSummary(ref(online())));
      expect(e.code).toBe(ErrorCode.VENDOR_ERROR);
      expect(e.details).toMatchObject({ brand: t.brand, httpStatus: 503 });
    });

    it('an HTML page instead of JSON → INVALID_DATA_FORMAT', async () => {
      await adapter.listPlants();
      sim.inject('html', { times: 1 });
      expect((await rejection(adapter.getAlarmsSince(ref(online()), new Date(0)))).code).toBe(ErrorCode.INVALID_DATA_FORMAT);
    });

    it('missing fields → INVALID_DATA_FORMAT', async () => {
      await adapter.listPlants();
      sim.inject('missingFields', { times: 1 });
      expect((await rejection(adapter.getPlantSummary(ref(online())))).code).toBe(ErrorCode.INVALID_DATA_FORMAT);
    });

    it('no answer → NETWORK_TIMEOUT within the configured timeout', async () => {
      const quick = make(t.credentials, 300);
      await quick.listPlants();
      sim.inject('timeout', { times: 1 });
      const started = Date.now();
      expect((await rejection(quick.getPlantSummary(ref(online())))).code).toBe(ErrorCode.NETWORK_TIMEOUT);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('vendor rate limit → RATE_LIMIT_EXCEEDED with retryAfterMs', async () => {
      await adapter.listPlants();
      sim.inject('rateLimit', { times: 1 });
      const e = await rejection(adapter.getDailyEnergySeries(ref(online()), { from: '2026-01-01', to: '2026-01-02' }));
      expect(e.code).toBe(ErrorCode.RATE_LIMIT_EXCEEDED);
      expect(e.retryAfterMs).toBeGreaterThan(0);
    });

    it('the simulator enforces its own rate limit', async () => {
      const limited = await t.start({ plants: 2, rateLimitPerMinute: 2 });
      const a = createSolarAdapter(t.brand, t.credentials, { baseUrl: limited.baseUrl, timeoutMs: 2_000 });
      try {
        await a.listPlants();
        await a.listPlants();
        expect((await rejection(a.listPlants())).code).toBe(ErrorCode.RATE_LIMIT_EXCEEDED);
        expect(limited.counters.rateLimited).toBe(1);
      } finally {
        await a.close();
        await limited.close();
      }
    });

    it('an expired token mid-sweep is renewed transparently', async () => {
      await adapter.listPlants();
      sim.expireTokens();
      const s = await adapter.getPlantSummary(ref(online()));
      expect(s.vendorPlantId).toBe(online().id);
    });

    it('a vendor that is down → NETWORK_TIMEOUT', async () => {
      const gone = await t.start({ plants: 1 });
      const url = gone.baseUrl;
      await gone.close();
      const a = createSolarAdapter(t.brand, t.credentials, { baseUrl: url, timeoutMs: 1_000 });
      try {
        expect((await rejection(a.listPlants())).code).toBe(ErrorCode.NETWORK_TIMEOUT);
      } finally {
        await a.close();
      }
    });

    it('a logged adapter error carries no secret', async () => {
      const lines: string[] = [];
      const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
      const log = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
      const bad = make(t.wrongCredentials);
      log.error({ err: await rejection(bad.listPlants()) }, 'auth failed');
      sim.inject('html', { times: 1 });
      log.error({ err: await rejection(adapter.getPlantSummary(ref(online()))) }, 'bad data');
      const quick = make(t.credentials, 200);
      await quick.listPlants();
      sim.inject('timeout', { times: 1 });
      log.error({ err: await rejection(quick.getPlantSummary(ref(online()))) }, 'timeout');
      const text = lines.join('');
      expect(lines).toHaveLength(3);
      for (const secret of t.secrets) expect(text).not.toContain(secret);
    });
  });
}
