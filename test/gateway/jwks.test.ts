import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startWorld, until, type TestWorld } from './helpers';

let w: TestWorld;
let jwksServer: Server;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
/** While set, the JWKS server holds its answers until the test releases them. */
let held: Array<() => void> | null = null;
let jwksHits = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    jwksHits++;
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    if (held) held.push(answer);
    else answer();
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const port = (jwksServer.address() as AddressInfo).port;
  w = await startWorld({ jwtSecret: undefined, jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` });
});
afterAll(async () => {
  await w.close();
  jwksServer.close();
});

const sign = (claims: Record<string, unknown>, kid = 'k1') =>
  new SignJWT({ org: 'org-a', ...claims }).setProtectedHeader({ alg: 'RS256', kid }).setExpirationTime('1h').sign(privateKey);

describe('JWKS auth', () => {
  it('a client that gives up while the key set is fetched is handled (onAborted); the gateway keeps serving', async () => {
    held = [];
    const ws = new WebSocket(`${w.wsUrl}?token=${await sign({})}`);
    ws.on('error', () => undefined);
    const gone = new Promise((r) => ws.on('close', r));
    await until(() => jwksHits === 1, 30_000, 'the gateway fetching the JWKS');
    ws.terminate(); // aborts the upgrade while the gateway awaits the JWKS
    await gone;
    const release = held;
    held = null;
    for (const answer of release) answer();
    expect(jwksHits).toBe(1);
    const c = await Client.connect(w.wsUrl, { token: await sign({ grids: ['g1'] }) });
    expect((await c.subscribe('grid/g1')).type).toBe('snapshot');
    // Only the second client was upgraded: the first one's late token check found it aborted.
    expect(await c.subscribe('grid/g2')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(w.gateway.clientCount()).toBe(1);
    c.close();
  });

  it('refuses a token signed by a key the JWKS does not hold', async () => {
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT({ org: 'org-a' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setExpirationTime('1h').sign(other.privateKey);
    const status = await Client.connect(w.wsUrl, { token: forged }).then(() => 0, (e: { status?: number }) => e.status);
    expect(status).toBe(401);
  });
});
