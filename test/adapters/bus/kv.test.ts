import { Kvm } from '@nats-io/kv';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBus, NatsBus, isNoResponders, type Bus, type KvEntry } from '../../../adapters/bus';
import { NATS_URL, testPrefix } from '../../helpers/nats';

/** What the cluster's leases rely on, run against both buses: compare-and-set, replayed watch, headers, no responders. */
const worlds: Array<{ name: string; open(): Promise<{ bus: Bus; bucket: string; close(): Promise<void> }> }> = [
  { name: 'LocalBus', open: async () => ({ bus: new LocalBus(), bucket: testPrefix('kv'), close: async () => undefined }) },
  {
    name: 'NatsBus',
    open: async () => {
      const bus = await NatsBus.connect({ servers: NATS_URL });
      const bucket = testPrefix('kv');
      return {
        bus, bucket,
        close: async () => {
          // the header test opens no bucket
          await (await new Kvm(bus.nc).open(bucket)).destroy().catch((e: Error) => expect(e.name).toBe('StreamNotFoundError'));
          await bus.close();
        },
      };
    },
  },
];

const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(f()).toBe(true);
};

describe.each(worlds)('$name', (world) => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('a KV bucket: create only when absent, update only at the expected revision', async () => {
    const w = await world.open();
    closers.push(w.close);
    const kv = await w.bus.kv(w.bucket);
    const r1 = await kv.create('lease.1', { owner: 'a' });
    await expect(kv.create('lease.1', { owner: 'b' })).rejects.toBeTruthy();
    const r2 = await kv.update('lease.1', { owner: 'a', renewed: true }, r1);
    expect(r2).toBeGreaterThan(r1);
    await expect(kv.update('lease.1', { owner: 'b' }, r1)).rejects.toBeTruthy();
    const e = await kv.get('lease.1');
    expect(e).toMatchObject({ key: 'lease.1', revision: r2, operation: 'PUT' });
    expect(e!.json()).toEqual({ owner: 'a', renewed: true });
    expect(await kv.get('nothing')).toBeNull();
    await kv.delete('lease.1');
    expect((await kv.get('lease.1'))?.operation ?? 'DEL').not.toBe('PUT');
    // a deleted key may be created again
    expect(await kv.create('lease.1', { owner: 'b' })).toBeGreaterThan(r2);
  });

  it('a watch replays every current value (delta down to 0), then follows each change in order', async () => {
    const w = await world.open();
    closers.push(w.close);
    const kv = await w.bus.kv(w.bucket);
    await kv.put('meta', { partitions: 4 });
    await kv.put('member.a', { seen: 1 });
    const seen: KvEntry[] = [];
    const watch = await kv.watch((e) => seen.push(e));
    await until(() => seen.length === 2);
    expect(seen.map((e) => [e.key, e.delta])).toEqual([['meta', 1], ['member.a', 0]]);
    await kv.put('member.a', { seen: 2 });
    await kv.delete('meta');
    await until(() => seen.length === 4);
    expect(seen.slice(2).map((e) => [e.key, e.operation])).toEqual([['member.a', 'PUT'], ['meta', 'DEL']]);
    expect(seen[2]!.json()).toEqual({ seen: 2 });
    watch.stop();
    // a second watch sees member.b arrive; the stopped one never does
    const probe: string[] = [];
    const second = await kv.watch((e) => probe.push(e.key));
    await kv.put('member.b', {});
    await until(() => probe.includes('member.b'));
    second.stop();
    expect(seen).toHaveLength(4);
  });

  it('request headers reach the responder; a subject nobody serves is refused as no responders', async () => {
    const w = await world.open();
    closers.push(w.close);
    const subject = `${w.bucket}.echo`;
    const sub = w.bus.subscribe(subject, (m) => m.respond({ hops: m.header?.('Gridtwin-Hops') ?? null, body: m.json() }));
    await w.bus.flush();
    expect(await w.bus.request(subject, { x: 1 }, { headers: { 'Gridtwin-Hops': '2' } })).toEqual({ hops: '2', body: { x: 1 } });
    expect(await w.bus.request(subject, { x: 2 })).toEqual({ hops: null, body: { x: 2 } });
    sub.unsubscribe();
    const refused = await w.bus.request(`${w.bucket}.nobody`, {}, { timeoutMs: 2_000 }).then(() => null, (e: unknown) => e);
    expect(isNoResponders(refused)).toBe(true);
    const timedOut = w.bus.subscribe(`${w.bucket}.silent`, () => undefined);
    await w.bus.flush();
    const late = await w.bus.request(`${w.bucket}.silent`, {}, { timeoutMs: 100 }).then(() => null, (e: unknown) => e);
    expect(late).toMatchObject({ code: 'TIMEOUT' });
    expect(isNoResponders(late)).toBe(false);
    timedOut.unsubscribe();
  });
});
