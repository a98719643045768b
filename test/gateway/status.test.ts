import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startWorld, token, type TestWorld } from './helpers';

let w: TestWorld;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

describe('bus down', () => {
  it('tells every client, answers commands and subscribes with UNAVAILABLE, recovers when the bus returns', async () => {
    const tk = await token();
    const a = await Client.connect(w.wsUrl, { token: tk });
    const b = await Client.connect(w.wsUrl, { token: tk });
    await a.subscribe('meter/m1');
    const down = Promise.all([a, b].map((c) => c.next((m) => m.type === 'status' && m.nats === 'disconnected')));
    w.bus.setStatus('disconnected');
    w.bus.setStatus('reconnecting'); // same state for clients: not repeated
    expect(await down).toEqual([{ type: 'status', nats: 'disconnected' }, { type: 'status', nats: 'disconnected' }]);

    expect((await a.command('getMeter', { meterId: 'm1' })).error).toEqual({ code: 'UNAVAILABLE', message: 'the message bus is disconnected' });
    expect(await b.subscribe('meter/m2')).toMatchObject({ type: 'error', code: 'UNAVAILABLE', topic: 'meter/m2' });
    const res = await fetch(`${w.gateway.url}/api/meters/m1`, { headers: { authorization: `Bearer ${tk}` } });
    expect(res.status).toBe(503);

    const up = a.next((m) => m.type === 'status' && m.nats === 'connected');
    w.bus.setStatus('connected');
    expect(await up).toEqual({ type: 'status', nats: 'connected' });
    expect(a.messages.filter((m) => m.type === 'status').map((m) => m.nats)).toEqual(['connected', 'disconnected', 'connected']);
    expect((await b.subscribe('meter/m2')).type).toBe('snapshot');
    // A client connecting while the bus is down is told so first.
    w.bus.setStatus('disconnected');
    const c = await Client.connect(w.wsUrl, { token: tk });
    expect(await c.next((m) => m.type === 'status', 2000, true)).toEqual({ type: 'status', nats: 'disconnected' });
    w.bus.setStatus('connected');
    for (const x of [a, b, c]) x.close();
  });
});
