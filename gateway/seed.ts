import type { Logger } from '../core/logger';
import type { PlantRuntime } from '../actors/plant';
import { ThreePhaseMeterType, type SimulatedMeterSpec } from '../adapters/emlite';
import { SIMULATOR_CREDENTIALS, SOLAR_BRANDS, startSolarSimulator, type RunningSimulator, type SolarBrand } from '../adapters/solar';
import { plantsRepo, registryRepo, type Database } from '../persistence';

/**
 * The standalone node's first-run fleet: one organization, two grids (a Calin API grid with a DCU and a
 * LoRaWAN grid with two gateways), twelve simulated meters. Runs only when the database has no meters.
 */
export async function seedDemoFleet(db: Database, logger: Logger): Promise<boolean> {
  const existing = await db.sql.one<{ n: string }>(`select count(*) as n from meters`);
  if (Number(existing?.n ?? 0) > 0) return false;
  const now = new Date().toISOString();
  await db.tx(async (sql) => {
    await registryRepo.upsertOrganization(sql, { id: 'demo-esco', name: 'Demo ESCO' });
    await registryRepo.upsertGrid(sql, { id: 'grid-north', organizationId: 'demo-esco', name: 'North minigrid', timezone: 'Africa/Lagos' });
    await registryRepo.upsertGrid(sql, { id: 'grid-lake', organizationId: 'demo-esco', name: 'Lake minigrid (LoRaWAN)', timezone: 'Africa/Lagos' });
    await registryRepo.upsertDcu(sql, { id: 'dcu-north-1', gridId: 'grid-north', externalReference: 'DCU-0001' });
    await registryRepo.upsertDcu(sql, { id: 'gw-lake-1', gridId: 'grid-lake', externalReference: 'a84041000001', kind: 'LORAWAN_GATEWAY' });
    await registryRepo.upsertDcu(sql, { id: 'gw-lake-2', gridId: 'grid-lake', externalReference: 'a84041000002', kind: 'LORAWAN_GATEWAY' });
    for (let i = 1; i <= 6; i++) {
      await registryRepo.upsertMeter(sql, { id: `mtr-n${i}`, serial: `4700000${i}`, protocol: 'CALIN_V2', gridId: 'grid-north', dcuId: 'dcu-north-1', tariffPerKwh: 250, powerLimitShouldBe: 2000, lastSeenAt: now });
      await registryRepo.upsertMeter(sql, { id: `mtr-l${i}`, serial: `5800000${i}`, externalReference: `70b3d5000000000${i}`, protocol: 'CALIN_LORAWAN', gridId: 'grid-lake', dcuId: 'gw-lake-1', tariffPerKwh: 250, lastSeenAt: now });
    }
  });
  logger.info('seeded the demo fleet: 1 organization, 2 grids, 3 gateways, 12 simulated meters');
  return true;
}

/**
 * The standalone mediator simulator's meters: four EMLITE meters of the demo ESCO, three single-phase
 * prepayment meters and one three-phase CT-operated meter (blank hardware string, three-phase objects).
 */
export const DEMO_EMLITE_METERS: SimulatedMeterSpec[] = Array.from({ length: 4 }, (_, i) => ({
  serial: `EMLDEMO0000${i + 1}`, esco: 'demo-esco', ...(i === 3 ? { hardware: '', threePhaseMeterType: ThreePhaseMeterType.cxCtOperated } : {}),
}));

/**
 * Points the demo EMLITE meters at this run's mediator simulator (its port changes every start). Adds
 * them with the demo fleet, or refreshes their address when they exist; leaves any other fleet alone.
 */
export async function seedDemoEmliteMeters(db: Database, logger: Logger, mediatorAddress: string): Promise<void> {
  const demo = await db.sql.one<{ n: string }>(`select count(*) as n from meters where id like 'mtr-e%' or id = 'mtr-n1'`);
  if (Number(demo?.n ?? 0) === 0) return;
  await db.tx(async (sql) => {
    for (const [i, m] of DEMO_EMLITE_METERS.entries()) {
      await registryRepo.upsertMeter(sql, { id: `mtr-e${i + 1}`, serial: m.serial, protocol: 'EMLITE', esco: m.esco, mediatorAddress, mode: 'active' });
    }
  });
  logger.info({ mediatorAddress, meters: DEMO_EMLITE_METERS.length }, 'demo EMLITE meters use the simulated mediator');
}

/** Standalone solar demo (seed 002): one simulated vendor cloud per brand, six plants each. */
export const DEMO_PLANTS_PER_BRAND = 6;

export async function startDemoSolarSimulators(): Promise<Record<SolarBrand, RunningSimulator>> {
  const entries = await Promise.all(SOLAR_BRANDS.map(async (b) => [b, await startSolarSimulator(b, { plants: DEMO_PLANTS_PER_BRAND, offlineEvery: 5, alarmEvery: 3 })] as const));
  return Object.fromEntries(entries) as Record<SolarBrand, RunningSimulator>;
}

/**
 * A warm start's shortcut: when every demo credential and plant is already registered, only the simulators' ports
 * changed, so each demo credential's base URL is re-pointed in one transaction (no vendor login test, no plant
 * upserts). Runs before the plant runtime starts, so its start-up sweep already polls this run's simulators.
 * Returns false when the demo plants are not all there (the first start registers them with `seedDemoPlants`).
 */
export async function repointDemoPlants(db: Database, logger: Logger, sims: Record<SolarBrand, RunningSimulator>): Promise<boolean> {
  const ids = SOLAR_BRANDS.map((b) => `cred-demo-${b.toLowerCase()}`);
  const list = ids.map(() => '?').join(',');
  const counts = await db.sql.one<{ credentials: string; plants: string }>(
    `select (select count(*) from integration_credentials where id in (${list})) as credentials,
            (select count(*) from plants where credential_id in (${list})) as plants`, [...ids, ...ids]);
  if (Number(counts?.credentials) !== ids.length || Number(counts?.plants) !== ids.length * DEMO_PLANTS_PER_BRAND) return false;
  await db.tx(async (sql) => {
    for (const brand of SOLAR_BRANDS) {
      await sql.run(`update integration_credentials set base_url = ?, updated_at = now() where id = ?`, [sims[brand].baseUrl, `cred-demo-${brand.toLowerCase()}`]);
    }
  });
  logger.info({ brands: SOLAR_BRANDS.length, plantsPerBrand: DEMO_PLANTS_PER_BRAND }, 'demo solar plants re-pointed at this run\'s simulated vendor clouds');
  return true;
}

/**
 * Registers the simulated plants of all four brands for the demo ESCO: one credential per brand (tested
 * and stored encrypted like any other), re-pointed at this run's simulator ports on every start.
 */
export async function seedDemoPlants(db: Database, logger: Logger, plants: PlantRuntime, sims: Record<SolarBrand, RunningSimulator>): Promise<void> {
  if (!(await plantsRepo.organizationExists(db.sql, 'demo-esco'))) await registryRepo.upsertOrganization(db.sql, { id: 'demo-esco', name: 'Demo ESCO' });
  for (const brand of SOLAR_BRANDS) {
    const sim = sims[brand];
    const credentialId = `cred-demo-${brand.toLowerCase()}`;
    await plants.upsertCredential({ id: credentialId, organizationId: 'demo-esco', brand, credentials: { ...SIMULATOR_CREDENTIALS[brand] }, baseUrl: sim.baseUrl });
    for (const p of sim.fleet.plants) {
      await plants.upsertPlant({
        id: `plant-${brand.toLowerCase()}-${p.index}`, organizationId: 'demo-esco', credentialId, vendorPlantId: p.id,
        name: `${brand} ${p.name}`, timezone: p.timezone, capacityKwp: p.capacityKwp,
      });
    }
  }
  logger.info({ brands: SOLAR_BRANDS.length, plantsPerBrand: DEMO_PLANTS_PER_BRAND }, 'demo solar plants use the simulated vendor clouds');
}

/**
 * A week of history for the standalone demo, written once (when no plant sample exists yet): daily energy and
 * half-hourly power of every plant along a clear-sky curve, hourly credit of the simulated meters (spent down and
 * topped up), and a day of plant polls. Everything after this comes from the running node itself.
 */
export async function seedDemoHistory(db: Database, logger: Logger): Promise<boolean> {
  const any = await db.sql.one<{ n: string }>(`select count(*) as n from plant_samples`);
  if (Number(any?.n ?? 0) > 0) return false;
  await db.tx(async (sql) => {
    // Deterministic variety from the plant id and the day: a cloudy day now and then, never random between runs.
    await sql.run(`
      insert into metric_snapshots(plant_id, date, today_energy_kwh, current_power_w, source)
      select p.id, d::date, round((coalesce(p.capacity_kwp, 10) * (2.8 + 2.2 * abs(sin(hashtext(p.id || d::text)))))::numeric, 3), null, 'BACKFILL'
        from plants p, generate_series(current_date - 7, current_date - 1, interval '1 day') d
      on conflict (plant_id, date) do nothing`);
    await sql.run(`
      insert into plant_samples(plant_id, at, power_w, today_energy_kwh)
      select p.id, t, round((greatest(0, sin(pi() * (extract(hour from t) + extract(minute from t) / 60 - 6) / 12))
                             * coalesce(p.capacity_kwp, 10) * 800 * (0.7 + 0.3 * abs(sin(hashtext(p.id || t::date::text)))))::numeric, 1), null
        from plants p, generate_series(date_trunc('hour', now()) - interval '7 days', now() - interval '30 minutes', interval '30 minutes') t`);
    await sql.run(`
      insert into meter_samples(meter_id, at, kwh_credit, is_on, power_limit)
      select m.id, t, round((40 - mod(extract(epoch from t - (now() - interval '7 days'))::numeric / 3600 * (0.2 + mod(abs(hashtext(m.id)), 5) * 0.05), 35))::numeric, 3), true, m.power_limit
        from meters m, generate_series(date_trunc('hour', now()) - interval '7 days', now() - interval '1 hour', interval '1 hour') t
       where m.communication_protocol <> 'EMLITE'`);
    await sql.run(`
      insert into poll_logs(id, plant_id, trigger, started_at, finished_at, duration_ms, status, vendor_calls)
      select 'demo-' || p.id || '-' || extract(epoch from t)::bigint, p.id, 'SCHEDULE', t, t + (d || ' milliseconds')::interval, d,
             case when mod(abs(hashtext(p.id || t::text)), 40) = 0 then 'FAILED' else 'SUCCESS' end, 2
        from plants p, generate_series(date_trunc('hour', now()) - interval '24 hours', now() - interval '10 minutes', interval '10 minutes') t,
             lateral (select 150 + mod(abs(hashtext(p.id || t::text)), 900) as d) x`);
  });
  logger.info('seeded a week of demo history (plant energy and power, meter credit, plant polls)');
  return true;
}

/**
 * After the demo's first Emlite sweep (which creates the registers and their first reads): a week of half-hourly
 * intervals and hourly cumulative reads leading up to them, so the Emlite charts have history at once. Once only.
 */
export async function seedDemoEmliteHistory(db: Database, logger: Logger): Promise<boolean> {
  const any = await db.sql.one<{ n: string }>(`select count(*) as n from register_interval_hh`);
  if (Number(any?.n ?? 0) > 0) return false;
  await db.tx(async (sql) => {
    // Household-like load: 150–450 Wh per half hour, more in the evening, from each register's current read backwards.
    await sql.run(`
      insert into register_interval_hh(register_id, timestamp, import_interval, export_interval, flags)
      select r.register_id, t, (150 + 300 * greatest(0, sin(pi() * (extract(hour from t) - 12) / 12)) + mod(abs(hashtext(r.register_id::text || t::text)), 60))::bigint, 0, '{}'
        from meter_registers r, generate_series(date_trunc('hour', now()) - interval '7 days', date_trunc('hour', now()) - interval '30 minutes', interval '30 minutes') t
       where r.element = 'A'
      on conflict do nothing`);
    await sql.run(`
      insert into register_import(register_id, read, timestamp)
      select h.register_id, s.import_a - sum(h.import_interval) over (partition by h.register_id order by h.timestamp desc), h.timestamp
        from register_interval_hh h join meter_registers r on r.register_id = h.register_id join meter_shadows s on s.meter_id = r.meter_id
       where s.import_a is not null and extract(minute from h.timestamp) = 0
      on conflict do nothing`);
  });
  logger.info('seeded a week of demo Emlite reads and half-hourly intervals');
  return true;
}
