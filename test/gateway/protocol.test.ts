import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startWorld, token, until, type TestWorld } from './helpers';

let w: TestWorld;
let tk: string;
beforeAll(async () => {
  w = await startWorld({ maxPayloadBytes: 4096, maxTopicsPerSocket: 5 }, { subscribeBurst: 20, subscribePerSec: 1 });
  tk = await token();
});
afterAll(() => w.close());

describe('WS protocol', () => {
  it('greets with the bus status, answers ping, then snapshot + live events in seq order', async () => {
    const c = await Client.connect(w.wsUrl, { token: tk });
    expect(await c.next((m) => m.type === 'status', 2000, true)).toEqual({ type: 'status', nats: 'connected' });
    c.send({ op: 'ping', id: 7 });
    expect(await c.next((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 7 });

    const snap = await c.subscribe('meter/m1');
    expect(snap).toMatchObject({ type: 'snapshot', topic: 'meter/m1', data: { meter: { id: 'm1', isOn: true, kwhCreditAvailable: 12.5 } } });
    const base = snap.seq as number;
    expect(Number.isInteger(base)).toBe(true);

    const events = Promise.all([1, 2, 3].map((n) => c.next((m) => m.type === 'event' && m.seq === base + n)));
    w.runtime.publishMeterState('m1', { kwhCreditAvailable: 11 });
    w.runtime.publishMeterState('m1', { kwhCreditAvailable: 10 });
    w.runtime.publishMeterState('m1', { isOn: false });
    const [e1, e2, e3] = await events;
    expect(e1!.data.meter.kwhCreditAvailable).toBe(11);
    expect(e2!.data.meter.kwhCreditAvailable).toBe(10);
    expect(e3!.data.meter.isOn).toBe(false);
    expect(e3).toMatchObject({ type: 'event', topic: 'meter/m1', seq: base + 3 });
    c.close();
  });

  it('grid topic: snapshot from grid.get, seed-shaped meter-interaction events after a command', async () => {
    const c = await Client.connect(w.wsUrl, { token: tk });
    const snap = await c.subscribe('grid/g1');
    expect(snap.data.grid).toEqual({ id: 'g1', name: 'Grid One', organizationId: 'org-a' });
    expect(snap.data.meters.map((m: { id: string }) => m.id).sort()).toEqual(['m1', 'm2']);

    const done = c.next((m) => m.type === 'event' && m.topic === 'grid/g1' && m.data.interaction.status === 'SUCCESSFUL');
    const reply = await c.command('createInteraction', { meterId: 'm2', type: 'TURN_OFF' });
    expect(reply.data.interaction).toMatchObject({ meterId: 'm2', type: 'TURN_OFF', status: 'QUEUED' });
    const ev = await done;
    expect(ev.data).toMatchObject({ event: 'meter-interaction', operation: 'UPDATE', interaction: { id: reply.data.interaction.id, status: 'SUCCESSFUL' } });
    const seqs = c.messages.filter((m) => m.topic === 'grid/g1').map((m) => m.seq);
    expect(seqs).toEqual([snap.seq, snap.seq + 1, snap.seq + 2]);
    c.close();
  });

  it('seq is per topic: a gap is detectable and a resubscribe gives a fresh snapshot continuing the numbering', async () => {
    const c = await Client.connect(w.wsUrl, { token: tk });
    const s1 = await c.subscribe('meter/m3');
    const other = await c.subscribe('plant/p1');
    w.runtime.publishMeterState('m3', { kwhCreditAvailable: 1 });
    await c.next((m) => m.topic === 'meter/m3' && m.type === 'event');
    // Another socket's subscription to the same topic sees the same numbering.
    const d = await Client.connect(w.wsUrl, { token: tk });
    const s2 = await d.subscribe('meter/m3');
    expect(s2.seq).toBe(s1.seq + 1);
    // A client that missed seq s1+2 (we drop it on purpose client-side) resubscribes.
    w.runtime.publishMeterState('m3', { kwhCreditAvailable: 2 });
    w.runtime.publishMeterState('m3', { kwhCreditAvailable: 3 });
    const last = await c.next((m) => m.topic === 'meter/m3' && m.seq === s1.seq + 3);
    const seen = c.messages.filter((m) => m.topic === 'meter/m3' && m.type === 'event' && m.seq !== s1.seq + 2).map((m) => m.seq);
    const gaps = seen.filter((s, i) => i > 0 && s !== seen[i - 1]! + 1);
    expect(gaps).toEqual([last.seq]);
    const fresh = await c.subscribe('meter/m3');
    expect(fresh).toMatchObject({ type: 'snapshot', seq: s1.seq + 3, data: { meter: { kwhCreditAvailable: 3 } } });
    expect(other.seq).toBeTypeOf('number');
    c.close();
    d.close();
  });

  it('commands: validation, unknown command, not found, getMeter, pollPlant, listAlerts, ackAlert twice', async () => {
    const c = await Client.connect(w.wsUrl, { token: tk });
    expect((await c.command('createInteraction', { meterId: 'm1', type: 'EXPLODE' })).error.code).toBe('VALIDATION_FAILED');
    expect((await c.command('createInteraction', { meterId: 'm.1', type: 'TURN_ON' })).error.code).toBe('VALIDATION_FAILED');
    expect((await c.command('selfDestruct', {})).error).toEqual({ code: 'BAD_REQUEST', message: 'unknown command: selfDestruct' });
    expect((await c.command('getMeter', { meterId: 'nope' })).error.code).toBe('NOT_FOUND');
    expect((await c.command('getMeter', { meterId: 'm1' })).data.meter.id).toBe('m1');
    expect((await c.command('pollPlant', { plantId: 'p1' })).data).toMatchObject({ plantId: 'p1', status: 'GREEN' });
    expect((await c.command('listAlerts', {})).data.alerts.map((a: { id: string }) => a.id)).toEqual(['a1']);
    expect((await c.command('ackAlert', { alertId: 'a1' })).data.alert.state).toBe('ACKED');
    expect((await c.command('ackAlert', { alertId: 'a1' })).error.code).toBe('INVALID_STATE');
    c.close();
  });

  it('garbage frames, unknown ops, binary and unknown topics get structured errors; the socket stays open', async () => {
    const c = await Client.connect(w.wsUrl, { token: tk });
    c.send('{not json');
    expect(await c.next((m) => m.type === 'error')).toEqual({ type: 'error', code: 'BAD_REQUEST', message: 'malformed JSON' });
    c.send({ op: 'dance', id: 'x1' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_REQUEST', message: 'unknown op: dance', id: 'x1' });
    c.send('42');
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_REQUEST', message: 'invalid message' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/binary/) });
    c.send({ op: 'subscribe', topic: 'meter/a.b' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_REQUEST', topic: 'meter/a.b' });
    c.send({ op: 'subscribe', topic: 'weather/today' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_REQUEST', topic: 'weather/today' });
    c.send({ op: 'unsubscribe', topic: 'meter/m1' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'NOT_FOUND', topic: 'meter/m1' });
    // still alive and useful
    expect((await c.subscribe('meter/m1')).type).toBe('snapshot');
    c.close();
  });

  it('an oversized frame makes uWS drop the connection (1006 at the client); the gateway keeps serving', async () => {
    const c = await Client.connect(w.wsUrl, { token: tk });
    c.send({ op: 'ping', pad: 'x'.repeat(5000) });
    expect((await c.closed).code).toBe(1006);
    const d = await Client.connect(w.wsUrl, { token: tk });
    expect((await d.subscribe('meter/m1')).type).toBe('snapshot');
    d.close();
  });

  it('limits topics per socket and subscribe storms', async () => {
    const c = await Client.connect(w.wsUrl, { token: tk });
    for (const t of ['meter/m1', 'meter/m2', 'meter/m3', 'grid/g1', 'grid/g2']) expect((await c.subscribe(t)).type).toBe('snapshot');
    const over = await c.subscribe('plant/p1');
    expect(over).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', message: 'at most 5 topics per socket' });
    // 20-token burst (6 spent above), refilled at 1/s: a storm of 40 resubscribes is cut short.
    const from = c.messages.length;
    for (let i = 0; i < 40; i++) c.send({ op: 'subscribe', topic: 'meter/m1' });
    const answers = () => c.messages.slice(from).filter((m) => m.topic === 'meter/m1' && (m.type === 'snapshot' || m.type === 'error'));
    await until(() => answers().length === 40, 3000, '40 answers');
    const limited = answers().filter((m) => m.code === 'RATE_LIMIT_EXCEEDED').length;
    expect(limited).toBeGreaterThanOrEqual(20);
    expect(limited).toBeLessThanOrEqual(26);
    expect(answers().filter((m) => m.type === 'snapshot').length).toBe(40 - limited);
    c.close();
  });
});
