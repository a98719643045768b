import { SimulatedFleetDriver, SimulatedTokenService } from '../../adapters/meters/simulated';
import { INTERACTION_TYPES, isUnsolicitedType } from '../../core/domain';
import { meterDriverConformance } from './meterDriverSuite';
import { truthOf } from './meterWorlds';

meterDriverConformance({
  name: 'simulated fleet',
  supported: INTERACTION_TYPES.filter((t) => !isUnsolicitedType(t)),
  phases: ['A', 'B', 'C'],
  unsupported: [],
  creditHasRelay: true,
  deadlineMs: 5_000,
  shortDeadlineMs: 200,
  async start() {
    const fleet = new SimulatedFleetDriver({ seed: 7 });
    return {
      driver: fleet,
      tokens: new SimulatedTokenService(),
      async meter(n, start) {
        const ref = { id: `sim-${n}`, serial: `4700${String(n).padStart(7, '0')}`, protocol: 'CALIN_V1' as const };
        fleet.addMeter(ref.id, ref.serial, start);
        return ref;
      },
      async state(m) { return truthOf(fleet.getMeter(m.id)!); },
      faults: {
        unreachable: (m) => fleet.unreachable(m.id),
        refuse: (m) => fleet.refuse(m.id),
        loseAnswer: (m) => fleet.dropAckOnce(m.id),
      },
      async report(m) { fleet.emitReport(m.id); },
      reportRef: (m) => m.serial,
      close: () => fleet.close(),
    };
  },
});
