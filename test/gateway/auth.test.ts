import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SECRET, startWorld, token, type TestWorld } from './helpers';

let w: TestWorld;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

const refused = (p: Promise<unknown>) => p.then(() => 0, (e: { status?: number }) => e.status ?? -1);

describe('WS auth', () => {
  it('refuses an upgrade without a token, with a bad signature, expired or without the org claim (401)', async () => {
    expect(await refused(Client.connect(w.wsUrl))).toBe(401);
    expect(await refused(Client.connect(w.wsUrl, { token: await token({}, { secret: 'another-secret-another-secret!!' }) }))).toBe(401);
    expect(await refused(Client.connect(w.wsUrl, { token: await token({}, { expiresIn: Math.floor(Date.now() / 1000) - 5 }) }))).toBe(401);
    const noOrg = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    expect(await refused(Client.connect(w.wsUrl, { token: noOrg }))).toBe(401);
    expect(await refused(Client.connect(w.wsUrl, { token: 'not.a.jwt' }))).toBe(401);
  });

  it('accepts the token from the Authorization header and from a bearer.<jwt> subprotocol', async () => {
    const tk = await token();
    const a = await Client.connect(w.wsUrl, { headers: { authorization: `Bearer ${tk}` } });
    expect((await a.subscribe('grid/g1')).type).toBe('snapshot');
    const b = await Client.connect(w.wsUrl, { protocols: ['gridtwin.v1', `bearer.${tk}`] });
    expect(b.ws.protocol).toBe('gridtwin.v1');
    expect((await b.subscribe('grid/g1')).type).toBe('snapshot');
    a.close();
    b.close();
  });

  it('closes the socket with 4001 when the token expires', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const c = await Client.connect(w.wsUrl, { token: await token({}, { expiresIn: exp }) });
    const started = Date.now();
    const closed = await c.closed;
    expect(closed).toEqual({ code: 4001, reason: 'token expired' });
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 50);
    // Closed by the expiry timer, not by the 60 s idle timeout (a loose bound: the machine may be loaded).
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses topics of another organization with an error message, not a close', async () => {
    const c = await Client.connect(w.wsUrl, { token: await token() });
    expect(await c.subscribe('alerts/org-b')).toMatchObject({ type: 'error', code: 'FORBIDDEN', topic: 'alerts/org-b' });
    expect(await c.subscribe('esco/org-b/sync')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    // Ownership seen in the snapshot: grid gx and meter mx belong to org-b.
    expect(await c.subscribe('grid/gx')).toMatchObject({ type: 'error', code: 'FORBIDDEN', topic: 'grid/gx' });
    expect(await c.subscribe('meter/mx')).toMatchObject({ type: 'error', code: 'FORBIDDEN', topic: 'meter/mx' });
    expect((await c.command('createInteraction', { meterId: 'mx', type: 'TURN_OFF' })).error.code).toBe('FORBIDDEN');
    expect((await c.command('listAlerts', { organizationId: 'org-b' })).error.code).toBe('FORBIDDEN');
    expect(await c.subscribe('alerts/org-a')).toMatchObject({ type: 'snapshot', data: { alerts: [{ id: 'a1' }] } });
    expect(w.bus.subscriptionCount()).toBeGreaterThan(0);
    c.close();
  });

  it('grid and plant claims narrow what a user sees', async () => {
    const c = await Client.connect(w.wsUrl, { token: await token({ grids: ['g1'], plants: [] }) });
    expect((await c.subscribe('grid/g1')).type).toBe('snapshot');
    expect((await c.subscribe('meter/m1')).type).toBe('snapshot');
    expect(await c.subscribe('grid/g2')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await c.subscribe('meter/m3')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await c.subscribe('plant/p1')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect((await c.command('createInteraction', { meterId: 'm3', type: 'TURN_OFF' })).error.code).toBe('FORBIDDEN');
    expect((await c.command('pollPlant', { plantId: 'p1' })).error.code).toBe('FORBIDDEN');
    expect((await c.command('createInteraction', { meterId: 'm1', type: 'READ_CREDIT' })).data.interaction.status).toBe('QUEUED');
    c.close();
  });
});

describe('anonymous operator', () => {
  it('is granted only when allowAnonymous is set', async () => {
    const anon = await startWorld({ allowAnonymous: true });
    try {
      const c = await Client.connect(anon.wsUrl);
      expect((await c.subscribe('alerts/org-b')).type).toBe('snapshot');
      c.close();
      expect(await refused(Client.connect(anon.wsUrl, { token: 'garbage' }))).toBe(401);
    } finally {
      await anon.close();
    }
  });
});
