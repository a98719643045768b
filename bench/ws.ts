/**
 * bench:ws: 10,000 WebSocket clients over loopback, subscribed across 100 grids; events published on
 * real NATS (unique prefix) at a fixed rate; end-to-end latency = publish timestamp in the event → the
 * client's receipt. The gateway and the clients run in child processes so their CPU is measured apart.
 *
 *   npm run bench:ws            (needs nats-server at 127.0.0.1:4222)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { NatsBus } from '../adapters/bus';
import { parseConfig } from '../core/config';
import { newId } from '../core/ids';
import { silentLogger } from '../core/logger';
import { createMetrics } from '../core/metrics';
import { subjects } from '../core/subjects';
import { startGateway } from '../gateway/server';
import { loadUws } from '../gateway/uws';
import { onMessage, runMain } from './lib/report';

const NATS_URL = 'nats://127.0.0.1:4222';
const CLIENTS = 10_000;
const GRIDS = 100;
const CLIENT_PROCESSES = 2;
/** Lighter load first: a saturated phase leaves a backlog in the clients. */
const PHASES = [
  { rate: 200, seconds: 10 },
  { rate: 1_000, seconds: 10 },
  { rate: 5_000, seconds: 15 },
];
/** After publishing, wait until deliveries stop (at most this long) before reading the figures. */
const MAX_DRAIN_MS = 20_000;
const now = () => performance.timeOrigin + performance.now();
const buildHistogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

type Msg = Record<string, unknown> & { type: string };
const ask = (child: ChildProcess, msg: Msg, reply: string): Promise<Msg> =>
  new Promise((resolve) => {
    const on = (m: Msg) => {
      if (m.type !== reply) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(msg);
  });

// ---- gateway process ---------------------------------------------------------------------------
async function gatewayProcess(prefix: string): Promise<void> {
  const bus = await NatsBus.connect({ servers: NATS_URL, name: 'bench-gateway' });
  const metrics = createMetrics();
  const config = parseConfig({ prefix, gateway: { port: 0, allowAnonymous: true, maxBackpressureBytes: 512 * 1024, maxTopicsPerSocket: 8, idleTimeoutSec: 120 } });
  const gw = await startGateway({ config, bus, metrics, logger: silentLogger, backpressureGraceMs: 60_000, subscribeBurst: 10, subscribePerSec: 10 });
  let cpu = process.cpuUsage();
  let since = now();
  process.on('message', onMessage(async (m: Msg) => {
    if (m.type === 'mark') {
      cpu = process.cpuUsage();
      since = now();
      process.send!({ type: 'marked' });
    } else if (m.type === 'stats') {
      const used = process.cpuUsage(cpu);
      const dropped = (await metrics.wsDropped.get()).values.map((v) => ({ reason: v.labels.reason, value: v.value }));
      process.send!({
        type: 'stats', cpuPct: ((used.user + used.system) / 1000 / (now() - since)) * 100, rssMb: process.memoryUsage().rss / 2 ** 20,
        heapMb: process.memoryUsage().heapUsed / 2 ** 20, clients: gw.clientCount(), dropped, natsSubs: bus.subscriptionCount(), uws: loadUws().build,
      });
    } else if (m.type === 'stop') {
      await gw.close();
      await bus.close();
      process.exit(0);
    }
  }));
  process.send!({ type: 'ready', port: gw.port });
}

function numberAfter(text: string, key: string): number {
  const at = text.indexOf(key);
  if (at < 0) return -1;
  const from = at + key.length;
  let end = from;
  while (end < text.length && '0123456789.-e+'.includes(text[end]!)) end++;
  return Number(text.slice(from, end));
}

// ---- client process ----------------------------------------------------------------------------
async function clientProcess(url: string, first: number, count: number): Promise<void> {
  let histogram = buildHistogram();
  let delivered = 0;
  let gaps = 0;
  let closed = 0;
  const sockets: WebSocket[] = [];
  const connectOne = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const topic = `grid/g${i % GRIDS}`;
      let lastSeq = -1;
      ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', topic })));
      // The load generator must stay cheap: read seq and sentAt by position instead of JSON.parse.
      ws.on('message', (raw) => {
        const text = raw.toString();
        const seq = numberAfter(text, '"seq":');
        if (text.startsWith('{"type":"snapshot"')) {
          lastSeq = seq;
          resolve();
        } else if (text.startsWith('{"type":"event"')) {
          const sentAt = numberAfter(text, '"sentAt":');
          if (sentAt > 0) histogram.recordValue(Math.max(1, Math.round((now() - sentAt) * 1000)));
          delivered++;
          if (seq !== lastSeq + 1) gaps++;
          lastSeq = seq;
        }
      });
      ws.on('close', () => closed++);
      ws.on('error', reject);
      sockets.push(ws);
    });
  const started = now();
  for (let i = first; i < first + count; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, first + count - i) }, (_, k) => connectOne(i + k)));
  }
  process.send!({ type: 'ready', connectMs: now() - started });
  process.on('message', (m: Msg) => {
    if (m.type === 'reset') {
      histogram = buildHistogram();
      delivered = 0;
      gaps = 0;
      process.send!({ type: 'reset-done' });
    } else if (m.type === 'report') {
      process.send!({ type: 'report', delivered, gaps, closed, histogram: hdr.encodeIntoCompressedBase64(histogram) });
    } else if (m.type === 'stop') {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
}

// ---- orchestrator ------------------------------------------------------------------------------
function machine() {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

function writeSection(markdown: string): void {
  const file = 'BENCHMARKS.md';
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf('\n## bench:ws');
  let next: string;
  if (start === -1) next = `${current.trimEnd()}\n\n${markdown}`;
  else {
    const after = current.indexOf('\n## ', start + 1);
    next = `${current.slice(0, start).trimEnd()}\n\n${markdown}${after === -1 ? '' : `\n${current.slice(after)}`}`;
  }
  writeFileSync(file, `${next.trimEnd()}\n`);
}

async function main(): Promise<void> {
  const prefix = `benchws${newId().slice(0, 8)}`;
  const s = subjects(prefix);
  const bus = await NatsBus.connect({ servers: NATS_URL, name: 'bench-publisher' });
  const runtime = await bus.serve({
    name: 'bench-runtime', version: '0.0.0',
    endpoints: [{ name: 'grid-get', subject: s.gridGet.pattern, handler: (m) => void m.respond({ data: { grid: { id: s.gridGet.ids(m.subject).gridId }, meters: [] } }) }],
  });
  const child = (args: string[]) => fork(process.argv[1]!, args, { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const gateway = child(['gateway', prefix]);
  const { port } = await new Promise<Msg>((r) => gateway.once('message', (m: Msg) => r(m)));
  const url = `ws://127.0.0.1:${port}/ws`;
  console.log(`machine: ${machine()}`);
  console.log(`gateway on ${url}; connecting ${CLIENTS} clients from ${CLIENT_PROCESSES} processes…`);
  const per = CLIENTS / CLIENT_PROCESSES;
  const clients = Array.from({ length: CLIENT_PROCESSES }, (_, i) => child(['clients', url, String(i * per), String(per)]));
  const readies = await Promise.all(clients.map((c) => new Promise<Msg>((r) => c.once('message', (m: Msg) => r(m)))));
  const connectMs = Math.max(...readies.map((r) => r.connectMs as number));
  console.log(`connected and subscribed in ${(connectMs / 1000).toFixed(1)} s`);

  const rows: string[] = [];
  let uws = '';
  for (const phase of PHASES) {
    await Promise.all([...clients.map((c) => ask(c, { type: 'reset' }, 'reset-done')), ask(gateway, { type: 'mark' }, 'marked')]);
    const t0 = now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = (now() - t0) / 1000;
        const due = Math.min(phase.rate * phase.seconds, Math.floor(phase.rate * elapsed));
        for (; sent < due; sent++) {
          const grid = `g${sent % GRIDS}`;
          bus.publish(s.evtGridMeterInteraction(grid), {
            id: `e${sent}`, at: new Date().toISOString(), event: 'meter-interaction', operation: 'UPDATE', gridId: grid,
            interaction: { id: `i${sent}`, meterId: `m${sent % 997}`, gridId: grid, type: 'TOP_UP', status: 'SUCCESSFUL', sentAt: now() },
          });
        }
        if (sent >= phase.rate * phase.seconds) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    const publishMs = now() - t0;
    const deliveredSoFar = async () => (await Promise.all(clients.map((c) => ask(c, { type: 'report' }, 'report')))).reduce((a, r) => a + (r.delivered as number), 0);
    let lastCount = -1;
    let windowMs = now() - t0;
    for (const drainEnd = now() + MAX_DRAIN_MS; now() < drainEnd; ) {
      const count = await deliveredSoFar();
      if (count === lastCount) break;
      lastCount = count;
      windowMs = now() - t0;
      await new Promise((r) => setTimeout(r, 500));
    }
    const stats = await ask(gateway, { type: 'stats' }, 'stats');
    const reports = await Promise.all(clients.map((c) => ask(c, { type: 'report' }, 'report')));
    const h = buildHistogram();
    for (const r of reports) h.add(hdr.decodeFromCompressedBase64(r.histogram as string));
    const delivered = reports.reduce((a, r) => a + (r.delivered as number), 0);
    const gaps = reports.reduce((a, r) => a + (r.gaps as number), 0);
    const closed = reports.reduce((a, r) => a + (r.closed as number), 0);
    const expected = sent * (CLIENTS / GRIDS);
    uws = stats.uws as string;
    const dropped = (stats.dropped as Array<{ reason: string; value: number }>).map((d) => `${d.reason}=${d.value}`).join(' ') || 'none';
    const row = {
      rate: phase.rate, seconds: phase.seconds, published: sent, publishRate: Math.round(sent / (publishMs / 1000)),
      expected, delivered, deliveredPerSec: Math.round(delivered / (windowMs / 1000)), pct: ((delivered / expected) * 100).toFixed(1),
      p50: (h.getValueAtPercentile(50) / 1000).toFixed(1), p99: (h.getValueAtPercentile(99) / 1000).toFixed(1), max: (h.maxValue / 1000).toFixed(0),
      cpu: (stats.cpuPct as number).toFixed(0), rss: (stats.rssMb as number).toFixed(0), heap: (stats.heapMb as number).toFixed(0), gaps, closed, dropped,
    };
    console.log(row);
    rows.push(`| ${row.rate} ev/s × ${row.seconds} s | ${row.published} | ${row.delivered} / ${row.expected} (${row.pct} %) | ${row.deliveredPerSec} | ${row.p50} | ${row.p99} | ${row.max} | ${row.cpu} % | ${row.rss} / ${row.heap} | ${row.gaps} | ${row.dropped} |`);
  }

  for (const c of clients) c.send({ type: 'stop' });
  gateway.send({ type: 'stop' });
  await runtime.stop();
  await bus.close();

  const section = [
    '## bench:ws',
    '',
    `\`npm run bench:ws\` — ${new Date().toISOString().slice(0, 10)} — ${machine()} — ${uws}`,
    '',
    `${CLIENTS} WS clients (\`ws\`, ${CLIENT_PROCESSES} child processes) over loopback, each subscribed to one of ${GRIDS} \`grid/<id>\` topics (${CLIENTS / GRIDS} per grid); events published on real NATS (127.0.0.1:4222, unique prefix) by the parent process; gateway alone in its own process (uWS native). Latency = publish timestamp inside the event → parsed by the client. Delivered/s = messages received ÷ (publish window + time until deliveries stopped, at most ${MAX_DRAIN_MS / 1000} s more). Connect + subscribe of all clients: ${(connectMs / 1000).toFixed(1)} s.`,
    '',
    '| load | published | delivered / expected | delivered/s | p50 ms | p99 ms | max ms | gateway CPU | gateway RSS / heap MB | seq gaps seen | gateway drops |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Gateway CPU is its process time over the window (100 % = one core). All processes (NATS server, publisher, gateway, clients) share the same machine.',
    '',
  ].join('\n');
  writeSection(section);
  console.log(section);
  process.exit(0);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'gateway') runMain(() => gatewayProcess(args[0]!));
else if (mode === 'clients') runMain(() => clientProcess(args[0]!, Number(args[1]), Number(args[2])));
else main().catch((e) => {
  console.error(e);
  process.exit(1);
});
