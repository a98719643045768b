import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './helpers';
import { createTenantWorld, type TenantWorld } from './tenantWorld';

let w: TenantWorld;
beforeAll(async () => {
  w = await createTenantWorld();
}, 120_000);
afterAll(() => w?.stop());

describe('issue 11 defect 4: cross-organization access', () => {
  it('a token of org-a can neither read nor TURN_OFF an EMLITE meter of org-b (no grid), over HTTP or WS; nothing is written', async () => {
    const tk = await w.tokenFor('org-a', 'admin');
    const before = await w.writes();
    for (const meter of ['eb', 'eb2']) {
      expect(await w.http('GET', `/api/meters/${meter}`, tk)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      expect(await w.http('POST', `/api/meters/${meter}/interactions`, tk, { type: 'TURN_OFF' })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    }
    const c = await Client.connect(w.wsUrl, { token: tk });
    try {
      expect(await c.subscribe('meter/eb')).toMatchObject({ type: 'error', code: 'FORBIDDEN', topic: 'meter/eb' });
      expect((await c.command('createInteraction', { meterId: 'eb', type: 'TURN_OFF' })).error.code).toBe('FORBIDDEN');
      expect((await c.command('getMeter', { meterId: 'eb' })).error.code).toBe('FORBIDDEN');
    } finally {
      c.close();
    }
    expect(await w.writes()).toEqual(before);
    const owner = await w.tokenFor('org-b', 'viewer');
    expect(await w.http('GET', '/api/meters/eb2', owner)).toMatchObject({ status: 200, body: { data: { meter: { id: 'eb2', organizationId: 'org-b', gridId: null } } } });
  });
});
