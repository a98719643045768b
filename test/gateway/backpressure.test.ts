import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, sleep, startWorld, token, until, type TestWorld } from './helpers';

const LIMIT = 64 * 1024;
const GRACE_MS = 1500;
let w: TestWorld;
/** A gateway whose grace period no flood outlasts, even on a loaded machine: slow readers are never closed there. */
let patient: TestWorld;
let tk: string;
beforeAll(async () => {
  w = await startWorld({ maxBackpressureBytes: LIMIT }, { backpressureGraceMs: GRACE_MS });
  patient = await startWorld({ maxBackpressureBytes: LIMIT }, { backpressureGraceMs: 600_000 });
  tk = await token();
});
afterAll(async () => {
  await w.close();
  await patient.close();
});

const droppedIn = async (world: TestWorld, reason: string) =>
  (await world.metrics.wsDropped.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
const rawSocket = (c: Client) => (c.ws as unknown as { _socket: Socket })._socket;
const PAD = 'x'.repeat(8 * 1024);

/** Floods meter m1 (state) and grid g1 (events) until the gateway has coalesced at least `n` values. */
async function floodUntilCoalesced(world: TestWorld, n: number): Promise<number> {
  let credit = 0;
  for (let round = 0; round < 400 && (await droppedIn(world, 'coalesced')) < n; round++) {
    for (let i = 0; i < 50; i++) {
      world.runtime.publishMeterState('m1', { kwhCreditAvailable: ++credit, notes: PAD } as never);
      world.bus.publish(world.runtime.s.evtGridMeterInteraction('g1'), { id: `e${credit}`, event: 'meter-interaction', operation: 'UPDATE', interaction: { id: `i${credit}`, pad: PAD } });
    }
    await sleep(2);
  }
  return credit;
}

describe('backpressure', () => {
  it('a slow reader gets only the newest state per entity after it drains, then live events again', async () => {
    const c = await Client.connect(patient.wsUrl, { token: tk });
    const fast = await Client.connect(patient.wsUrl, { token: tk });
    const snap = await c.subscribe('meter/m1');
    await c.subscribe('grid/g1');
    await fast.subscribe('meter/m1');
    const coalescedBefore = await droppedIn(patient, 'coalesced');
    const droppedBefore = await droppedIn(patient, 'backpressure');

    rawSocket(c).pause();
    const last = await floodUntilCoalesced(patient, coalescedBefore + 20);
    expect(await droppedIn(patient, 'coalesced')).toBeGreaterThanOrEqual(coalescedBefore + 20);
    expect(await droppedIn(patient, 'backpressure')).toBeGreaterThan(droppedBefore); // grid events are not coalesced
    // The fast client on the same topic got every value, in order.
    await until(() => fast.messages.filter((m) => m.type === 'event').length === last, 30_000, 'fast client complete');
    const fastSeqs = fast.messages.filter((m) => m.type === 'event').map((m) => m.seq);
    expect(fastSeqs).toEqual(Array.from({ length: last }, (_, i) => snap.seq + 1 + i));

    rawSocket(c).resume();
    const newest = await c.next((m) => m.topic === 'meter/m1' && m.data?.meter?.kwhCreditAvailable === last, 30_000, true);
    expect(newest.coalesced).toBeGreaterThan(0);
    expect(newest.seq).toBe(snap.seq + last);
    const meterEvents = c.messages.filter((m) => m.topic === 'meter/m1' && m.type === 'event');
    expect(meterEvents.length).toBeLessThan(last); // older values were replaced, not queued
    expect(meterEvents.map((m) => m.seq)).toEqual([...meterEvents.map((m) => m.seq)].sort((a, b) => a - b));
    // Grid events lost under backpressure show up as a seq gap the client can detect.
    const gridSeqs = c.messages.filter((m) => m.topic === 'grid/g1' && m.type === 'event').map((m) => m.seq);
    expect(gridSeqs.length).toBeLessThan(last);

    // Back to normal: a new value arrives live, with the next seq.
    const live = c.next((m) => m.topic === 'meter/m1' && m.seq === snap.seq + last + 1, 30_000);
    patient.runtime.publishMeterState('m1', { kwhCreditAvailable: -1 });
    expect((await live).data.meter.kwhCreditAvailable).toBe(-1);
    expect((await live).coalesced).toBeUndefined();
    c.close();
    fast.close();
  });

  it('a reader that stays over the limit past the grace period is closed with 4008', async () => {
    const c = await Client.connect(w.wsUrl, { token: tk });
    await c.subscribe('meter/m2');
    await c.subscribe('meter/m1');
    const closedBefore = await droppedIn(w, 'closed_slow');
    rawSocket(c).pause();
    await floodUntilCoalesced(w, (await droppedIn(w, 'coalesced')) + 5);
    const slowSince = Date.now();
    await until(() => w.gateway.clientCount() === 0, 60_000, 'the gateway closed the slow client');
    expect(Date.now() - slowSince).toBeGreaterThan(GRACE_MS - 500);
    expect(await droppedIn(w, 'closed_slow')).toBe(closedBefore + 1);
    rawSocket(c).resume();
    expect(await c.closed).toEqual({ code: 4008, reason: 'backpressure: client too slow' });
  });
});
