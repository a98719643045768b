import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SweepStatus } from '../../../actors/sync';
import { createSyncWorld, type SyncWorld } from './world';

const METERS = 1_000;
const PER_MEDIATOR = METERS / 2;
let w: SyncWorld;
const failing = new Set<string>();

beforeAll(async () => {
  const serial = (m: number, i: number) => `EML${m}${String(i).padStart(6, '0')}`;
  w = await createSyncWorld({
    mediators: [0, 1].map((m) => Array.from({ length: PER_MEDIATOR }, (_, i) => ({ serial: serial(m, i) }))),
    latencyMs: 2,
    perMediatorConcurrency: 50,
  });
  const meters = w.sims.flatMap((sim, m) => Array.from({ length: PER_MEDIATOR }, (_, i) => ({ id: `m${m}-${i}`, serial: serial(m, i), mediatorAddress: sim.address })));
  // every tenth meter has a dead 4G link: 100 of 1,000
  for (const [k, meter] of meters.entries()) {
    if (k % 10 === 3) {
      failing.add(meter.id);
      w.sims[Number(meter.id[1])]!.meters.setLinkDown(meter.serial, true);
    }
  }
  await w.addMeters(meters);
}, 300_000);
afterAll(async () => w?.stop());

// A safety net, not a budget: under CI load a first sweep takes four exchanges per meter (its hardware, read once
// to pick the syncers of its kind, then A, B and balance).
it('a sweep over 1,000 meters with 10 % link failures marks exactly those unhealthy and the rest healthy', async () => {
  const st = await w.call<SweepStatus>(w.s.escoSync('esco1'), { syncers: ['SyncerReads', 'SyncerPrepayBalance'] }, 300_000);
  expect(st).toMatchObject({ total: 1_000, done: 1_000, healthy: 900, unhealthy: 100, skipped: 0, state: 'finished' });

  const rows = await w.db.sql.all<{ meter_id: string; health: string; health_details: string; import_a: string | null }>(`select meter_id, health, health_details, import_a from meter_shadows`);
  expect(rows).toHaveLength(1_000);
  const unhealthy = rows.filter((r) => r.health === 'unhealthy');
  expect(new Set(unhealthy.map((r) => r.meter_id))).toEqual(failing);
  expect(unhealthy.every((r) => /^UNAVAILABLE: .*failed to connect after retries/.test(r.health_details) && r.import_a === null)).toBe(true);
  expect(rows.filter((r) => r.health === 'healthy').every((r) => r.health_details === '' && r.import_a !== null)).toBe(true);

  // 4 registers of each healthy meter read for the first time: 2 import + 2 export rows each, nothing for the failed ones
  const history = await w.db.sql.one<{ i: string; e: string }>(`select (select count(*) from register_import) as i, (select count(*) from register_export) as e`);
  expect(history).toEqual({ i: '1800', e: '1800' });
  // the pool bounded each mediator: 50 calls at once at most, over two mediators
  expect(w.sims.every((sim) => sim.meters.maxActive <= 50)).toBe(true);
}, 300_000);
