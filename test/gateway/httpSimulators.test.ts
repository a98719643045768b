import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgToken, startDemoNode, type DemoNode } from './demoNode';

let d: DemoNode;
let orgOperator: Record<string, string>;
let viewer: Record<string, string>;
beforeAll(async () => {
  d = await startDemoNode();
  orgOperator = { authorization: `Bearer ${await orgToken('demo-esco', { role: 'operator' })}` };
  viewer = { authorization: `Bearer ${await orgToken('demo-esco')}` };
}, 120_000);
afterAll(() => d?.stop());

type Alert = { vendorAlarmCode: string | null; state: string; message: string };
const alertsOf = async (plantId: string): Promise<Alert[]> => (await d.call('GET', `/api/alerts?organizationId=demo-esco&plantId=${plantId}&limit=100`)).body.data.alerts;

describe('simulator controls over HTTP (standalone demo node)', () => {
  it('a raised alarm reaches the plant\'s alerts on the next poll and resolves once cleared; silence is reported back', async () => {
    const raised = await d.call('POST', '/api/sim/plants/plant-solis-1/alarm-raise', { code: 'E77', severity: 'CRITICAL', message: 'Test alarm from the integrator' });
    expect(raised.status).toBe(200);
    expect(raised.body.data).toMatchObject({ plantId: 'plant-solis-1', silent: false, alarm: { code: 'E77', clearedAt: null } });
    expect((await d.call('POST', '/api/plants/plant-solis-1/poll', {})).status).toBe(200);
    expect((await alertsOf('plant-solis-1')).filter((a) => a.vendorAlarmCode === 'E77').map((a) => a.state)).toEqual(['NEW']);
    const cleared = await d.call('POST', '/api/sim/plants/plant-solis-1/alarm-clear', { alarmId: raised.body.data.alarm.id });
    expect(cleared.body.data.alarm.clearedAt).not.toBeNull();
    await d.call('POST', '/api/plants/plant-solis-1/poll', {});
    expect((await alertsOf('plant-solis-1')).filter((a) => a.vendorAlarmCode === 'E77').map((a) => a.state)).toEqual(['RESOLVED']);
    expect((await d.call('POST', '/api/sim/plants/plant-solis-1/alarm-clear', { alarmId: 'never-raised' })).status).toBe(404);
    expect((await d.call('POST', '/api/sim/plants/plant-solis-1/silent', {})).body.data.silent).toBe(true);
    expect((await d.call('POST', '/api/sim/plants/plant-solis-1/silent', { on: false })).body.data.silent).toBe(false);
  });

  it('meter controls reach the simulated fleet; a meter served by another simulator is UNAVAILABLE; bodies are checked', async () => {
    const before = d.node.simulatedFleet!.getMeter('mtr-l1')?.isOn;
    const flipped = await d.call('POST', '/api/sim/meters/mtr-l1/flip-relay', {});
    expect(flipped.status).toBe(200);
    if (before !== undefined) expect(flipped.body.data.meter.isOn).toBe(!before);
    expect((await d.call('POST', '/api/sim/meters/mtr-l1/latency', { ms: 20 })).body.data.faults.latencyMs).toBe(20);
    expect((await d.call('POST', '/api/sim/meters/mtr-l1/clear', {})).body.data.faults.latencyMs).toBeNull();
    // Emlite meters are behind the simulated mediator, not the fleet.
    const emlite = await d.call('POST', '/api/sim/meters/mtr-e1/refuse', {});
    expect(emlite.status).toBe(503);
    expect(emlite.body.error).toMatchObject({ code: 'UNAVAILABLE', details: { protocol: 'EMLITE' } });
    expect((await d.call('POST', '/api/sim/meters/mtr-l1/failure-rate', { rate: 2 })).status).toBe(400);
    expect((await d.call('POST', '/api/sim/meters/nope/refuse', {})).status).toBe(404);
    expect((await d.call('POST', '/api/sim/meters/mtr-l1/refuse', {}, viewer)).status).toBe(403);
  });

  it('uplinks: per meter for an organization\'s operator, by external reference for fleet-wide callers only', async () => {
    const report = { type: 'READ_REPORT', meterExternalReference: '70b3d50000000001', result: { kwhCredit: 3 }, receivedAt: new Date().toISOString() };
    expect((await d.call('POST', '/api/meters/mtr-l1/report', report, orgOperator)).body.data).toEqual({ accepted: true });
    const refused = await d.call('POST', '/api/uplinks', report, orgOperator);
    expect(refused.status).toBe(403);
    const later = { ...report, receivedAt: new Date(Date.now() + 1000).toISOString() };
    expect((await d.call('POST', '/api/uplinks', later)).body.data).toEqual({ accepted: true, meterId: 'mtr-l1' });
    expect((await d.call('POST', '/api/uplinks', { ...later, meterExternalReference: 'unknown-dev' })).status).toBe(404);
  });
});
