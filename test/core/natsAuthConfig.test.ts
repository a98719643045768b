import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config';
import { rejection } from '../helpers/errors';

const production = { DATABASE_URL: 'postgres://x@127.0.0.1/x', NATS_URL: 'nats://127.0.0.1:4222' };

describe('GRIDTWIN_NATS_AUTH (issue 11)', () => {
  it('defaults to trusted; token with JWT_SECRET or JWKS_URL is accepted', () => {
    expect(loadConfig(production).nats.auth).toBe('trusted');
    expect(loadConfig({ ...production, GRIDTWIN_NATS_AUTH: 'token', JWT_SECRET: 's' }).nats.auth).toBe('token');
    expect(loadConfig({ ...production, GRIDTWIN_NATS_AUTH: 'token', JWKS_URL: 'https://idp.example/jwks' }).nats.auth).toBe('token');
  });

  it.each([
    ['an unknown mode', { GRIDTWIN_NATS_AUTH: 'open' }, /GRIDTWIN_NATS_AUTH = "open"/],
    ['token without a way to verify tokens', { GRIDTWIN_NATS_AUTH: 'token' }, /set JWT_SECRET or JWKS_URL/],
    ['token with anonymous gateway clients', { GRIDTWIN_NATS_AUTH: 'token', JWT_SECRET: 's', GATEWAY_ALLOW_ANONYMOUS: 'true' }, /GATEWAY_ALLOW_ANONYMOUS=false/],
    ['token in a cluster verifying by JWKS only, without a node secret', { GRIDTWIN_NATS_AUTH: 'token', JWKS_URL: 'https://idp.example/jwks', GRIDTWIN_CLUSTER: 'true' },
      /^invalid configuration: GRIDTWIN_NODE_SECRET: .*needs a secret shared by the nodes/],
    ['token in a cluster with a node secret under 32 bytes', { GRIDTWIN_NATS_AUTH: 'token', JWKS_URL: 'https://idp.example/jwks', GRIDTWIN_CLUSTER: 'true', GRIDTWIN_NODE_SECRET: 'x'.repeat(31) },
      /^invalid configuration: GRIDTWIN_NODE_SECRET \(value hidden\): signs the cluster's node tokens \(HS256\): at least 32 bytes$/],
    ['token in a cluster signing node tokens with a JWT_SECRET under 32 bytes', { GRIDTWIN_NATS_AUTH: 'token', JWT_SECRET: 's', GRIDTWIN_CLUSTER: 'true' },
      /^invalid configuration: JWT_SECRET \(value hidden\): signs the cluster's node tokens/],
  ])('refuses %s at start, naming the variable', async (_what, env, message) => {
    const e = await rejection((async () => loadConfig({ ...production, ...env }))());
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(message);
  });

  it('token in a cluster: JWT_SECRET signs node tokens, or GRIDTWIN_NODE_SECRET (required with JWKS_URL only)', () => {
    const cluster = { ...production, GRIDTWIN_NATS_AUTH: 'token', GRIDTWIN_CLUSTER: 'true' };
    const hs = loadConfig({ ...cluster, JWT_SECRET: 'j'.repeat(32) });
    expect([hs.nats.auth, hs.cluster.enabled, hs.cluster.nodeSecret]).toEqual(['token', true, undefined]);
    expect(loadConfig({ ...cluster, JWKS_URL: 'https://idp.example/jwks', GRIDTWIN_NODE_SECRET: 'n'.repeat(32) }).cluster.nodeSecret).toBe('n'.repeat(32));
    // Set, the node secret is used even with JWT_SECRET (so a short JWT_SECRET is then not the node tokens' key).
    expect(loadConfig({ ...cluster, JWT_SECRET: 's', GRIDTWIN_NODE_SECRET: 'n'.repeat(32) }).cluster.nodeSecret).toBe('n'.repeat(32));
    // Outside token + cluster nothing signs node tokens: no node secret needed.
    expect(loadConfig({ ...production, GRIDTWIN_CLUSTER: 'true' }).cluster.nodeSecret).toBeUndefined();
  });

  it('the standalone node (anonymous by default) refuses token unless anonymous clients are switched off', () => {
    expect(() => loadConfig({ GRIDTWIN_NATS_AUTH: 'token', JWT_SECRET: 's' })).toThrow(/GATEWAY_ALLOW_ANONYMOUS=false/);
    expect(loadConfig({ GRIDTWIN_NATS_AUTH: 'token', JWT_SECRET: 's', GATEWAY_ALLOW_ANONYMOUS: 'false' }).nats.auth).toBe('token');
  });
});
