import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridtwinClient, GridtwinError, type MeterInteractionEvent, type MeterStateEvent } from '../../../gateway/client';
import { NatsBus } from '../../../adapters/bus';
import { NATS_URL } from '../../helpers/nats';
import { createWorld, eventually, type World } from '../../helpers/world';

let w: World;
let client: GridtwinClient;

beforeAll(async () => {
  w = await createWorld();
  client = new GridtwinClient(await NatsBus.connect({ servers: NATS_URL }), { prefix: w.config.prefix });
});
afterAll(async () => {
  await client?.close();
  await w?.stop();
});

describe('gridtwin/client', () => {
  it('drives the registry, an interaction and its events without subject strings', async () => {
    await client.upsertOrganization({ id: 'o1', name: 'Org' });
    await client.upsertGrid({ id: 'gA', organizationId: 'o1', name: 'A' });
    await client.upsertMeter({ id: 'mA', serial: 'SA', protocol: 'CALIN_V2', gridId: 'gA', lastSeenAt: new Date().toISOString() });
    const seen: MeterInteractionEvent[] = [];
    const states: MeterStateEvent[] = [];
    client.onGridInteractions('gA', (e) => seen.push(e));
    client.onMeterState('mA', (e) => states.push(e));
    const i = await client.createInteraction('mA', { type: 'TURN_ON' });
    await eventually(async () => seen.some((e) => e.interaction.id === i.id && e.interaction.status === 'SUCCESSFUL'));
    expect(states.at(-1)?.meter.isOn).toBe(true);
    expect((await client.getMeter('mA')).meter.isOn).toBe(true);
    expect((await client.getInteraction(i.id)).status).toBe('SUCCESSFUL');
    const grid = await client.getGrid('gA');
    expect(grid.recentInteractions.map((r) => r.id)).toContain(i.id);
  });

  it('refuses ids that cannot be subject tokens before sending, and surfaces server errors typed', async () => {
    for (const bad of ['a.b', 'a*', '>', 'a b', '']) {
      const e = await client.getMeter(bad).catch((x) => x);
      expect(e).toBeInstanceOf(GridtwinError);
      expect((e as GridtwinError).code).toBe('INVALID_ID');
    }
    const missing = (await client.getMeter('nope').catch((x: unknown) => x)) as GridtwinError;
    expect(missing.code).toBe('NOT_FOUND');
    const invalid = (await client.createInteraction('mA', { type: 'TOP_UP', params: { kwh: -1 } }).catch((x: unknown) => x)) as GridtwinError;
    expect(invalid.code).toBe('VALIDATION_FAILED');
    expect(invalid.details).toEqual([{ path: 'kwh', message: expect.any(String) }]);
  });
});
