import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { LocalBus, type Bus, type BusStatus, type ServiceHandle } from '../../adapters/bus';
import { parseConfig, type Config } from '../../core/config';
import { ErrorCode } from '../../core/errors';
import type { MeterInteractionEvent, MeterStateEvent, PlantAlertEvent, PlantStatusEvent } from '../../core/events';
import { newId } from '../../core/ids';
import { silentLogger } from '../../core/logger';
import { createMetrics, type Metrics } from '../../core/metrics';
import { ok, type Reply } from '../../core/reply';
import { subjects, type Subjects } from '../../core/subjects';
import { startGateway, type Gateway, type GatewayOptions } from '../../gateway/server';

export const SECRET = 'test-secret-for-the-gateway-0123456789';
export const ORG = 'org-a';

/** A signed test token: org-a, role operator (commands and acks) unless the claims say otherwise. */
export async function token(claims: Record<string, unknown> = {}, opts: { secret?: string; expiresIn?: string | number } = {}): Promise<string> {
  return new SignJWT({ org: ORG, role: 'operator', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('operator-1')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

/** A LocalBus whose connection status a test can flip, as NATS would report it. */
export class StatusBus extends LocalBus {
  private statusListeners = new Set<(s: BusStatus) => void>();
  override onStatus(l: (s: BusStatus) => void): () => void {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }
  setStatus(s: BusStatus): void {
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }
}

export interface MeterView {
  id: string;
  gridId: string;
  organizationId: string;
  isOn: boolean;
  kwhCreditAvailable: number;
  lastSeenAt: string;
}

/**
 * A fake runtime answering the command subjects with realistic payloads, and publishing the events a
 * real one would (an interaction goes QUEUED → SUCCESSFUL and the meter's state changes).
 */
export class FakeRuntime {
  readonly s: Subjects;
  readonly meters = new Map<string, MeterView>();
  readonly grids = new Map<string, { id: string; name: string; organizationId: string }>();
  readonly plants = new Map<string, { id: string; name: string; organizationId: string; status: 'GREEN' | 'YELLOW' | 'RED' | 'GREY' }>();
  readonly alerts = new Map<string, PlantAlertEvent['alert'] & { plantId: string; organizationId: string }>();
  readonly calls: Array<{ subject: string; payload: unknown }> = [];
  private handle?: ServiceHandle;
  interactionDelayMs = 20;

  constructor(readonly bus: Bus, prefix: string) {
    this.s = subjects(prefix);
  }

  seed(): this {
    this.grids.set('g1', { id: 'g1', name: 'Grid One', organizationId: ORG });
    this.grids.set('g2', { id: 'g2', name: 'Grid Two', organizationId: ORG });
    this.grids.set('gx', { id: 'gx', name: 'Other org grid', organizationId: 'org-b' });
    const now = new Date().toISOString();
    for (const [id, gridId, org] of [['m1', 'g1', ORG], ['m2', 'g1', ORG], ['m3', 'g2', ORG], ['mx', 'gx', 'org-b']] as const) {
      this.meters.set(id, { id, gridId, organizationId: org, isOn: true, kwhCreditAvailable: 12.5, lastSeenAt: now });
    }
    this.plants.set('p1', { id: 'p1', name: 'Plant One', organizationId: ORG, status: 'GREEN' });
    this.alerts.set('a1', {
      id: 'a1', plantId: 'p1', organizationId: ORG, type: 'INVERTER_FAULT', severity: 'MAJOR', state: 'NEW',
      message: 'Inverter 2 reports grid overvoltage', vendorAlarmCode: '2032', deviceSn: 'INV-2',
    });
    return this;
  }

  meterEvent(id: string): MeterStateEvent {
    const m = this.meters.get(id)!;
    return { id: newId(), at: new Date().toISOString(), meterId: id, gridId: m.gridId, meter: { ...m }, shadow: { desired: {}, reported: { isOn: m.isOn }, delta: {}, metadata: {} } };
  }

  publishMeterState(id: string, patch: Partial<MeterView> = {}): void {
    Object.assign(this.meters.get(id)!, patch);
    this.bus.publish(this.s.evtMeterState(id), this.meterEvent(id));
  }

  publishPlantStatus(id: string, status: PlantStatusEvent['status']): void {
    const p = this.plants.get(id)!;
    const ev: PlantStatusEvent = { id: newId(), at: new Date().toISOString(), plantId: id, organizationId: p.organizationId, status, previousStatus: p.status, reason: 'test' };
    p.status = status;
    this.bus.publish(this.s.evtPlantStatus(id), ev);
  }

  async start(): Promise<this> {
    const s = this.s;
    const track = (subject: string, payload: unknown) => this.calls.push({ subject, payload });
    const endpoint = (name: string, subject: string, fn: (subject: string, payload: Record<string, unknown>) => unknown) => ({
      name, subject,
      handler: (m: { subject: string; json: <T>() => T; respond: (p: unknown) => boolean }) => {
        const payload = m.json<Record<string, unknown>>();
        track(m.subject, payload);
        m.respond(fn(m.subject, payload));
      },
    });
    this.handle = await this.bus.serve({
      name: 'fake-runtime', version: '0.0.1',
      endpoints: [
        endpoint('meter-get', s.meterGet.pattern, (subject) => {
          const m = this.meters.get(s.meterGet.ids(subject).meterId);
          return m ? ok({ meter: { ...m }, shadow: { desired: {}, reported: { isOn: m.isOn }, delta: {}, metadata: {} } }) : fail(notFound('meter'));
        }),
        endpoint('grid-get', s.gridGet.pattern, (subject) => {
          const g = this.grids.get(s.gridGet.ids(subject).gridId);
          if (!g) return fail(notFound('grid'));
          return ok({ grid: g, meters: [...this.meters.values()].filter((m) => m.gridId === g.id) });
        }),
        endpoint('plant-get', s.plantGet.pattern, (subject) => {
          const p = this.plants.get(s.plantGet.ids(subject).plantId);
          return p ? ok({ plant: p }) : fail(notFound('plant'));
        }),
        endpoint('plant-poll', s.plantPoll.pattern, (subject) => {
          const p = this.plants.get(s.plantPoll.ids(subject).plantId);
          return p ? ok({ plantId: p.id, status: p.status, polledAt: new Date().toISOString() }) : fail(notFound('plant'));
        }),
        endpoint('alerts-list', s.alertsList(), (_subject, payload) =>
          ok({ alerts: [...this.alerts.values()].filter((a) => a.organizationId === payload.organizationId) })),
        endpoint('alert-ack', s.alertAck.pattern, (subject, payload) => {
          const a = this.alerts.get(s.alertAck.ids(subject).alertId);
          if (!a) return fail(notFound('alert'));
          if (payload.organizationId && payload.organizationId !== a.organizationId) return fail({ code: ErrorCode.FORBIDDEN, message: 'not your alert' });
          if (a.state === 'ACKED') return fail({ code: ErrorCode.INVALID_STATE, message: 'already acknowledged' });
          a.state = 'ACKED';
          const { plantId, organizationId, ...alert } = a;
          const ev: PlantAlertEvent = { id: newId(), at: new Date().toISOString(), plantId, organizationId, alert };
          this.bus.publish(s.evtOrgAlert(organizationId), ev);
          this.bus.publish(s.evtPlantAlert(plantId), ev);
          return ok({ alert: { ...a } });
        }),
        endpoint('owners-get', s.ownersGet(), (_subject, payload) => ok({ owners: this.owners(payload.kind as string, payload.ids as string[]) })),
        endpoint('esco-sync-status', s.escoSyncStatus.pattern, (subject) => ok({ esco: s.escoSyncStatus.ids(subject).esco, phase: 'idle', total: 0, done: 0 })),
        endpoint('create-interaction', s.meterCreateInteraction.pattern, (subject, payload) => this.createInteraction(s.meterCreateInteraction.ids(subject).meterId, payload)),
      ],
    });
    return this;
  }

  /** What `owners.get` answers: the organization (and grid / plant) of each known id. An ESCO here is named after its organization. */
  private owners(kind: string, ids: string[]): Record<string, unknown> {
    const of = (id: string): unknown => {
      switch (kind) {
        case 'meter': { const m = this.meters.get(id); return m && { organizationId: m.organizationId, gridId: m.gridId }; }
        case 'grid': { const g = this.grids.get(id); return g && { organizationId: g.organizationId, gridId: g.id }; }
        case 'plant': { const p = this.plants.get(id); return p && { organizationId: p.organizationId, plantId: p.id }; }
        case 'alert': { const a = this.alerts.get(id); return a && { organizationId: a.organizationId, plantId: a.plantId }; }
        case 'esco': return { organizationId: id, gridId: null, esco: id };
        default: return undefined;
      }
    };
    return Object.fromEntries(ids.flatMap((id) => { const o = of(id); return o ? [[id, o]] : []; }));
  }

  private createInteraction(meterId: string, payload: Record<string, unknown>) {
    const m = this.meters.get(meterId);
    if (!m) return fail(notFound('meter'));
    const now = new Date().toISOString();
    const interaction = {
      id: newId(), meterId, gridId: m.gridId, type: payload.type as MeterInteractionEvent['interaction']['type'], status: 'QUEUED' as const,
      params: (payload.params ?? {}) as Record<string, unknown>, resultValue: null, failureReason: null, orderId: null,
      batchExecutionIds: [], meterCommissioningId: null, idempotencyKey: (payload.idempotencyKey as string) ?? null, createdAt: now, updatedAt: now,
    };
    const emit = (i: MeterInteractionEvent['interaction']) =>
      this.bus.publish(this.s.evtGridMeterInteraction(m.gridId), { id: newId(), at: new Date().toISOString(), event: 'meter-interaction', operation: 'UPDATE', gridId: m.gridId, interaction: i } satisfies MeterInteractionEvent);
    const later = (fn: () => void, ms: number) => setTimeout(() => this.bus.status !== 'closed' && fn(), ms);
    later(() => {
      emit(interaction);
      later(() => {
        const patch: Partial<MeterView> = { lastSeenAt: new Date().toISOString() };
        if (interaction.type === 'TURN_OFF') patch.isOn = false;
        if (interaction.type === 'TURN_ON') patch.isOn = true;
        if (interaction.type === 'TOP_UP') patch.kwhCreditAvailable = m.kwhCreditAvailable + Number((interaction.params as { kwh?: number }).kwh ?? 10);
        this.publishMeterState(meterId, patch);
        emit({ ...interaction, status: 'SUCCESSFUL', updatedAt: new Date().toISOString() });
      }, this.interactionDelayMs);
    }, 1);
    return ok({ interaction });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}

const notFound = (what: string) => ({ code: ErrorCode.NOT_FOUND, message: `${what} not found` });
const fail = (error: { code: ErrorCode; message: string }): Reply<never> => ({ error });

export function testConfig(prefix: string, gateway: Partial<Config['gateway']> = {}): Config {
  return parseConfig({ prefix, gateway: { port: 0, jwtSecret: SECRET, ...gateway } });
}

export interface TestWorld {
  bus: StatusBus;
  runtime: FakeRuntime;
  gateway: Gateway;
  metrics: Metrics;
  prefix: string;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startWorld(gateway: Partial<Config['gateway']> = {}, extra: Partial<GatewayOptions> = {}): Promise<TestWorld> {
  const prefix = `gw${newId().slice(0, 8)}`;
  const bus = new StatusBus();
  const runtime = await new FakeRuntime(bus, prefix).seed().start();
  const metrics = createMetrics();
  const gw = await startGateway({ config: testConfig(prefix, gateway), bus, metrics, logger: silentLogger, ...extra });
  return {
    bus, runtime, gateway: gw, metrics, prefix, wsUrl: `ws://127.0.0.1:${gw.port}/ws`,
    async close() {
      await gw.close();
      await runtime.stop();
      await bus.close();
    },
  };
}

/** A real WS client that records every message and lets a test wait for one matching a predicate. */
export class Client {
  readonly messages: Array<Record<string, any>> = [];
  private waiters: Array<{ pred: (m: Record<string, any>) => boolean; resolve: (m: Record<string, any>) => void; reject: (e: Error) => void }> = [];
  private closedWith?: { code: number; reason: string };
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Record<string, any>;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
    this.closed = new Promise((r) => ws.on('close', (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      // A waiter can never be answered on a closed socket: fail it now, with the close code, not at its timeout.
      const last = this.messages.slice(-5).map((m) => `${m.type}${m.topic ? ` ${m.topic}` : ''}${m.code ? ` ${m.code}` : ''}`);
      for (const w of this.waiters.splice(0)) w.reject(new Error(`socket closed (${code} ${this.closedWith.reason}) while waiting; last messages: ${last.join(', ')}`));
      r(this.closedWith);
    }));
  }

  static connect(url: string, opts: { token?: string; headers?: Record<string, string>; protocols?: string[] } = {}): Promise<Client> {
    const full = opts.token ? `${url}?token=${encodeURIComponent(opts.token)}` : url;
    const ws = new WebSocket(full, opts.protocols, { headers: opts.headers });
    const c = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** Waits for the next message (received from now on, or already received if `past`) matching `pred`. */
  next(pred: (m: Record<string, any>) => boolean, timeoutMs = 10_000, past = false): Promise<Record<string, any>> {
    if (past) {
      const hit = this.messages.find(pred);
      if (hit) return Promise.resolve(hit);
    }
    if (this.closedWith) return Promise.reject(new Error(`socket already closed (${this.closedWith.code} ${this.closedWith.reason})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a message; got ${JSON.stringify(this.messages.slice(-5))}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)), reject: (e) => (clearTimeout(timer), reject(e)) });
    });
  }

  /** Subscribes and waits for the snapshot (or an error). */
  async subscribe(topic: string): Promise<Record<string, any>> {
    const answer = this.next((m) => m.topic === topic && (m.type === 'snapshot' || m.type === 'error'));
    this.send({ op: 'subscribe', topic });
    return answer;
  }

  private seq = 0;
  async command(command: string, args: unknown): Promise<Record<string, any>> {
    const id = `c${++this.seq}`;
    const p = this.next((m) => m.type === 'reply' && m.id === id);
    this.send({ op: 'command', id, command, args });
    return p;
  }

  close(): void {
    this.ws.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
