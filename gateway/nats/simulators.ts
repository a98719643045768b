import { z } from 'zod';
import type { BusMsg } from '../../adapters/bus';
import type { SimulatedFleetDriver } from '../../adapters/meters/simulated';
import type { RunningSimulator } from '../../adapters/solar/simulator/server';
import { normalizeBrand, type SolarBrand } from '../../adapters/solar/types';
import type { CommunicationProtocol } from '../../core/domain';
import { ErrorCode, GridtwinError } from '../../core/errors';
import type { MeterSimAction, PlantSimAction } from '../../core/simulatorControls';
import type { Subjects } from '../../core/subjects';
import { plantsRepo, registryRepo, type Database } from '../../persistence';
import { parseBody, routedBy, validate } from './endpoint';
import { inSubject, type Access, type DeclaredEndpoint } from './access';

/** What the node runs when simulators are on: the in-process meter fleet (and the protocols it serves), the solar clouds. */
export interface SimulatorHandles {
  fleet: SimulatedFleetDriver | null;
  fleetProtocols: readonly CommunicationProtocol[];
  solar: Record<SolarBrand, RunningSimulator> | null;
}

const times = z.object({ times: z.number().int().min(1).max(1000).default(1) }).strict();
const toggle = z.object({ on: z.boolean().default(true) }).strict();
const empty = z.object({}).strict();

/** Request bodies of the simulator controls, by action (the HTTP routes and the OpenAPI document use the same). */
export const METER_SIM_SCHEMAS = {
  'fail-next': times,
  refuse: toggle,
  unreachable: toggle,
  'drop-ack': times,
  latency: z.object({ ms: z.number().int().min(0).max(120_000).nullable() }).strict(),
  'failure-rate': z.object({ rate: z.number().min(0).max(1).nullable() }).strict(),
  'set-credit': z.object({ kwh: z.number().min(0).max(1_000_000) }).strict(),
  'flip-relay': empty,
  report: empty,
  clear: empty,
} satisfies Record<MeterSimAction, z.ZodObject>;

export const PLANT_SIM_SCHEMAS = {
  silent: toggle,
  'alarm-raise': z.object({
    code: z.string().min(1).max(32), severity: z.enum(['CRITICAL', 'MAJOR', 'MINOR', 'INFO']).default('MAJOR'), message: z.string().min(1).max(200),
  }).strict(),
  'alarm-clear': z.object({ alarmId: z.string().min(1).max(160) }).strict(),
} satisfies Record<PlantSimAction, z.ZodObject>;

/** One line per meter control: what it does to the simulated meter (docs and OpenAPI summaries). */
export const METER_SIM_SUMMARIES: Record<MeterSimAction, string> = {
  'fail-next': 'The next `times` commands time out without being applied',
  refuse: 'Every command is refused (DEVICE_REJECTED) while on',
  unreachable: 'Every command times out without being applied while on',
  'drop-ack': 'The next `times` commands are applied but their answers are lost (TIMEOUT, a "ghost success")',
  latency: "This meter's answer latency in ms (null: the fleet's, GRIDTWIN_SIM_LATENCY_MS)",
  'failure-rate': "This meter's random timeout rate in [0, 1] (null: the fleet's, GRIDTWIN_SIM_FAILURE_RATE)",
  'set-credit': "The meter's credit becomes `kwh`, as if changed outside gridtwin",
  'flip-relay': 'The relay changes state by itself (drift the twin corrects)',
  report: 'The meter sends an unsolicited READ_REPORT of its state',
  clear: 'Clears every fault and override of this meter',
};

export const PLANT_SIM_SUMMARIES: Record<PlantSimAction, string> = {
  silent: 'The plant stops reporting to its vendor cloud while on',
  'alarm-raise': "An open alarm on the plant's inverter in its vendor cloud",
  'alarm-clear': 'Clears an alarm raised with alarm-raise',
};

type EndpointOf = (name: string, subject: string, access: Access, f: (m: BusMsg) => Promise<unknown>, deviceOf?: (m: BusMsg) => Promise<string | null>) => DeclaredEndpoint;

const off = (what: string) => new GridtwinError(ErrorCode.UNAVAILABLE, `${what} are off (standalone, or GRIDTWIN_SIMULATORS=true, turns them on)`);

/**
 * The simulator controls as NATS endpoints. Always served, so a node with simulators off answers UNAVAILABLE
 * rather than "no responders"; an unknown meter or plant is NOT_FOUND; one not on a bundled simulator UNAVAILABLE.
 */
export function simulatorEndpoints(o: { endpoint: EndpointOf; subjects: Subjects; db: Database; simulators: SimulatorHandles | null }): DeclaredEndpoint[] {
  const { endpoint, subjects: s, db, simulators } = o;

  const simulatedMeter = async (meterId: string) => {
    const ctx = await registryRepo.loadMeterContext(db.sql, meterId);
    if (!ctx) throw new GridtwinError(ErrorCode.NOT_FOUND, `meter ${meterId} not found`);
    const fleet = simulators?.fleet;
    if (!fleet) throw off('meter simulators');
    if (!simulators.fleetProtocols.includes(ctx.meter.protocol)) {
      throw new GridtwinError(ErrorCode.UNAVAILABLE, `meter ${meterId} (${ctx.meter.protocol}) is not served by the simulated fleet`, {
        details: { protocol: ctx.meter.protocol, simulatedProtocols: simulators.fleetProtocols },
      });
    }
    // Its simulated twin carries the registered serial, so its reports name the meter.
    fleet.addMeter(meterId, ctx.meter.serial);
    return fleet;
  };
  const meterState = (fleet: SimulatedFleetDriver, meterId: string) => {
    const m = fleet.getMeter(meterId)!;
    return { meterId, faults: fleet.faults(meterId), meter: { serial: m.serial, kwhCredit: m.kwhCredit, isOn: m.isOn, powerLimitW: m.powerLimitW } };
  };
  const meterControl = <A extends MeterSimAction>(action: A, apply: (fleet: SimulatedFleetDriver, meterId: string, body: z.infer<(typeof METER_SIM_SCHEMAS)[A]>) => unknown) =>
    // A control changes the simulated meter as a command would change a real one: an operator of its organization.
    endpoint(`sim-meter-${action}`, s.simMeters[action].pattern, { role: 'operator', touches: [inSubject('meter', s.simMeters[action], 'meterId')] }, async (m) => {
      const { meterId } = s.simMeters[action].ids(m.subject);
      const body = validate(METER_SIM_SCHEMAS[action] as unknown as z.ZodType<z.infer<(typeof METER_SIM_SCHEMAS)[A]>>, parseBody(m));
      const fleet = await simulatedMeter(meterId);
      const extra = apply(fleet, meterId, body);
      return { ...meterState(fleet, meterId), ...(extra && typeof extra === 'object' ? extra : {}) };
    }, async (m) => routedBy(s.simMeters[action], 'meterId')(m));

  const simulatedPlant = async (plantId: string) => {
    const plant = await plantsRepo.get(db.sql, plantId);
    if (!plant) throw new GridtwinError(ErrorCode.NOT_FOUND, `plant ${plantId} not found`);
    if (!simulators?.solar) throw off('solar simulators');
    const sim = simulators.solar[normalizeBrand(plant.brand)];
    if (!sim?.fleet.get(plant.vendorPlantId)) {
      throw new GridtwinError(ErrorCode.UNAVAILABLE, `plant ${plantId} is not on a bundled ${plant.brand} simulator`, { details: { brand: plant.brand, vendorPlantId: plant.vendorPlantId } });
    }
    return { fleet: sim.fleet, vendorPlantId: plant.vendorPlantId };
  };
  const plantControl = <A extends PlantSimAction>(action: A, apply: (sim: Awaited<ReturnType<typeof simulatedPlant>>, body: z.infer<(typeof PLANT_SIM_SCHEMAS)[A]>) => unknown) =>
    endpoint(`sim-plant-${action}`, s.simPlants[action].pattern, { role: 'operator', touches: [inSubject('plant', s.simPlants[action], 'plantId')] }, async (m) => {
      const { plantId } = s.simPlants[action].ids(m.subject);
      const body = validate(PLANT_SIM_SCHEMAS[action] as unknown as z.ZodType<z.infer<(typeof PLANT_SIM_SCHEMAS)[A]>>, parseBody(m));
      const sim = await simulatedPlant(plantId);
      const extra = apply(sim, body);
      return { plantId, vendorPlantId: sim.vendorPlantId, silent: sim.fleet.isSilent(sim.vendorPlantId), ...(extra && typeof extra === 'object' ? extra : {}) };
    });

  return [
    meterControl('fail-next', (f, id, b) => f.failNext(id, b.times)),
    meterControl('refuse', (f, id, b) => f.refuse(id, b.on)),
    meterControl('unreachable', (f, id, b) => f.unreachable(id, b.on)),
    meterControl('drop-ack', (f, id, b) => f.dropAckOnce(id, b.times)),
    meterControl('latency', (f, id, b) => f.setLatency(id, b.ms)),
    meterControl('failure-rate', (f, id, b) => f.setFailureRate(id, b.rate)),
    meterControl('set-credit', (f, id, b) => f.setCredit(id, b.kwh)),
    meterControl('flip-relay', (f, id) => f.flipRelay(id)),
    meterControl('report', (f, id) => ({ report: f.emitReport(id) })),
    meterControl('clear', (f, id) => f.clearFaults(id)),
    plantControl('silent', (sim, b) => sim.fleet.setSilent(sim.vendorPlantId, b.on)),
    plantControl('alarm-raise', (sim, b) => ({ alarm: sim.fleet.raiseAlarm(sim.vendorPlantId, b) })),
    plantControl('alarm-clear', (sim, b) => {
      const alarm = sim.fleet.clearAlarm(sim.vendorPlantId, b.alarmId);
      if (!alarm) throw new GridtwinError(ErrorCode.NOT_FOUND, `alarm ${b.alarmId} was not raised on this plant`);
      return { alarm };
    }),
  ];
}
