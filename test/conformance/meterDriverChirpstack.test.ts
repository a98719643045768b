import { randomBytes } from 'node:crypto';
import { ChirpstackDriver, SimulatedLorawanDevices, calinDlt645Codec, gridtwinDemoCodec, type LorawanCodec } from '../../adapters/meters/chirpstack';
import { SimulatedTokenService, type SimMeterState } from '../../adapters/meters/simulated';
import { INTERACTION_TYPES, isUnsolicitedType } from '../../core/domain';
import { meterDriverConformance, type MeterDriverWorld } from './meterDriverSuite';
import { truthOf } from './meterWorlds';

/** Through the shared Mosquitto (127.0.0.1:1883), each world under its own application id (topic prefix). */
const MQTT_URL = 'mqtt://127.0.0.1:1883';

async function lorawanWorld(codec: LorawanCodec): Promise<MeterDriverWorld> {
  const applicationId = `gt-conf-${randomBytes(6).toString('hex')}`;
  const sim = await new SimulatedLorawanDevices({ mqttUrl: MQTT_URL, applicationId, codec, devices: [], seed: 5 }).start();
  const driver = await ChirpstackDriver.connect({ mqttUrl: MQTT_URL, applicationId, codec, confirmed: true });
  const devEuiOf = (serial: string) => serial.padStart(16, '0');
  return {
    driver,
    tokens: new SimulatedTokenService(),
    async meter(n, start) {
      const serial = `4700${String(n).padStart(7, '0')}`;
      sim.add({ devEui: devEuiOf(serial), serial, state: start });
      return { id: `lw-${n}`, serial, externalReference: devEuiOf(serial), protocol: 'CALIN_LORAWAN' };
    },
    async state(m) { return truthOf(sim.getState(devEuiOf(m.serial)) as SimMeterState); },
    faults: {
      unreachable: (m) => sim.silence(devEuiOf(m.serial)),
      refuse: (m) => sim.refuse(devEuiOf(m.serial)),
      loseAnswer: (m) => sim.loseAnswers(devEuiOf(m.serial)),
    },
    report: (m) => sim.sendReport(devEuiOf(m.serial)),
    reportRef: (m) => devEuiOf(m.serial),
    async close() {
      await driver.close();
      await sim.stop();
    },
  };
}

const everyType = INTERACTION_TYPES.filter((t) => !isUnsolicitedType(t));

meterDriverConformance({
  name: 'ChirpStack MQTT, calin-dlt645 codec',
  supported: everyType.filter((t) => t !== 'READ_VERSION'),
  phases: ['A', 'B', 'C'],
  unsupported: [{ type: 'READ_VERSION' }],
  creditHasRelay: true,
  deadlineMs: 5_000,
  shortDeadlineMs: 400,
  start: () => lorawanWorld(calinDlt645Codec),
});

meterDriverConformance({
  name: 'ChirpStack MQTT, gridtwin-demo codec',
  supported: everyType,
  phases: ['A', 'B', 'C'],
  unsupported: [],
  creditHasRelay: true,
  deadlineMs: 5_000,
  shortDeadlineMs: 400,
  start: () => lorawanWorld(gridtwinDemoCodec),
});
