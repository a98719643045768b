import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ThreePhaseMeterType } from '../hardware';
import type { SimulatedMeterSpec } from './meter';
import { simulatedSerial, startMediatorSimulator } from './server';

/** `npx tsx adapters/emlite/simulator/main.ts --port 50051 --meters 100` — see adapters/emlite/README.md. */
const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '50051' },
    meters: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    latency: { type: 'string', default: '0' },
    concurrency: { type: 'string' },
    'three-phase-every': { type: 'string', default: '0' },
    'tls-ca': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
});

function int(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative integer\n`);
    process.exit(2);
  }
  return n;
}

const tlsFiles = [values['tls-ca'], values['tls-cert'], values['tls-key']];
if (tlsFiles.some(Boolean) && !tlsFiles.every(Boolean)) {
  process.stderr.write('TLS needs all of --tls-ca, --tls-cert and --tls-key\n');
  process.exit(2);
}

/** Every n-th meter three-phase (blank hardware; AX and CX in turn), as a mixed fleet answers. */
const threePhaseEvery = int('three-phase-every', values['three-phase-every']);
const meters: SimulatedMeterSpec[] = Array.from({ length: int('meters', values.meters) }, (_, i) => {
  const threePhase = threePhaseEvery > 0 && i % threePhaseEvery === threePhaseEvery - 1;
  const meterType = Math.floor(i / threePhaseEvery) % 2 === 0 ? ThreePhaseMeterType.axWholeCurrent : ThreePhaseMeterType.cxCtOperated;
  return threePhase ? { serial: simulatedSerial(i), hardware: '', threePhaseMeterType: meterType } : { serial: simulatedSerial(i) };
});

const sim = await startMediatorSimulator({
  host: values.host,
  port: int('port', values.port),
  meters,
  seed: int('seed', values.seed),
  latencyMs: int('latency', values.latency),
  concurrencyLimit: values.concurrency ? int('concurrency', values.concurrency) : undefined,
  tls: values['tls-ca']
    ? { ca: readFileSync(values['tls-ca']), cert: readFileSync(values['tls-cert']!), key: readFileSync(values['tls-key']!) }
    : undefined,
});
const serials = sim.meters.serials();
process.stdout.write(`emlite mediator simulator listening on ${sim.address} with ${serials.length} meters (${serials[0] ?? '-'} … ${serials.at(-1) ?? '-'})\n`);

const stop = () => {
  sim.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`emlite mediator simulator did not stop cleanly: ${String(e)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
