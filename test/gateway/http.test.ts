import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, token, type TestWorld } from './helpers';

let w: TestWorld;
let auth: Record<string, string>;
let readyDb = true;
beforeAll(async () => {
  w = await startWorld({ maxPayloadBytes: 2048 }, {
    readiness: {
      database: async () => readyDb,
      bus: async () => w.bus.status === 'connected',
      actors: () => new Promise<boolean>(() => undefined), // never answers: must time out
    },
    readinessTimeoutMs: 200,
  });
  auth = { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' };
});
afterAll(() => w.close());

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) => {
  const res = await fetch(`${w.gateway.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type'), body: (res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text()) as any };
};

describe('HTTP', () => {
  it('/healthz, /readyz with failing and hanging checks, /metrics', async () => {
    expect(await call('GET', '/healthz', undefined, {})).toMatchObject({ status: 200, body: { status: 'ok' } });
    const r = await call('GET', '/readyz', undefined, {});
    expect(r).toMatchObject({ status: 503, body: { status: 'not-ready', checks: { database: 'ok', bus: 'ok', actors: 'timeout' } } });
    readyDb = false;
    expect((await call('GET', '/readyz', undefined, {})).body.checks.database).toBe('failing');
    const m = await call('GET', '/metrics', undefined, {});
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain/);
    expect(m.body).toMatch(/^# HELP gridtwin_ws_clients/m);
  });

  it('readyz is 200 when every check passes', async () => {
    const ok = await startWorld({}, { readiness: { database: async () => true, bus: async () => true } });
    try {
      const res = await fetch(`${ok.gateway.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ready', checks: { database: 'ok', bus: 'ok' } });
    } finally {
      await ok.close();
    }
  });

  it('API: 401 without or with a bad token, 403 outside the claims', async () => {
    expect(await call('GET', '/api/meters/m1', undefined, {})).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'missing token' } } });
    expect((await call('GET', '/api/meters/m1', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await call('GET', '/api/meters/mx')).status).toBe(403);
    expect((await call('GET', '/api/alerts?organizationId=org-b')).status).toBe(403);
    const narrow = { authorization: `Bearer ${await token({ grids: ['g2'] })}` };
    expect((await call('GET', '/api/grids/g1', undefined, narrow)).status).toBe(403);
    expect((await call('GET', '/api/grids/g2', undefined, narrow)).status).toBe(200);
  });

  it('API mirrors the commands with reply envelopes and statuses', async () => {
    const created = await call('POST', '/api/meters/m1/interactions', { type: 'TOP_UP', params: { kwh: 5 } }, { ...auth, 'idempotency-key': 'order-77' });
    expect(created).toMatchObject({ status: 201, body: { data: { interaction: { meterId: 'm1', type: 'TOP_UP', status: 'QUEUED', idempotencyKey: 'order-77' } } } });
    expect(await call('GET', '/api/meters/m1')).toMatchObject({ status: 200, body: { data: { meter: { id: 'm1' } } } });
    expect(await call('GET', '/api/meters/zz')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await call('GET', '/api/grids/g1')).toMatchObject({ status: 200, body: { data: { grid: { id: 'g1' } } } });
    expect(await call('POST', '/api/plants/p1/poll')).toMatchObject({ status: 200, body: { data: { plantId: 'p1' } } });
    expect(await call('GET', '/api/alerts?organizationId=org-a')).toMatchObject({ status: 200, body: { data: { alerts: [{ id: 'a1', state: 'NEW' }] } } });
    expect(await call('POST', '/api/alerts/a1/ack')).toMatchObject({ status: 200, body: { data: { alert: { state: 'ACKED' } } } });
    expect(await call('POST', '/api/alerts/a1/ack')).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
  });

  it('API refuses bad bodies and ids with 400, unknown routes with 404', async () => {
    expect(await call('POST', '/api/meters/m1/interactions', '{oops')).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'malformed JSON body' } } });
    const bad = await call('POST', '/api/meters/m1/interactions', { type: 'TOP_UP', params: 'lots', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['', 'params']);
    expect((await call('POST', '/api/meters/m1/interactions', { type: 'TOP_UP', note: 'y'.repeat(4000) })).status).toBe(400);
    expect((await call('GET', '/api/meters/a%2Eb')).body.error.code).toBe('VALIDATION_FAILED');
    expect(await call('GET', '/api/nothing')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await call('GET', '/nowhere', undefined, {})).toMatchObject({ status: 404 });
  });

  it('serves the dashboard', async () => {
    const page = await call('GET', '/', undefined, {});
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="/dashboard/app.js"></script>');
    const js = await call('GET', '/dashboard/app.js', undefined, {});
    expect(js.type).toMatch(/^text\/javascript/);
    expect((await call('GET', '/dashboard/..%2Fserver.ts', undefined, {})).status).toBe(404);
  });

  it('issue 11 defect 9: HEAD answers like GET without a body, so a keep-alive client reads the next response whole', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(w.gateway.port, '127.0.0.1');
      let got = '';
      sock.on('data', (d) => {
        got += d.toString('latin1');
        // Three answers on one socket: HEAD /healthz, HEAD /api/meters/m1, then GET /healthz whose body ends the exchange.
        if ((got.match(/HTTP\/1\.1 /g) ?? []).length === 3 && got.endsWith('{"status":"ok"}')) { sock.end(); resolve(got); }
      });
      sock.on('error', reject);
      sock.write(`HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\nHEAD /api/meters/m1 HTTP/1.1\r\nHost: t\r\nAuthorization: ${auth.authorization}\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n`);
    });
    const answers = raw.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    // No body after the blank line of either HEAD answer; the length a GET would send is announced.
    expect(answers[0]!.endsWith('\r\n\r\n')).toBe(true);
    expect(answers[0]).toMatch(/content-length: 15\r\n/i);
    expect(answers[1]!.endsWith('\r\n\r\n')).toBe(true);
    expect(answers[2]!.endsWith('\r\n\r\n{"status":"ok"}')).toBe(true);
    const head404 = await fetch(`${w.gateway.url}/nowhere`, { method: 'HEAD' });
    expect(head404.status).toBe(404);
    expect(await head404.text()).toBe('');
  });
});
