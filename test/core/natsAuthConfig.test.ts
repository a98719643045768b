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
    ['token in a cluster', { GRIDTWIN_NATS_AUTH: 'token', JWT_SECRET: 's', GRIDTWIN_CLUSTER: 'true' }, /not supported with GRIDTWIN_CLUSTER=true/],
  ])('refuses %s at start, naming the variable', async (_what, env, message) => {
    const e = await rejection((async () => loadConfig({ ...production, ...env }))());
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(message);
  });

  it('the standalone node (anonymous by default) refuses token unless anonymous clients are switched off', () => {
    expect(() => loadConfig({ GRIDTWIN_NATS_AUTH: 'token', JWT_SECRET: 's' })).toThrow(/GATEWAY_ALLOW_ANONYMOUS=false/);
    expect(loadConfig({ GRIDTWIN_NATS_AUTH: 'token', JWT_SECRET: 's', GATEWAY_ALLOW_ANONYMOUS: 'false' }).nats.auth).toBe('token');
  });
});
