import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startMediatorSimulator } from './server';

/** `npx tsx adapters/emlite/simulator/main.ts --port 50051 --meters 100` — see adapters/emlite/README.md. */
const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '50051' },
    meters: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    latency: { type: 'string', default: '0' },
    concurrency: { type: 'string' },
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

const sim = await startMediatorSimulator({
  host: values.host,
  port: int('port', values.port),
  meters: int('meters', values.meters),
  seed: int('seed', values.seed),
  latencyMs: int('latency', values.latency),
  concurrencyLimit: values.concurrency ? int('concurrency', values.concurrency) : undefined,
  tls: values['tls-ca']
    ? { ca: readFileSync(values['tls-ca']), cert: readFileSync(values['tls-cert']!), key: readFileSync(values['tls-key']!) }
    : undefined,
});
const serials = sim.meters.serials();
process.stdout.write(`emlite mediator simulator listening on ${sim.address} with ${serials.length} meters (${serials[0] ?? '-'} … ${serials.at(-1) ?? '-'})\n`);

const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
