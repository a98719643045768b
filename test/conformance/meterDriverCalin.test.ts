import { CalinApiSimulator, CalinTokenService, CalinV1Driver, CalinV2Driver, CalinV2Session, CalinV2TokenService } from '../../adapters/meters/calin';
import type { DriverMeterRef, MeterDriver, TokenService } from '../../adapters/meters/types';
import { meterDriverConformance, type MeterDriverWorld } from './meterDriverSuite';
import { truthOf } from './meterWorlds';

const ACCOUNT = { company: 'acme-grid', user: 'pos-user', password: 'pos-secret', adminUser: 'admin', adminPassword: 'admin-secret' };
const FAST = { pollDelayMs: () => 20, retry: { initialBackoffMs: 5, timeoutMs: 2_000 } };

async function calinWorld(make: (sim: CalinApiSimulator) => { driver: MeterDriver; tokens: TokenService }): Promise<MeterDriverWorld> {
  const sim = await new CalinApiSimulator({ ...ACCOUNT, v2CustomerId: 'cust-1', taskDelayMs: 30, seed: 11 }).start();
  const { driver, tokens } = make(sim);
  const faults = (m: DriverMeterRef, f: Parameters<CalinApiSimulator['setMeterFaults']>[1]) => sim.setMeterFaults(m.serial, f);
  return {
    driver,
    tokens,
    async meter(n, start) {
      const ref = { id: `cal-${n}`, serial: `4700${String(n).padStart(7, '0')}`, protocol: 'CALIN_V1' as const };
      Object.assign(sim.meter(ref.serial), start);
      return ref;
    },
    async state(m) {
      sim.meters.settleDue();
      return truthOf(sim.meter(m.serial));
    },
    faults: {
      unreachable: (m) => faults(m, { unreachable: true }),
      refuse: (m) => faults(m, { refusing: true }),
      loseAnswer: (m) => faults(m, { slowTasks: 1, slowByMs: 1_500 }),
    },
    async close() {
      await driver.close();
      await sim.stop();
    },
  };
}

meterDriverConformance({
  name: 'Calin API v1 (simulator)',
  supported: ['READ_CREDIT', 'READ_VOLTAGE', 'READ_CURRENT', 'READ_POWER', 'READ_POWER_LIMIT', 'READ_VERSION', 'READ_DATE', 'TURN_ON', 'TURN_OFF', 'SET_DATE',
    'TOP_UP', 'CLEAR_CREDIT', 'CLEAR_TAMPER', 'SET_POWER_LIMIT', 'DELIVER_PREEXISTING_TOKEN'],
  phases: ['A', 'B', 'C'],
  unsupported: [{ type: 'READ_TIME' }, { type: 'SET_TIME' }, { type: 'READ_POWER', phase: 'B' }],
  creditHasRelay: true,
  deadlineMs: 8_000,
  shortDeadlineMs: 600,
  start: () => calinWorld((sim) => ({
    driver: new CalinV1Driver({ baseUrl: sim.url, company: ACCOUNT.company, user: ACCOUNT.adminUser, password: ACCOUNT.adminPassword, ...FAST }),
    tokens: new CalinTokenService({ baseUrl: sim.url, company: ACCOUNT.company, user: ACCOUNT.user, password: ACCOUNT.password, retry: FAST.retry }),
  })),
});

meterDriverConformance({
  name: 'Calin API v2 (simulator)',
  supported: ['READ_CREDIT', 'READ_VOLTAGE', 'READ_CURRENT', 'READ_POWER', 'READ_POWER_LIMIT', 'READ_VERSION', 'READ_DATE', 'TURN_ON', 'TURN_OFF', 'SET_DATE',
    'TOP_UP', 'CLEAR_CREDIT', 'CLEAR_TAMPER', 'SET_POWER_LIMIT', 'DELIVER_PREEXISTING_TOKEN'],
  phases: ['A'],
  unsupported: [{ type: 'READ_TIME' }, { type: 'SET_TIME' }, { type: 'READ_VOLTAGE', phase: 'B' }, { type: 'READ_CURRENT', phase: 'C' }],
  creditHasRelay: false,
  deadlineMs: 8_000,
  shortDeadlineMs: 600,
  start: () => calinWorld((sim) => {
    const session = new CalinV2Session({ baseUrl: sim.url, company: ACCOUNT.company, user: ACCOUNT.user, password: ACCOUNT.password, retry: FAST.retry });
    return {
      driver: new CalinV2Driver({ session, customerId: 'cust-1', pollDelayMs: FAST.pollDelayMs }),
      tokens: new CalinV2TokenService({ session, posPassword: ACCOUNT.password }),
    };
  }),
});
