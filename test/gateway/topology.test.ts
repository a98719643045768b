import { describe, expect, it } from 'vitest';
import { LocalBus, type Bus } from '../../adapters/bus';
import { parseConfig } from '../../core/config';
import { silentLogger } from '../../core/logger';
import { SOLE } from '../../core/scheduler';
import { subjects as makeSubjects } from '../../core/subjects';
import { clusterTopology, standaloneTopology } from '../../gateway/cluster';

/** The pieces a node is assembled with: what a standalone node gets, and what a cluster refuses or provides. */
describe('Topology', () => {
  it('standalone: plain connections, uplinks to the local actor, every id owned, ready', async () => {
    expect(standaloneTopology.sessionSettings).toBeUndefined();
    expect(standaloneTopology.deliverReport).toBeUndefined();
    expect(standaloneTopology.ignore).toBeUndefined();
    const meters = { ask: async () => ({ data: null }) };
    const joined = await standaloneTopology.join({ runtime: { meters } } as never);
    expect(joined.placement).toBe(SOLE);
    expect(joined.meters).toBe(meters);
    expect(joined.routing).toBeUndefined();
    expect(joined.ready()).toBe(true);
  });

  it('a cluster needs NATS: the in-process bus is refused with the reason', () => {
    const config = parseConfig({ nodeId: 'n1', cluster: { enabled: true } });
    expect(() => clusterTopology({ config, bus: new LocalBus(), subjects: makeSubjects('gt'), logger: silentLogger }))
      .toThrow(/needs NATS/);
  });

  it('a cluster node: fenced connections, cluster subjects left to the cluster, uplinks sent to the owner', async () => {
    const config = parseConfig({ nodeId: 'n1', cluster: { enabled: true, partitions: 64 } });
    const s = makeSubjects('gt');
    // the in-process bus standing in for NATS
    const bus: Bus = Object.assign(Object.create(new LocalBus()) as Bus, { kind: 'nats' as const });
    const sent = new Promise<{ subject: string; payload: unknown }>((resolve) => {
      bus.subscribe(s.meterReport('m1'), (m) => {
        resolve({ subject: m.subject, payload: m.json() });
        m.respond({ data: { accepted: true } });
      });
    });
    const t = clusterTopology({ config, bus, subjects: s, logger: silentLogger });
    expect(t.sessionSettings).toEqual({ 'gridtwin.node': 'n1', 'gridtwin.partitions': '64' });
    expect(t.ignore!(s.clusterStatus())).toBe(true);
    expect(t.ignore!(s.meterReport('m1'))).toBe(false);
    t.deliverReport!('m1', { type: 'READ_REPORT' } as never);
    expect(await sent).toEqual({ subject: s.meterReport('m1'), payload: { type: 'READ_REPORT' } });
  });

  it('an uplink the owner refuses ({error} reply) is logged as refused, not dropped silently', async () => {
    const config = parseConfig({ nodeId: 'n1', cluster: { enabled: true, partitions: 64 } });
    const s = makeSubjects('gt');
    const bus: Bus = Object.assign(Object.create(new LocalBus()) as Bus, { kind: 'nats' as const });
    bus.subscribe(s.meterReport('m1'), (m) => m.respond({ error: { code: 'UNAVAILABLE', message: 'database unavailable' } }));
    const warned = new Promise<Record<string, unknown>>((resolve) => {
      const logger = { ...silentLogger, warn: (o: Record<string, unknown>, msg: string) => resolve({ ...o, msg }) } as typeof silentLogger;
      clusterTopology({ config, bus, subjects: s, logger }).deliverReport!('m1', { type: 'READ_REPORT' } as never);
    });
    expect(await warned).toEqual({ meterId: 'm1', code: 'UNAVAILABLE', err: 'database unavailable', msg: 'the owner refused an unsolicited report' });
  });
});
