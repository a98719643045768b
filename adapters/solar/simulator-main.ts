import { parseArgs } from 'node:util';
import { SIMULATOR_CREDENTIALS, startSolarSimulator } from './simulators';
import { SOLAR_BRANDS, normalizeBrand } from './types';

/**
 * Runs vendor cloud simulators from the command line, e.g.
 *   npx tsx adapters/solar/simulator-main.ts --brand SOLIS --plants 50 --port 8701
 *   npx tsx adapters/solar/simulator-main.ts --brand ALL --plants 1000 --latency 100
 */
const { values } = parseArgs({
  options: {
    brand: { type: 'string', default: 'ALL' },
    plants: { type: 'string', default: '20' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    latency: { type: 'string', default: '0' },
    rpm: { type: 'string', default: '0' },
    timezones: { type: 'string' },
    seed: { type: 'string' },
  },
});

const brands = values.brand.toUpperCase() === 'ALL' ? [...SOLAR_BRANDS] : [normalizeBrand(values.brand)];
const basePort = Number(values.port);
const running = await Promise.all(brands.map((brand, i) => startSolarSimulator(brand, {
  plants: Number(values.plants),
  port: basePort === 0 ? 0 : basePort + i,
  host: values.host,
  latencyMs: Number(values.latency),
  rateLimitPerMinute: Number(values.rpm),
  ...(values.timezones ? { timezones: values.timezones.split(',') } : {}),
  ...(values.seed ? { seed: values.seed } : {}),
}).then((sim) => ({ brand, sim }))));

for (const { brand, sim } of running) {
  // simulator credentials are fixed test values, printed so a client can be pointed at them
  process.stdout.write(`${brand.padEnd(7)} ${sim.baseUrl}  plants=${sim.fleet.plants.length}  credentials=${JSON.stringify(SIMULATOR_CREDENTIALS[brand])}\n`);
}

const stop = (): void => {
  Promise.all(running.map(({ sim }) => sim.close())).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`simulators did not close: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
