import { EMLITE_SUPPORTED_TYPES, EmliteMeterDriver, MediatorPool, startMediatorSimulator } from '../../adapters/emlite';
import type { DriverMeterRef, TokenService } from '../../adapters/meters/types';
import { ErrorCode } from '../../core/errors';
import { meterDriverConformance, type MeterDriverWorld } from './meterDriverSuite';

/** What the simulator credits per token (GBP); the world's tokens are unique, so each credits once. */
const TOKEN_CREDIT_GBP = 5;
/** The meters answer firmware "3037"; the driver reads it as the origin formats it. */
const FIRMWARE = '3037';
const FIRMWARE_READ = '3_03_7';
const VOLTS = 239;

/** Emlite STS tokens are 20 digits, bought outside gridtwin; the world issues a unique one per key. */
function emliteTokens(): TokenService {
  const issued = new Map<string, string>();
  return {
    async generate({ idempotencyKey }) {
      const token = issued.get(idempotencyKey) ?? `${String(issued.size + 1).padStart(6, '0')}${'0'.repeat(14)}`;
      issued.set(idempotencyKey, token);
      return { token };
    },
  };
}

async function emliteWorld(): Promise<MeterDriverWorld> {
  const sim = await startMediatorSimulator({ meters: [], tokenCreditGbp: TOKEN_CREDIT_GBP });
  const driver = new EmliteMeterDriver(new MediatorPool({ deadlineMs: 8_000 }));
  /** Emlite has no power limit: the world echoes the start value so "nothing changed" stays checkable. */
  const powerLimits = new Map<string, number>();
  return {
    driver,
    tokens: emliteTokens(),
    async meter(n, start) {
      const ref: DriverMeterRef = { id: `eml-${n}`, serial: `EMLCONF${String(n).padStart(5, '0')}`, protocol: 'EMLITE', mediatorAddress: sim.address };
      // single-phase ("6Cw"), clock true to the second so READ_DATE matches today
      sim.meters.add({ serial: ref.serial, hardware: '6Cw', firmware: FIRMWARE, balance: start.kwhCredit, voltage: VOLTS, clockOffsetSeconds: 0 });
      powerLimits.set(ref.serial, start.powerLimitW);
      return ref;
    },
    async state(m) {
      const meter = sim.meters.meter(m.serial);
      const clock = new Date(Date.now() + meter.clockOffsetMs).toISOString();
      return {
        // credit is GBP, reported as kwhCredit (EmliteMeterDriver creditResult)
        kwhCredit: meter.balance,
        // no relay control over the mediator: the supply is on as far as gridtwin can tell (creditHasRelay false)
        isOn: true,
        powerLimitW: powerLimits.get(m.serial)!,
        version: FIRMWARE_READ,
        voltageV: { A: VOLTS, B: VOLTS + 0.4, C: VOLTS - 0.3 },
        // no current reads over the mediator; READ_CURRENT is not in the supported list
        currentA: { A: 0, B: 0, C: 0 },
        date: clock.slice(0, 10),
        time: clock.slice(11, 19),
      };
    },
    faults: {
      unreachable: (m) => sim.meters.setSilent(m.serial, true),
      refuse: (m) => sim.meters.injectFault(m.serial, 'refuse'),
      loseAnswer: (m) => sim.meters.injectFault(m.serial, 'lost'),
    },
    async close() {
      await driver.close();
      await sim.stop();
    },
  };
}

/** The suite's starting credit (meterDriverSuite START). */
const START_CREDIT = 7.25;
let faultTokens = 0;

meterDriverConformance({
  name: 'Emlite mediator (simulator)',
  supported: EMLITE_SUPPORTED_TYPES,
  phases: ['A'],
  unsupported: [
    { type: 'TURN_OFF' }, { type: 'TURN_ON' }, { type: 'SET_DATE' }, { type: 'SET_TIME' }, { type: 'SET_POWER_LIMIT' }, { type: 'CLEAR_CREDIT' },
    { type: 'CLEAR_TAMPER' }, { type: 'READ_CURRENT' }, { type: 'READ_POWER' }, { type: 'READ_POWER_LIMIT' }, { type: 'READ_VOLTAGE', phase: 'B' },
  ],
  creditHasRelay: false,
  deadlineMs: 8_000,
  shortDeadlineMs: 600,
  fault: {
    // Emlite carries no controls: the fault tests deliver a token; applied = the credit went up from the start
    command: () => ({ type: 'TOP_UP', params: { token: `${String(++faultTokens).padStart(6, '0')}99${'0'.repeat(12)}` } }),
    applied: (s) => s.kwhCredit > START_CREDIT,
    // the mediator reports a meter's refusal ("Meter communication failed") and a broken link ("failed to connect
    // after retries") alike, as INTERNAL
    refusedAs: ErrorCode.UNAVAILABLE,
  },
  start: emliteWorld,
});
