import type { Logger } from '../core/logger';
import type { PlantRuntime } from '../actors/plant';
import { ThreePhaseMeterType, type SimulatedMeterSpec } from '../adapters/emlite';
import { SIMULATOR_CREDENTIALS, SOLAR_BRANDS, startSolarSimulator, type RunningSimulator, type SolarBrand } from '../adapters/solar';
import { demoRepo, plantsRepo, registryRepo, type Database } from '../persistence';

/**
 * The standalone node's first-run fleet: one organization, two grids (a Calin API grid with a DCU and a
 * LoRaWAN grid with two gateways), twelve simulated meters. Runs only when the database has no meters.
 */
export async function seedDemoFleet(db: Database, logger: Logger): Promise<boolean> {
  if ((await demoRepo.meterCount(db.sql)) > 0) return false;
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
  if (!(await demoRepo.demoFleetExists(db.sql))) return;
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
  const counts = await demoRepo.credentialsAndPlants(db.sql, ids);
  if (counts.credentials !== ids.length || counts.plants !== ids.length * DEMO_PLANTS_PER_BRAND) return false;
  await db.tx(async (sql) => {
    for (const brand of SOLAR_BRANDS) await demoRepo.setCredentialBaseUrl(sql, `cred-demo-${brand.toLowerCase()}`, sims[brand].baseUrl);
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
  if (await demoRepo.hasAny(db.sql, 'plant_samples')) return false;
  await db.tx((sql) => demoRepo.writeHistory(sql));
  logger.info('seeded a week of demo history (plant energy and power, meter credit, plant polls)');
  return true;
}

/**
 * After the demo's first Emlite sweep (which creates the registers and their first reads): a week of half-hourly
 * intervals and hourly cumulative reads leading up to them, so the Emlite charts have history at once. Once only.
 */
export async function seedDemoEmliteHistory(db: Database, logger: Logger): Promise<boolean> {
  if (await demoRepo.hasAny(db.sql, 'register_interval_hh')) return false;
  await db.tx((sql) => demoRepo.writeEmliteHistory(sql));
  logger.info('seeded a week of demo Emlite reads and half-hourly intervals');
  return true;
}
