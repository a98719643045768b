import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridtwinClient, GridtwinError } from '../../../gateway/client';
import { NatsBus } from '../../../adapters/bus';
import { loadConfig } from '../../../core/config';
import { NATS_URL } from '../../helpers/nats';
import { createWorld, type World } from '../../helpers/world';

describe('fleet-wide simulator settings (environment)', () => {
  it('GRIDTWIN_SIM_LATENCY_MS and GRIDTWIN_SIM_FAILURE_RATE set the simulated fleet; a bad value names its variable', () => {
    const c = loadConfig({ GRIDTWIN_SIM_LATENCY_MS: '250', GRIDTWIN_SIM_FAILURE_RATE: '0.2' });
    expect([c.drivers.simulatedLatencyMs, c.drivers.simulatedFailureRate]).toEqual([250, 0.2]);
    expect([loadConfig({}).drivers.simulatedLatencyMs, loadConfig({}).drivers.simulatedFailureRate]).toEqual([0, 0]);
    for (const [name, value] of [['GRIDTWIN_SIM_FAILURE_RATE', '1.5'], ['GRIDTWIN_SIM_LATENCY_MS', '-1'], ['GRIDTWIN_SIM_LATENCY_MS', 'soon']]) {
      const e = (() => { try { loadConfig({ [name!]: value }); } catch (x) { return x as GridtwinError; } return null; })();
      expect(e?.code, `${name}=${value}`).toBe('VALIDATION_FAILED');
      expect(e?.message).toContain(`${name} = "${value}"`);
    }
  });
});

describe('simulator controls on a node with simulators off', () => {
  let w: World;
  let client: GridtwinClient;
  beforeAll(async () => {
    w = await createWorld();
    await w.seed({ meters: 1 });
    client = new GridtwinClient(await NatsBus.connect({ servers: NATS_URL }), { prefix: w.config.prefix });
  });
  afterAll(async () => {
    await client?.close();
    await w?.stop();
  });

  it('answers UNAVAILABLE "simulators are off" (not "no responders"), and NOT_FOUND for an unknown meter', async () => {
    for (const action of ['fail-next', 'refuse', 'set-credit', 'report'] as const) {
      const e = (await client.simulateMeter('m0', action, (action === 'set-credit' ? { kwh: 1 } : {}) as never).catch((x: unknown) => x)) as GridtwinError;
      expect(e.code, action).toBe('UNAVAILABLE');
      expect(e.message).toMatch(/simulators are off/);
    }
    expect(((await client.simulateMeter('nope', 'refuse').catch((x: unknown) => x)) as GridtwinError).code).toBe('NOT_FOUND');
    expect(w.fleet.faults('m0')).toMatchObject({ refusing: false, failNext: 0 });
  });
});
