import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CredentialCipher, HUAWEI_QUOTAS, LimiterRegistry, SIMULATOR_CREDENTIALS, quotaMax, startHuaweiSimulator, type PlantRef, type RunningHuaweiSimulator, type SimPlant,
} from '../../../adapters/solar';
import { addDays, dateInZone } from '../../../core/time';
import { VendorGates } from '../../../actors/plant';
import type { CredentialRow } from '../../../persistence';

/**
 * Issue 14, item 4: 1,000 plants on one FusionSolar credential, polled every 10 minutes for 24 simulated
 * hours through the plant gate, against a simulator that counts every interface against its documented
 * per-account quota (reference V6) on the same simulated clock and answers 407 past it. Nothing waits in
 * real time: the clock moves by the poll interval, and by whatever the limiter decides to wait.
 */
const PLANTS = 1_000;
const POLL_MS = 10 * 60_000;
const STEPS = (24 * 3_600_000) / POLL_MS;
const START = Date.parse('2026-06-15T00:00:00Z');

let t = START;
let slept = 0;
const now = () => t;
let sim: RunningHuaweiSimulator;
let gates: VendorGates;

beforeAll(async () => {
  sim = await startHuaweiSimulator({ plants: PLANTS, enforceQuotas: true, rateClock: now, now: () => new Date(t), offlineEvery: 7, alarmEvery: 3 });
  const cipher = new CredentialCipher(randomBytes(32));
  const row: CredentialRow = {
    id: 'cred-fs', organizationId: 'org', brand: 'HUAWEI', encryptedCredentials: cipher.encrypt('HUAWEI', SIMULATOR_CREDENTIALS.HUAWEI),
    baseUrl: sim.baseUrl, lastTestedAt: null, rowVersion: 1, updatedAt: new Date(START).toISOString(),
  };
  // a wait the limiter decides moves the simulated clock (counted, so the test can say how long it waited)
  const limiters = new LimiterRegistry({ now, sleep: async (ms) => { slept += ms; t += ms; } });
  gates = new VendorGates({ cipher, limiters, now: () => new Date(t), timeoutMs: 30_000 });
  gateLoad = async () => row;
}, 120_000);
afterAll(async () => {
  await gates?.closeAll();
  await sim?.close();
});

let gateLoad: () => Promise<CredentialRow | undefined>;
const ref = (p: SimPlant): PlantRef => ({ vendorPlantId: p.id, timezone: p.timezone });
const HOUR = 3_600_000;

describe('quota-aware vendor gate: FusionSolar', () => {
  it('1,000 plants on one credential over 24 simulated hours stay inside every quota, and every status and energy is at most one poll interval old', async () => {
    let staleEnergy = 0;
    let staleAlarms = 0;
    let clearedReportedOpen = 0;
    let polled = 0;
    for (let step = 0; step < STEPS; step++) {
      const at = t;
      const gate = await gates.forCredential(gateLoad, 'cred-fs', 1);
      await Promise.all(sim.fleet.plants.map(async (p) => {
        const s = await gate.summary(ref(p));
        // energy: what the vendor had at some moment of the last poll interval
        const lo = sim.fleet.todayKwh(p, new Date(at - POLL_MS)), hi = sim.fleet.todayKwh(p, new Date(t));
        // (the fleet's "today" is the day of the plant's last report, which for a silent plant lags 30 h)
        const dayOf = (ms: number) => dateInZone(sim.fleet.lastSeenAt(p, new Date(ms)), p.timezone);
        const sameDay = dayOf(at - POLL_MS) === dayOf(t);
        if (sameDay && (s.todayEnergyKwh < lo - 1e-9 || s.todayEnergyKwh > hi + 1e-9)) staleEnergy++;
        // status: a connected plant is seen within the interval, a disconnected one is not seen at all
        if (p.offline ? s.lastSeenAt !== null : (s.lastSeenAt === null || at - s.lastSeenAt.getTime() > POLL_MS)) staleEnergy++;
        const alarms = await gate.alarms(ref(p), new Date(at - 24 * HOUR));
        if (alarms.some((a) => a.vendorAlarmCode === '2002')) clearedReportedOpen++;
        if (p.index % 3 === 0) {
          // the open alarm is re-raised every hour by the fleet: the list is at most one alarm window (30 min + margin) old
          const open = alarms.find((a) => a.vendorAlarmCode === '1001');
          if (!open || open.raisedAt.getTime() < Math.floor((at - 31 * 60_000) / HOUR) * HOUR - 3 * HOUR) staleAlarms++;
        }
        if (step === 0) {
          const today = dateInZone(new Date(at), p.timezone);
          const days = await gate.series(ref(p), { from: addDays(today, -3), to: addDays(today, -1) });
          // a plant silent for 30 h has no yesterday: exactly the days the vendor has
          expect(days.map((d) => d.date)).toEqual(sim.fleet.series(p, addDays(today, -3), addDays(today, -1), new Date(at)).map((d) => d.date));
        }
        polled++;
      }));
      t = Math.max(t, at + POLL_MS);
    }

    expect(polled).toBe(PLANTS * STEPS);
    expect(staleEnergy).toBe(0);
    expect(staleAlarms).toBe(0);
    expect(clearedReportedOpen).toBe(0);
    // the vendor refused nothing, and no interface ever had more calls in one of its windows than its quota
    expect(sim.quota.refused).toEqual({});
    expect(sim.counters.rateLimited).toBe(0);
    for (const q of HUAWEI_QUOTAS) {
      const seen = sim.quota.maxInWindow[q.operation] ?? 0;
      expect(seen, q.operation).toBeLessThanOrEqual(quotaMax(q, PLANTS));
    }
    // one real-KPI call per 100 plants per poll, not one per plant
    expect(sim.quota.calls['station real KPI']).toBeLessThanOrEqual(STEPS * (PLANTS / 100));
    expect(sim.quota.calls['alarm list']).toBeLessThanOrEqual((STEPS / 3 + 1) * (PLANTS / 100));
    // planned inside the quotas: the limiter never had to hold a request back (the XSRF token is renewed
    // before it expires, so no call meets a 305 and is sent twice)
    expect(slept).toBe(0);
    expect(sim.quota.calls['login']).toBeLessThanOrEqual(24 * 60 / 25 + 1);
  }, 1_800_000);
});
