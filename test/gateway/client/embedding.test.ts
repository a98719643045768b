import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../../../adapters/solar';
import { GridtwinClient, GridtwinError, type InteractionFilters, type ListedInteraction, type MeterStateEvent } from '../../../gateway/client';
import { NatsBus } from '../../../adapters/bus';
import { NATS_URL } from '../../helpers/nats';
import { createWorld, eventually, type World } from '../../helpers/world';

let w: World;
let client: GridtwinClient;

beforeAll(async () => {
  // Simulators on (as GRIDTWIN_SIMULATORS=true): the world's simulated fleet answers the controls.
  w = await createWorld({ simulators: { enabled: true }, solar: { credentialKey: randomBytes(32).toString('base64') } });
  // Coalescing off: equal reads stay separate interactions, so paging has rows to walk.
  await w.seed({ meters: 3, orgSettings: { twin: { coalescing: false } } });
  client = new GridtwinClient(await NatsBus.connect({ servers: NATS_URL }), { prefix: w.config.prefix });
});
afterAll(async () => {
  await client?.close();
  await w?.stop();
});

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a GridtwinError'); }, (e: unknown) => e as GridtwinError);
const settled = (id: string) => eventually(async () => {
  const i = await client.getInteraction(id);
  return ['SUCCESSFUL', 'FAILED', 'ABORTED'].includes(i.status) ? i : null;
});

describe('gridtwin/client: the embedding API (issue 13)', () => {
  it('pages a meter\'s and a grid\'s interactions with the cursor: every one once, newest first, filtered', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await client.createInteraction('m0', { type: 'READ_CREDIT' })).id);
    await client.createInteraction('m1', { type: 'READ_VERSION' });
    await Promise.all(created.map(settled));
    const seen: ListedInteraction[] = [];
    let pages = 0;
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await client.listMeterInteractions('m0', { type: 'READ_CREDIT', limit: 2, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.map((i) => i.id)).toEqual([...created].reverse());
    expect(seen.every((i) => i.followUpOf === null && i.coalescedInto === null && i.status === 'SUCCESSFUL')).toBe(true);
    const all: ListedInteraction[] = [];
    for await (const i of client.pages((q: InteractionFilters) => client.listGridInteractions('g1', q), { limit: 2 })) all.push(i);
    expect(all.map((i) => i.meterId).sort()).toEqual(['m0', 'm0', 'm0', 'm0', 'm0', 'm1']);
    expect((await client.listGridInteractions('g1', { type: 'READ_VERSION', status: ['SUCCESSFUL', 'FAILED'] })).items.map((i) => i.meterId)).toEqual(['m1']);
    expect((await failure(client.listMeterInteractions('nope'))).code).toBe('NOT_FOUND');
    expect((await failure(client.listMeterInteractions('m0', { limit: 0 }))).code).toBe('VALIDATION_FAILED');
  });

  it('opens, lists and closes issues through the meter, per meter and per organization', async () => {
    const opened = await client.openIssue('m2', { type: 'NO_CREDIT', details: { by: 'billing' } });
    expect(opened).toMatchObject({ meterId: 'm2', type: 'NO_CREDIT', status: 'OPEN', changed: true });
    expect(await client.openIssue('m2', { type: 'NO_CREDIT' })).toMatchObject({ id: opened.id, changed: false });
    expect((await client.getMeter('m2')).openIssues.map((i) => i.id)).toEqual([opened.id]);
    expect((await client.listIssues({ organizationId: 'org1', status: 'OPEN' })).items.map((i) => i.id)).toEqual([opened.id]);
    expect(await client.closeIssue('m2', opened.id)).toMatchObject({ id: opened.id, status: 'CLOSED', changed: true });
    expect((await client.listMeterIssues('m2')).items).toMatchObject([{ id: opened.id, status: 'CLOSED' }]);
    expect((await failure(client.openIssue('m2', { type: 'NOT_A_TYPE' as never }))).code).toBe('VALIDATION_FAILED');
    expect((await failure(client.closeIssue('m2', 'a.b'))).code).toBe('INVALID_ID');
  });

  it('lists an organization\'s batches and commissionings, newest first', async () => {
    const batch = await client.createBatch({ type: 'READ_VERSION', meterIds: ['m0', 'm1'], organizationId: 'org1' });
    const commissioning = await client.createCommissioning('m2', [{ type: 'READ_VERSION' }]);
    expect((await client.listBatches({ organizationId: 'org1' })).items).toMatchObject([{ id: batch.id, type: 'READ_VERSION', totalCount: 2 }]);
    expect((await client.listCommissionings({ organizationId: 'org1' })).items.map((c) => c.id)).toEqual([commissioning.id]);
    expect((await client.listBatches({ organizationId: 'org-none' })).items).toEqual([]);
  });

  it('ingests uplinks by meter and by external reference; each reaches the meter once as a state event', async () => {
    const states: MeterStateEvent[] = [];
    const sub = client.onMeterState('m1', (e) => states.push(e));
    const report = { type: 'READ_REPORT' as const, result: { kwhCredit: 12.5 }, receivedAt: new Date().toISOString() };
    expect(await client.ingestUplink({ ...report, meterExternalReference: 'dev1' })).toEqual({ accepted: true, meterId: 'm1' });
    await eventually(async () => (await client.getMeter('m1')).meter.kwhCreditAvailable === 12.5);
    // A later uplink (its receivedAt is its deduplication key with the meter and type).
    const later = new Date(Date.parse(report.receivedAt) + 1000).toISOString();
    expect(await client.reportMeter('m1', { ...report, meterExternalReference: 'dev1', result: { kwhCredit: 7 }, receivedAt: later })).toEqual({ accepted: true });
    await eventually(async () => (await client.getMeter('m1')).meter.kwhCreditAvailable === 7);
    await eventually(async () => states.length >= 2);
    sub.unsubscribe();
    expect((await failure(client.ingestUplink({ ...report, meterExternalReference: 'no-such-device' }))).code).toBe('NOT_FOUND');
  });

  it('simulator controls: fail next, refuse, drop ack, set credit, flip relay, latency and failure rate, report, clear', async () => {
    // fail-next: the next command times out unapplied; the one after succeeds.
    expect((await client.simulateMeter('m0', 'fail-next', { times: 1 })).faults.failNext).toBe(1);
    const failed = await settled((await client.createInteraction('m0', { type: 'TURN_OFF' })).id);
    expect(failed.status).toBe('FAILED');
    expect(w.fleet.executedCount('m0', 'TURN_OFF')).toBe(0);
    expect((await client.simulateMeter('m0', 'set-credit', { kwh: 42 })).meter.kwhCredit).toBe(42);
    const read = await settled((await client.createInteraction('m0', { type: 'READ_CREDIT' })).id);
    expect(read).toMatchObject({ status: 'SUCCESSFUL', resultValue: { kwhCredit: 42 } });
    // refuse: commands are rejected until switched off again.
    expect((await client.simulateMeter('m0', 'refuse')).faults.refusing).toBe(true);
    expect((await settled((await client.createInteraction('m0', { type: 'READ_VERSION' })).id)).status).toBe('FAILED');
    expect((await client.simulateMeter('m0', 'refuse', { on: false })).faults.refusing).toBe(false);
    // drop-ack: applied, answer lost.
    const before = w.fleet.executedCount('m0', 'READ_POWER_LIMIT');
    await client.simulateMeter('m0', 'drop-ack');
    await settled((await client.createInteraction('m0', { type: 'READ_POWER_LIMIT' })).id);
    expect(w.fleet.executedCount('m0', 'READ_POWER_LIMIT')).toBeGreaterThan(before);
    // flip-relay changes the simulated meter, not the twin.
    const relay = w.fleet.getMeter('m0')!.isOn;
    expect((await client.simulateMeter('m0', 'flip-relay')).meter.isOn).toBe(!relay);
    const tuned = await client.simulateMeter('m0', 'latency', { ms: 30 }).then(() => client.simulateMeter('m0', 'failure-rate', { rate: 0.25 }));
    expect(tuned.faults).toMatchObject({ latencyMs: 30, failureRate: 0.25 });
    expect((await client.simulateMeter('m0', 'unreachable')).faults.unreachable).toBe(true);
    expect((await client.simulateMeter('m0', 'clear')).faults).toEqual({ failNext: 0, dropAcks: 0, refusing: false, unreachable: false, latencyMs: null, failureRate: null });
    // report: the meter sends its state; the runtime takes it as an uplink.
    await client.simulateMeter('m0', 'set-credit', { kwh: 9 });
    const sent = await client.simulateMeter('m0', 'report');
    expect(sent.report).toMatchObject({ type: 'READ_REPORT', meterExternalReference: 'S1000', result: { kwhCredit: 9 } });
    await eventually(async () => (await client.getMeter('m0')).meter.kwhCreditAvailable === 9);
  });

  it('simulator controls refuse what they cannot do, with structured errors', async () => {
    expect((await failure(client.simulateMeter('nope', 'refuse'))).code).toBe('NOT_FOUND');
    expect((await failure(client.simulateMeter('m0', 'set-credit', { kwh: -1 }))).code).toBe('VALIDATION_FAILED');
    expect((await failure(client.simulateMeter('m0', 'latency', { ms: 10, extra: 1 } as never))).code).toBe('VALIDATION_FAILED');
    expect((await failure(client.simulateMeter('a.b', 'refuse'))).code).toBe('INVALID_ID');
    expect((await failure(client.simulatePlant('nope', 'silent'))).code).toBe('NOT_FOUND');
  });
  it('simulators on in production: the simulated vendor clouds run, and a plant registered at one obeys sim.plant controls', async () => {
    const sims = w.node.solarSimulators!;
    expect(Object.keys(sims).sort()).toEqual(['DEYE', 'GOODWE', 'HUAWEI', 'SOLIS']);
    const vendorPlant = sims.SOLIS.fleet.plants[0]!;
    await client.upsertOrganization({ id: 'org-solar', name: 'Solar' });
    await client.upsertCredential({ id: 'cred-sim-solis', organizationId: 'org-solar', brand: 'SOLIS', credentials: SIMULATOR_CREDENTIALS.SOLIS, baseUrl: sims.SOLIS.baseUrl });
    await client.upsertPlant({ id: 'p-sim', organizationId: 'org-solar', credentialId: 'cred-sim-solis', vendorPlantId: vendorPlant.id, name: 'Sim plant', timezone: vendorPlant.timezone });
    expect(await client.simulatePlant('p-sim', 'silent', {})).toMatchObject({ plantId: 'p-sim', vendorPlantId: vendorPlant.id, silent: true });
    expect(sims.SOLIS.fleet.isSilent(vendorPlant.id)).toBe(true);
    expect(await client.simulatePlant('p-sim', 'silent', { on: false })).toMatchObject({ silent: false });
    const raised = await client.simulatePlant('p-sim', 'alarm-raise', { code: 'E91', severity: 'CRITICAL', message: 'from the integrator' });
    expect(raised.alarm).toMatchObject({ code: 'E91', clearedAt: null });
    await client.pollPlant('p-sim');
    const { alerts } = (await client.listAlerts('org-solar', 'NEW')) as { alerts: Array<{ plantId: string; vendorAlarmCode: string }> };
    expect(alerts.filter((a) => a.vendorAlarmCode === 'E91').map((a) => a.plantId)).toEqual(['p-sim']);
    expect((await failure(client.simulatePlant('nope', 'silent', {}))).code).toBe('NOT_FOUND');
  });
});
