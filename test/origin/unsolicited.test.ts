import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, eventually, type World } from '../helpers/world';
import { plainClient, type Plain } from './plain';

// Seed 000 step 8: unsolicited reports run the cascade with skipWebsocketEmission (no grid event), state event still published.
let w: World;
let c: Plain;
let p: string;
const grid: Array<{ interaction: { type: string; meterId: string } }> = [];
const state: Array<{ meterId: string; meter: { kwhCreditAvailable: number } }> = [];

beforeAll(async () => {
  w = await createWorld();
  await w.seed({ meters: 2 });
  c = await plainClient();
  p = w.s.prefix;
  c.nc.subscribe(`${p}.evt.grid.g1.meter-interaction`, { callback: (_e, m) => { grid.push(m.json()); } });
  c.nc.subscribe(`${p}.evt.meter.*.state`, { callback: (_e, m) => { state.push(m.json()); } });
  await c.nc.flush();
});
afterAll(async () => {
  await c?.close();
  await w?.stop();
});

describe('unsolicited reports (plain nats.js client)', () => {
  it('a READ_REPORT (flag defaulting to true) emits no grid event but a state event; with false, a grid event too', async () => {
    const body = { type: 'READ_REPORT', meterExternalReference: 'dev0', result: { kwhCredit: 3.5, isOn: true }, receivedAt: '2026-12-02T05:00:00.000Z' };
    expect(await c.data(`${p}.meter.m0.report`, body)).toEqual({ accepted: true });
    await eventually(async () => state.find((s) => s.meterId === 'm0' && s.meter.kwhCreditAvailable === 3.5));
    const ingested = await c.data<{ meterId: string }>(`${p}.uplinks.ingest`, { ...body, meterExternalReference: 'dev1', receivedAt: '2026-12-02T05:01:00.000Z', skipWebsocketEmission: false });
    expect(ingested.meterId).toBe('m1');
    await eventually(async () => grid.find((g) => g.interaction.meterId === 'm1' && g.interaction.type === 'READ_REPORT'));
    // The later report's grid event has arrived, so the earlier one's would have too: there is none.
    expect(grid.filter((g) => g.interaction.meterId === 'm0')).toEqual([]);
    expect((await c.raw(`${p}.uplinks.ingest`, { ...body, meterExternalReference: 'nobody' })).body.error?.code).toBe('NOT_FOUND');
  });
});
