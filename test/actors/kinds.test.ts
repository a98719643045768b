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
