import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS_OPERATOR, authorize, createAuthenticator, verifyHs256, type Principal } from '../../gateway/auth';
import { parseConfig } from '../../core/config';

const SECRET = 'unit-secret-0123456789-0123456789';
const key = new TextEncoder().encode(SECRET);
const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }) =>
  new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key);
const code = (f: () => unknown) => {
  try {
    f();
    return 'allowed';
  } catch (e) {
    return (e as { code?: string }).code;
  }
};
const who = (p: Partial<Principal>): Principal => ({ sub: 'u', org: 'org-a', role: 'viewer', anonymous: false, ...p });

describe('authorize (the one rule for tokens)', () => {
  it('refuses another organization and an unknown organization (deny by default)', () => {
    const p = who({ role: 'admin' });
    expect(code(() => authorize(p, 'viewer', { organizationId: 'org-b' }, 'x'))).toBe('FORBIDDEN');
    expect(code(() => authorize(p, 'viewer', { organizationId: null }, 'x'))).toBe('FORBIDDEN');
    expect(code(() => authorize(p, 'viewer', { organizationId: undefined }, 'x'))).toBe('FORBIDDEN');
    expect(code(() => authorize(p, 'admin', { organizationId: 'org-a' }, 'x'))).toBe('allowed');
  });

  it('ranks roles viewer < operator < admin', () => {
    const own = { organizationId: 'org-a' };
    const table = (['viewer', 'operator', 'admin'] as const).map((role) =>
      (['viewer', 'operator', 'admin'] as const).map((need) => code(() => authorize(who({ role }), need, own, 'x'))));
    expect(table).toEqual([
      ['allowed', 'FORBIDDEN', 'FORBIDDEN'],
      ['allowed', 'allowed', 'FORBIDDEN'],
      ['allowed', 'allowed', 'allowed'],
    ]);
  });

  it('a grid-limited token reaches only its grids, never a meter without a grid', () => {
    const p = who({ grids: ['g1'] });
    expect(code(() => authorize(p, 'viewer', { organizationId: 'org-a', gridId: 'g1' }, 'x'))).toBe('allowed');
    expect(code(() => authorize(p, 'viewer', { organizationId: 'org-a', gridId: 'g2' }, 'x'))).toBe('FORBIDDEN');
    expect(code(() => authorize(p, 'viewer', { organizationId: 'org-a', gridId: null }, 'x'))).toBe('FORBIDDEN');
    expect(code(() => authorize(p, 'viewer', { organizationId: 'org-a' }, 'alerts of org-a'))).toBe('allowed');
  });

  it('the anonymous demo operator is an admin of everything', () => {
    expect(code(() => authorize(ANONYMOUS_OPERATOR, 'admin', { organizationId: null }, 'x'))).toBe('allowed');
  });
});

describe('HS256 verified synchronously (issue 11 defect 12)', () => {
  const auth = createAuthenticator(parseConfig({ gateway: { jwtSecret: SECRET } }).gateway);
  const now = () => Math.floor(Date.now() / 1000);

  it('returns the principal at once (no promise), role viewer when the token names none', async () => {
    const p = auth.authenticate(await sign({ org: 'org-a', sub: 'ann', exp: now() + 60 }));
    expect(p).not.toBeInstanceOf(Promise);
    expect(p).toMatchObject({ org: 'org-a', sub: 'ann', role: 'viewer', anonymous: false });
    expect(auth.authenticate(await sign({ org: 'org-a', role: 'admin' }))).toMatchObject({ role: 'admin' });
  });

  it('refuses bad signatures, other algorithms, crit headers, expired and not-yet-valid tokens and unknown roles', async () => {
    const reason = (t: string) => {
      try {
        return auth.authenticate(t) instanceof Promise ? 'async' : 'accepted';
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
    };
    const good = await sign({ org: 'org-a' });
    const [h, p] = good.split('.');
    expect(reason(`${h}.${p}.${'A'.repeat(43)}`)).toBe('UNAUTHORIZED: invalid token');
    expect(reason(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`)).toBe('UNAUTHORIZED: invalid token');
    expect(reason(await sign({ org: 'org-a' }, { alg: 'HS256', crit: ['b64'], b64: true }))).toBe('UNAUTHORIZED: invalid token');
    expect(reason(await sign({ org: 'org-a', exp: now() - 1 }))).toBe('UNAUTHORIZED: token expired');
    expect(reason(await sign({ org: 'org-a', nbf: now() + 60 }))).toBe('UNAUTHORIZED: token not yet valid');
    expect(reason(await sign({ org: 'org-a', exp: '2099' }))).toBe('UNAUTHORIZED: invalid token');
    expect(reason(await sign({ org: 'org-a', role: 'root' }))).toBe('UNAUTHORIZED: token role must be one of viewer, operator, admin');
    expect(reason(await sign({ role: 'admin' }))).toBe('UNAUTHORIZED: token lacks the org claim');
    expect(reason('a.b')).toBe('UNAUTHORIZED: invalid token');
    expect(reason(good)).toBe('accepted');
  });

  it('agrees with jose on the signature (a token jose signs verifies; one byte changed does not)', async () => {
    const t = await sign({ org: 'org-a', exp: now() + 60 });
    expect(verifyHs256(t, Buffer.from(SECRET)).org).toBe('org-a');
    const flipped = t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.at(-1);
    expect(() => verifyHs256(flipped, Buffer.from(SECRET))).toThrow('invalid token');
  });
});

describe("a meter's organization on registry upsert (issue 11 defect 4)", async () => {
  const { meterOrganization } = await import('../../gateway/nats/service');
  const none = { named: null, ofGrid: null, ofEsco: null, current: null };
  const code = (f: () => unknown) => {
    try {
      return f();
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  it('is the one named, else the grid\'s, else the ESCO\'s, else the one it has', () => {
    expect(meterOrganization({ id: 'm', organizationId: 'o1' }, { ...none, named: 'o1', ofEsco: 'o2' })).toBe('o1');
    expect(meterOrganization({ id: 'm', gridId: 'g' }, { ...none, ofGrid: 'o1', ofEsco: 'o2' })).toBe('o1');
    expect(meterOrganization({ id: 'm' }, { ...none, ofEsco: 'o2', current: 'o3' })).toBe('o2');
    expect(meterOrganization({ id: 'm' }, { ...none, current: 'o3' })).toBe('o3');
  });
  it('refuses none, an unknown one and one that contradicts the grid', () => {
    expect(code(() => meterOrganization({ id: 'm' }, none))).toBe('VALIDATION_FAILED');
    expect(code(() => meterOrganization({ id: 'm', organizationId: 'nope' }, none))).toBe('NOT_FOUND');
    expect(code(() => meterOrganization({ id: 'm', organizationId: 'o1', gridId: 'g' }, { ...none, named: 'o1', ofGrid: 'o2' }))).toBe('VALIDATION_FAILED');
  });
});
