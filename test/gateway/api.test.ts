import { validate as validateOpenApi, compileErrors } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../gateway/http/api';
import { eventually } from '../helpers/world';
import { orgToken, startDemoNode, type DemoNode } from './demoNode';

let d: DemoNode;
let other: Record<string, string>;
let own: Record<string, string>;
let viewer: Record<string, string>;
let operator: Record<string, string>;
beforeAll(async () => {
  d = await startDemoNode();
  other = { authorization: `Bearer ${await orgToken('org-other', { role: 'admin' })}` };
  own = { authorization: `Bearer ${await orgToken('demo-esco', { role: 'operator' })}` };
  viewer = { authorization: `Bearer ${await orgToken('demo-esco')}` };
  operator = own;
}, 120_000);
afterAll(() => d?.stop());

describe('HTTP API = NATS API', () => {
  it('serves an OpenAPI 3.1 document that a third-party validator accepts and that lists every route', async () => {
    const r = await d.call('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const result = await validateOpenApi(structuredClone(r.body));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    const listed = Object.entries(r.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(listed.sort()).toEqual(API_ROUTES.map((x) => `${x.method} ${x.path}`).sort());
    // A list's filters are its query parameters, from the same schema the NATS subject validates with.
    const params = (r.body.paths['/api/meters'].get.parameters as Array<{ name: string }>).map((p) => p.name).sort();
    expect(params).toEqual(['cursor', 'esco', 'gridId', 'health', 'limit', 'organizationId', 'protocol']);
  });

  it('pages meters with a cursor: every meter once, in id order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await d.call('GET', `/api/meters?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.data.items.map((m: { id: string }) => m.id));
      cursor = r.body.data.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(16); // 12 simulated + 4 Emlite demo meters
    expect(pages).toBe(4);
    const emlite = await d.call('GET', '/api/meters?protocol=EMLITE');
    expect(emlite.body.data.items.map((m: { id: string }) => m.id)).toEqual(['mtr-e1', 'mtr-e2', 'mtr-e3', 'mtr-e4']);
  });

  it('refuses filters it does not support, repeated parameters and bad values with a structured 400', async () => {
    const r = await d.call('GET', '/api/meters?colour=red');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: '' }] });
    expect(r.body.error.details[0].message).toMatch(/colour/);
    expect((await d.call('GET', '/api/meters?limit=1&limit=2')).body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'limit' }] });
    expect((await d.call('GET', '/api/meters?limit=0')).status).toBe(400);
    expect((await d.call('GET', '/api/alerts?organizationId=demo-esco&sort=asc')).status).toBe(400);
    expect((await d.call('PATCH', '/api/meters/mtr-n1/desired', { relay: 'dim' })).status).toBe(400);
  });

  it('GET /api/alerts applies state, plantId, limit and by', async () => {
    const polled = await d.call('POST', '/api/plants/plant-solis-3/poll', {});
    expect(polled.status).toBe(200);
    const all = await d.call('GET', '/api/alerts?organizationId=demo-esco');
    expect(all.status).toBe(200);
    const alerts = all.body.data.alerts as Array<{ id: string; plantId: string; state: string }>;
    expect(alerts.length).toBeGreaterThan(0);
    const target = alerts[0]!;
    expect((await d.call('POST', `/api/alerts/${target.id}/ack`, {}, own)).status).toBe(200);
    const acked = await d.call('GET', `/api/alerts?state=ACKED&plantId=${target.plantId}&by=user-of-demo-esco&limit=1`, undefined, own);
    expect(acked.body.data.alerts.map((a: { id: string }) => a.id)).toEqual([target.id]);
    expect((await d.call('GET', '/api/alerts?organizationId=demo-esco&by=nobody')).body.data.alerts).toEqual([]);
    expect((await d.call('GET', '/api/alerts?organizationId=demo-esco&state=NEW')).body.data.alerts.every((a: { state: string }) => a.state === 'NEW')).toBe(true);
  });

  it('commands: create, look up, abort, desired state, commissioning, batch', async () => {
    const created = await d.call('POST', '/api/meters/mtr-n2/interactions', { type: 'READ_CREDIT' }, { 'idempotency-key': 'k-1' });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    expect((await d.call('GET', `/api/interactions/${id}`)).body.data).toMatchObject({ id, meterId: 'mtr-n2', type: 'READ_CREDIT', idempotencyKey: 'k-1' });
    const again = await d.call('POST', '/api/meters/mtr-n2/interactions', { type: 'READ_CREDIT' }, { 'idempotency-key': 'k-1' });
    expect(again.body.data.id).toBe(id);
    const aborted = await d.call('POST', `/api/interactions/${id}/abort`, { reason: 'operator changed their mind' });
    expect([200, 409]).toContain(aborted.status); // 409 when the simulated meter answered first
    const desired = await d.call('PATCH', '/api/meters/mtr-n3/desired', { relay: 'off' });
    expect(desired.status).toBe(200);
    expect((await d.call('GET', '/api/meters/mtr-n3')).body.data.shadow.desired).toEqual({ relay: 'off' });
    const comm = await d.call('POST', '/api/commissionings', { meterId: 'mtr-n4', steps: [{ type: 'READ_CREDIT' }, { type: 'TURN_ON' }] });
    expect(comm.status).toBe(201);
    expect((await d.call('GET', `/api/commissionings/${comm.body.data.id}`)).body.data.meterId).toBe('mtr-n4');
    const batch = await d.call('POST', '/api/batches', { type: 'READ_CREDIT', meterIds: ['mtr-l1', 'mtr-l2'] });
    expect(batch.status).toBe(201);
    expect((await d.call('GET', `/api/batches/${batch.body.data.id}`)).body.data.totalCount).toBe(2);
    expect((await d.call('GET', '/api/interactions/nope')).status).toBe(404);
  });

  it("another organization's token is refused on every entity route; lists are pinned to the caller's organization", async () => {
    for (const path of ['/api/meters/mtr-n1', '/api/meters/mtr-n1/history/credit', '/api/plants/plant-solis-1', '/api/grids/grid-north', '/api/escos/demo-esco/sync']) {
      expect((await d.call('GET', path, undefined, other)).status, path).toBe(403);
    }
    expect((await d.call('POST', '/api/meters/mtr-n1/interactions', { type: 'TURN_OFF' }, other)).status).toBe(403);
    expect((await d.call('PUT', '/api/grids/grid-zz', { organizationId: 'demo-esco', name: 'x' }, other)).status).toBe(403);
    expect((await d.call('GET', '/api/meters?organizationId=demo-esco', undefined, other)).status).toBe(403);
    expect((await d.call('GET', '/api/meters', undefined, other)).body.data.items).toEqual([]);
    expect((await d.call('GET', '/api/meters', undefined, own)).body.data.items.length).toBe(16); // Emlite meters belong to their ESCO
  });

  it('every route asks for its role first: a viewer is refused every command, an operator every registry write', async () => {
    const below = { operator: viewer, admin: operator } as const;
    const refused: string[] = [];
    for (const route of API_ROUTES.filter((r) => r.role !== 'viewer')) {
      const path = route.path.replace(/\{\w+\}/g, 'mtr-n1');
      const r = await d.call(route.method.toUpperCase(), path, route.method === 'get' ? undefined : {}, below[route.role as 'operator' | 'admin']);
      if (r.status === 403 && r.body.error.message.includes(`needs role ${route.role}`)) refused.push(route.operationId);
    }
    expect(refused.sort()).toEqual(API_ROUTES.filter((r) => r.role !== 'viewer').map((r) => r.operationId).sort());
    // Reads are a viewer's: one per kind of resource.
    for (const path of ['/api/meters/mtr-n1', '/api/plants/plant-solis-1', '/api/grids/grid-north', '/api/meters', '/api/overview', '/api/issues', '/api/batches']) {
      expect((await d.call('GET', path, undefined, viewer)).status, path).toBe(200);
    }
  });

  it('registry routes write through the NATS registry subjects', async () => {
    expect((await d.call('PUT', '/api/organizations/org-new', { name: 'New ESCO' })).status).toBe(200);
    expect((await d.call('PUT', '/api/grids/grid-new', { organizationId: 'org-new', name: 'New grid' })).status).toBe(200);
    expect((await d.call('PUT', '/api/meters/mtr-new', { serial: '99', protocol: 'CALIN_V2', gridId: 'grid-new' })).status).toBe(200);
    expect((await d.call('GET', '/api/meters?gridId=grid-new')).body.data.items.map((m: { id: string; organizationId: string }) => [m.id, m.organizationId])).toEqual([['mtr-new', 'org-new']]);
    expect((await d.call('PUT', '/api/grids/grid-new/online', { online: false })).body.data).toMatchObject({ id: 'grid-new', online: false });
  });

  it('history: a successful read leaves a credit sample; bucket and range are checked', async () => {
    const created = await d.call('POST', '/api/meters/mtr-n5/interactions', { type: 'READ_CREDIT' });
    expect(created.status).toBe(201);
    const series = await eventually(async () => {
      const r = await d.call('GET', '/api/meters/mtr-n5/history/credit?bucket=1m');
      return r.body.data.series.length > 0 ? r.body.data.series : null;
    }, 20_000);
    expect(series[0]).toMatchObject({ samples: 1 });
    expect(typeof series[0].credit).toBe('number');
    const outcomes = await d.call('GET', '/api/history/interactions?bucket=1h');
    expect(outcomes.body.data.series.reduce((n: number, b: { successful: number }) => n + b.successful, 0)).toBeGreaterThan(0);
    const tooMany = await d.call('GET', '/api/meters/mtr-n5/history/credit?bucket=1m&from=2020-01-01T00:00:00Z');
    expect(tooMany.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'bucket' }] });
    expect((await d.call('GET', '/api/meters/mtr-n5/history/credit?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).status).toBe(400);
    expect((await d.call('GET', '/api/meters/mtr-n5/history/credit?bucket=2h')).status).toBe(400);
  });
});
