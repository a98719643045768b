import { describe, expect, it } from 'vitest';
import { ActorSystem } from '../../actors/kinds';
import type { ActorBehaviour, ReplyFn } from '../../actors/host';
import { silentLogger } from '../../core/logger';
import { createMetrics } from '../../core/metrics';
import { unwrap } from '../../core/reply';

type Msg = { type: 'add'; n: number } | { type: 'get'; reply: ReplyFn<number> } | { type: 'crash' };

/** A counter per id: enough to see kinds, spawning on first message, crash reset and stop. */
const counter = (kind: string) => (): ActorBehaviour<number, Msg> => ({
  kind,
  initialState: () => 0,
  handle: async (state, msg) => {
    switch (msg.type) {
      case 'add': return state + msg.n;
      case 'get': msg.reply({ data: state }); return state;
      case 'crash': throw new Error('boom');
    }
  },
  replyOf: (msg) => (msg.type === 'get' ? msg.reply as ReplyFn<unknown> : undefined),
});

const opts = () => ({ passivateAfterMs: 0, askTimeoutMs: 2_000, logger: silentLogger, metrics: createMetrics() });

describe('ActorSystem', () => {
  it('hosts every kind under one root, each kind once, actors of one kind apart from another', async () => {
    const system = new ActorSystem();
    const meters = system.host<number, Msg>('meter', counter('meter'), opts());
    const plants = system.host<number, Msg>('plant', counter('plant'), opts());
    expect(() => system.host<number, Msg>('meter', counter('meter'), opts())).toThrow(/hosted already/);
    meters.tell('x', { type: 'add', n: 2 });
    plants.tell('x', { type: 'add', n: 5 });
    expect(unwrap(await meters.ask<number>('x', (reply) => ({ type: 'get', reply })))).toBe(2);
    expect(unwrap(await plants.ask<number>('x', (reply) => ({ type: 'get', reply })))).toBe(5);
    // a crash resets only the crashing actor
    meters.tell('x', { type: 'crash' });
    expect(unwrap(await meters.ask<number>('x', (reply) => ({ type: 'get', reply })))).toBe(0);
    expect(unwrap(await plants.ask<number>('x', (reply) => ({ type: 'get', reply })))).toBe(5);
    expect(system.kinds()).toEqual(['meter', 'plant']);
    system.stop();
    expect(() => system.host<number, Msg>('batch', counter('batch'), opts())).toThrow(/stopped/);
  });
});

type WorkMsg = { type: 'start' } | { type: 'done' } | { type: 'get'; reply: ReplyFn<{ running: boolean; started: number }> };

describe('ActorHost: an actor with detached work out is never stopped', () => {
  it('neither the live cap nor idle passivation stops it; a second start joins the work out; once back it may go', async () => {
    let release!: () => void;
    const back = new Promise<void>((r) => { release = r; });
    const worker = (): ActorBehaviour<{ running: boolean; started: number }, WorkMsg> => ({
      kind: 'plant',
      initialState: () => ({ running: false, started: 0 }),
      holdsWork: (s) => s.running,
      handle: async (s, msg, self) => {
        switch (msg.type) {
          case 'start':
            if (s.running) return s;
            back.then(() => self({ type: 'done' }), () => undefined);
            return { running: true, started: s.started + 1 };
          case 'done': return { ...s, running: false };
          case 'get': msg.reply({ data: s }); return s;
        }
      },
      replyOf: (msg) => (msg.type === 'get' ? msg.reply as ReplyFn<unknown> : undefined),
    });
    const system = new ActorSystem();
    const host = system.host('plant', worker, { ...opts(), passivateAfterMs: 1, idleCheckEveryMs: 3_600_000, maxLive: 1 });
    const get = async (id: string) => unwrap(await host.ask<{ running: boolean; started: number }>(id, (reply) => ({ type: 'get', reply })));
    host.tell('p1', { type: 'start' });
    expect(await get('p1')).toEqual({ running: true, started: 1 });
    // the cap is 1: p2 needs room, but p1 holds work, so the cap is exceeded rather than the work lost
    expect(await get('p2')).toEqual({ running: false, started: 0 });
    expect(host.ids().sort()).toEqual(['p1', 'p2']);
    const later = Date.now() + 60_000;
    expect(host.passivateIdle(later)).toBe(1);
    expect(host.ids()).toEqual(['p1']);
    host.tell('p1', { type: 'start' });
    expect(await get('p1')).toEqual({ running: true, started: 1 });
    release();
    await expect.poll(async () => (await get('p1')).running).toBe(false);
    expect(host.passivateIdle(Date.now() + 60_000)).toBe(1);
    expect(host.ids()).toEqual([]);
    system.stop();
  });
});
