import { SignJWT, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import { createAuthenticator } from '../../gateway/auth';
import { NODE_TOKEN, NodeCredential, claimsToBeNodeToken, mintNodeToken, nodeTokenKey, verifyNodeToken } from '../../gateway/nodeToken';
import { rejection } from '../helpers/errors';
import { SECRET, token } from './helpers';

const KEY = new TextEncoder().encode('node-secret-shared-by-every-node-0123456789');
const OTHER = new TextEncoder().encode('another-secret-of-another-cluster-012345678');
const T = 1_790_000_000;
const bearer = (h: Record<string, string>) => h.Authorization!.replace(/^Bearer /, '');

describe('node tokens (NATS auth mode token in a cluster)', () => {
  it('a minted token names its node, with the fixed issuer and audience, HS256, and lives 5 minutes', async () => {
    const tk = await mintNodeToken(KEY, 'node-a', T);
    expect(JSON.parse(Buffer.from(tk.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwt(tk)).toEqual({ gridtwin_node: 'node-a', iss: 'gridtwin-node', aud: 'gridtwin-cluster', sub: 'node:node-a', iat: T, exp: T + 300 });
    expect(await verifyNodeToken(tk, KEY, T + 10)).toEqual({ node: 'node-a', exp: T + 300 });
    expect(claimsToBeNodeToken(tk)).toBe(true);
    expect(claimsToBeNodeToken(await token())).toBe(false);
    expect(claimsToBeNodeToken('not a jwt')).toBe(false);
  });

  it.each([
    ['signed with another secret', async () => mintNodeToken(OTHER, 'node-a', T), T + 10, 'invalid node token'],
    ['expired', async () => mintNodeToken(KEY, 'node-a', T), T + 300 + NODE_TOKEN.clockToleranceSec + 1, 'node token expired'],
    ['issued in the future', async () => mintNodeToken(KEY, 'node-a', T + 120), T, 'invalid node token'],
    ['minted to live longer than a node token', async () => mintNodeToken(KEY, 'node-a', T, 3_600), T + 10, 'invalid node token'],
    ['without the node claim', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('gridtwin-node').setAudience('gridtwin-cluster')
      .setIssuedAt(T).setExpirationTime(T + 60).sign(KEY), T + 10, 'invalid node token'],
    ['for another audience', async () => new SignJWT({ gridtwin_node: 'node-a' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('gridtwin-node').setAudience('someone-else')
      .setIssuedAt(T).setExpirationTime(T + 60).sign(KEY), T + 10, 'invalid node token'],
    ['a caller token', async () => token({}, { secret: new TextDecoder().decode(KEY) }), Math.floor(Date.now() / 1000), 'invalid node token'],
  ])('refuses a token %s: UNAUTHORIZED', async (_what, make, at, message) => {
    const e = await rejection(verifyNodeToken(await make(), KEY, at));
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.message).toBe(message);
  });

  it('a node reuses its token and mints a new one a minute before expiry', async () => {
    let now = T;
    const c = new NodeCredential(KEY, 'node-b', () => now);
    const first = bearer(await c.headers());
    now = T + 239;
    expect(bearer(await c.headers())).toBe(first);
    now = T + 241;
    const second = bearer(await c.headers());
    expect(second).not.toBe(first);
    expect(decodeJwt(second)).toMatchObject({ gridtwin_node: 'node-b', iat: T + 241, exp: T + 541 });
    expect(await verifyNodeToken(second, KEY, T + 500)).toEqual({ node: 'node-b', exp: T + 541 });
  });

  it('the caller authenticator (gateway, NATS guard) never takes a node token as a caller', async () => {
    const auth = createAuthenticator({ ...parseConfig({}).gateway, jwtSecret: SECRET });
    const tk = await mintNodeToken(new TextEncoder().encode(SECRET), 'node-a', Math.floor(Date.now() / 1000));
    const e = await rejection((async () => auth.authenticate(tk))());
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', message: 'a node token is not a caller token' });
    // Even with an org claim added by whoever holds the secret.
    const withOrg = await new SignJWT({ gridtwin_node: 'node-a', org: 'org-a', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1m').sign(new TextEncoder().encode(SECRET));
    expect(await rejection((async () => auth.authenticate(withOrg))())).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('the key: GRIDTWIN_NODE_SECRET when set, else JWT_SECRET; none outside token + cluster', () => {
    const base = { mode: 'production', nats: { auth: 'token' }, gateway: { jwtSecret: SECRET, allowAnonymous: false } } as const;
    const dec = (k: Uint8Array | undefined) => (k ? new TextDecoder().decode(k) : k);
    expect(dec(nodeTokenKey(parseConfig({ ...base, cluster: { enabled: true } })))).toBe(SECRET);
    expect(dec(nodeTokenKey(parseConfig({ ...base, cluster: { enabled: true, nodeSecret: new TextDecoder().decode(KEY) } })))).toBe(new TextDecoder().decode(KEY));
    expect(nodeTokenKey(parseConfig(base))).toBeUndefined();
    expect(nodeTokenKey(parseConfig({ ...base, nats: { auth: 'trusted' }, cluster: { enabled: true } }))).toBeUndefined();
  });
});
