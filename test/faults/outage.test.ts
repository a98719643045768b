import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus } from '../../adapters/bus';
import { createOrderWebhookSimulator, type HttpSinkSimulator } from '../../adapters/notify';
import type { MeterInteractionEvent } from '../../core/events';
import { unwrap, type Reply } from '../../core/reply';
import { subjects as makeSubjects } from '../../core/subjects';
import { eventually } from '../helpers/world';
import { testPrefix } from '../helpers/nats';
import pg from 'pg';
import { OwnNats, OwnPostgres } from './servers';

/**
 * Issue 11 fault suite: a production-like node in its own process, on its own PostgreSQL and nats-server, under
 * steady bounded load (~25 interactions/s) with an order webhook that takes 200 ms. PostgreSQL is stopped for 10 s,
 * then NATS for 10 s. Outage lengths are the scenario; every other wait is on a condition.
 */
const OUTAGE_MS = 10_000;
const RATE_PER_S = 25;
const MAX_IN_FLIGHT = 50;
const METERS = 20;

let pgServer: OwnPostgres;
let nats: OwnNats;
let webhook: HttpSinkSimulator;
let child: ChildProcess;
let exited: number | null = null;
let errorLines = 0;
let gatewayPort = 0;
let bus: NatsBus;
let db: pg.Pool;
const prefix = testPrefix('faults');
const s = makeSubjects(prefix);
const events: MeterInteractionEvent[] = [];

type Outcome = { phase: string; code: string; id?: string; type: string };
const outcomes: Outcome[] = [];
let phase = 'steady';

async function readyz(): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gatewayPort}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

/** Steady, bounded load: RATE_PER_S creates per second, never more than MAX_IN_FLIGHT unanswered. */
function startLoad() {
  let n = 0;
  let inFlight = 0;
  const timer = setInterval(() => {
    if (inFlight >= MAX_IN_FLIGHT) return;
    const i = n++;
    const type = i % 3 === 0 ? 'TOP_UP' : 'READ_CREDIT';
    const body = { type, params: type === 'TOP_UP' ? { kwh: 1 } : {}, orderId: `o-${i}`, idempotencyKey: `load-${i}` };
    inFlight++;
    const at = phase;
    bus.request<Reply<{ id: string }>>(s.meterCreateInteraction(`fm${i % METERS}`), body, { timeoutMs: 20_000 }).then(
      (r) => outcomes.push('data' in r ? { phase: at, code: 'OK', id: r.data.id, type } : { phase: at, code: r.error.code, type }),
      () => outcomes.push({ phase: at, code: 'NO_REPLY', type }),
    ).finally(() => { inFlight--; });
  }, 1000 / RATE_PER_S);
  return {
    stop: async () => {
      clearInterval(timer);
      await eventually(async () => inFlight === 0, 60_000, 50);
    },
  };
}

const countBy = (xs: Outcome[]) => xs.reduce<Record<string, number>>((m, o) => ({ ...m, [o.code]: (m[o.code] ?? 0) + 1 }), {});

beforeAll(async () => {
  [pgServer, nats] = await Promise.all([OwnPostgres.create(), OwnNats.create()]);
  webhook = await createOrderWebhookSimulator({ delayMs: 200 }).start();
  const config = {
    prefix, mode: 'production', logLevel: 'warn', nodeId: 'faults',
    database: { url: pgServer.url, poolMax: 8 }, nats: { url: nats.url },
    gateway: { enabled: true, port: 0, allowAnonymous: true },
    simulators: { enabled: true, seedFleet: false },
    notify: { orderWebhookUrl: webhook.url },
    actors: { askTimeoutMs: 10_000 },
    interactions: { reconcileEveryMs: 1_000, outboxLeaseMs: 5_000, processingDeadlineMs: 20_000 },
  };
  child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/node.ts', JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.once('exit', (code) => { exited = code ?? -1; });
  const lines = createInterface({ input: child.stdout! });
  gatewayPort = await new Promise<number>((resolve, reject) => {
    lines.on('line', (l) => {
      const m = /^READY (\d+)/.exec(l);
      if (m) resolve(Number(m[1]));
      else if (/"level":50/.test(l)) errorLines++;
    });
    child.once('exit', (code) => reject(new Error(`node exited with ${code} before it was ready`)));
  });
  createInterface({ input: child.stderr! }).on('line', () => undefined);
  bus = await NatsBus.connect({ servers: nats.url });
  db = new pg.Pool({ connectionString: pgServer.url, max: 2 });
  db.on('error', () => undefined);
  bus.subscribe(s.evtGridMeterInteraction('fg'), (m) => events.push(m.json<MeterInteractionEvent>()));
  const call = async (subject: string, body: unknown) => unwrap(await bus.request<Reply<unknown>>(subject, body, { timeoutMs: 20_000 }));
  await call(s.registryUpsert('organization'), { id: 'forg', name: 'Faults' });
  await call(s.registryUpsert('grid'), { id: 'fg', organizationId: 'forg', name: 'Grid' });
  await call(s.registryUpsert('dcu'), { id: 'fd', gridId: 'fg', externalReference: 'F-GW' });
  for (let i = 0; i < METERS; i++) {
    await call(s.registryUpsert('meter'), { id: `fm${i}`, serial: `FS${i}`, externalReference: `fdev${i}`, protocol: 'CALIN_V2', gridId: 'fg', dcuId: 'fd', lastSeenAt: new Date().toISOString() });
  }
}, 240_000);

afterAll(async () => {
  if (child && exited === null) {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    });
  }
  await bus?.close();
  await db?.end();
  await webhook?.stop();
  await Promise.all([pgServer?.destroy(), nats?.destroy()]);
}, 120_000);

/** Every acknowledged interaction is final, its outbox done, its webhook delivered exactly once, its follow-up created once. */
async function assertExactlyOnce(acked: Outcome[]) {
  const ids = acked.map((o) => o.id!);
  await eventually(async () => {
    const open = await db.query(`select count(*)::int as n from meter_interactions where id = any($1) and status not in ('SUCCESSFUL','FAILED','ABORTED','EXPIRED','SUPERSEDED')`, [ids]);
    const pending = await db.query(`select count(*)::int as n from cascade_outbox where interaction_id = any($1) and status = 'PENDING'`, [ids]);
    return open.rows[0].n === 0 && pending.rows[0].n === 0;
  }, 180_000, 250);
  const rows = (await db.query<{ id: string; status: string; interaction_type: string }>(`select id, status, interaction_type from meter_interactions where id = any($1)`, [ids])).rows;
  expect(rows).toHaveLength(new Set(ids).size);
  const notOnce = rows.filter((r) => ['SUCCESSFUL', 'FAILED'].includes(r.status) && webhook.deliveryCount(`order:${r.id}:${r.status}`) !== 1);
  expect(notOnce).toEqual([]);
  const followUps = (await db.query<{ follow_up_of: string; n: number }>(
    `select follow_up_of, count(*)::int as n from meter_interactions where follow_up_of = any($1) group by follow_up_of`, [ids])).rows;
  expect(followUps.filter((f) => f.n !== 1)).toEqual([]);
  return rows;
}

describe('issue 11 fault suite (own PostgreSQL, own NATS, node in its own process)', () => {
  it('defect 1: PostgreSQL stopped 10 s under load: the process lives, refusals are UNAVAILABLE, every acknowledged command final and every webhook/follow-up/event exactly once', async () => {
    const load = startLoad();
    await eventually(async () => outcomes.filter((o) => o.code === 'OK').length >= 50, 120_000, 100);
    phase = 'pg-down';
    await pgServer.stop();
    await eventually(async () => (await readyz()) === 503, 30_000, 100);
    await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the outage itself
    expect(exited).toBeNull();
    await pgServer.start();
    phase = 'pg-back';
    await eventually(async () => (await readyz()) === 200, 60_000, 200);
    await eventually(async () => outcomes.filter((o) => o.phase === 'pg-back' && o.code === 'OK').length >= 50, 120_000, 100);
    await load.stop();

    const during = countBy(outcomes.filter((o) => o.phase === 'pg-down'));
    console.info('fault suite, PostgreSQL outage: replies by phase', { steady: countBy(outcomes.filter((o) => o.phase === 'steady')), during, after: countBy(outcomes.filter((o) => o.phase === 'pg-back')) });
    expect(outcomes.filter((o) => o.code === 'INTERNAL')).toEqual([]);
    expect(during.UNAVAILABLE ?? 0).toBeGreaterThan(0);
    const rows = await assertExactlyOnce(outcomes.filter((o) => o.code === 'OK'));
    const finalEvents = (id: string, status: string) => events.filter((e) => e.interaction.id === id && e.interaction.status === status).length;
    await eventually(async () => rows.every((r) => finalEvents(r.id, r.status) >= 1), 30_000, 200);
    expect(rows.filter((r) => finalEvents(r.id, r.status) !== 1)).toEqual([]);
    expect(webhook.duplicates).toBe(0);
    expect(exited).toBeNull();
    expect(await metric('gridtwin_unhandled_rejections_total')).toBe(0);
    expect(await metric('gridtwin_actor_crashes_total')).toBe(0);
    console.info('fault suite, PostgreSQL outage:', { acknowledged: rows.length, webhooks: webhook.deliveryCount(), duplicates: webhook.duplicates, errorLines,
      outageResets: await metric('gridtwin_actor_outage_resets_total') });
  }, 600_000);

  it('defect 1: NATS stopped 10 s under load: the process lives, /readyz degraded then ready, every acknowledged command final and every webhook exactly once', async () => {
    outcomes.length = 0;
    phase = 'steady';
    const load = startLoad();
    await eventually(async () => outcomes.filter((o) => o.code === 'OK').length >= 25, 120_000, 100);
    phase = 'nats-down';
    await nats.stop();
    await eventually(async () => (await readyz()) === 503, 30_000, 100);
    await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the outage itself
    expect(exited).toBeNull();
    await nats.start();
    phase = 'nats-back';
    await eventually(async () => (await readyz()) === 200, 60_000, 200);
    await eventually(async () => outcomes.filter((o) => o.phase === 'nats-back' && o.code === 'OK').length >= 50, 120_000, 100);
    await load.stop();
    console.info('fault suite, NATS outage: replies by phase', { steady: countBy(outcomes.filter((o) => o.phase === 'steady')), during: countBy(outcomes.filter((o) => o.phase === 'nats-down')), after: countBy(outcomes.filter((o) => o.phase === 'nats-back')) });
    expect(outcomes.filter((o) => o.code === 'INTERNAL')).toEqual([]);
    const rows = await assertExactlyOnce(outcomes.filter((o) => o.code === 'OK'));
    // Core NATS is at-most-once: an event published while the server was down may be lost, never doubled.
    expect(rows.filter((r) => events.filter((e) => e.interaction.id === r.id && e.interaction.status === r.status).length > 1)).toEqual([]);
    expect(webhook.duplicates).toBe(0);
    expect(exited).toBeNull();
    expect(await metric('gridtwin_unhandled_rejections_total')).toBe(0);
    console.info('fault suite, NATS outage:', { acknowledged: rows.length, webhooks: webhook.deliveryCount(), duplicates: webhook.duplicates, errorLines });
  }, 600_000);
});
