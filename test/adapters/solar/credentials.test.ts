import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../core/errors';
import { CredentialCipher, parseCredentialKey } from '../../../adapters/solar';

const key = randomBytes(32);
const creds = { keyId: '1300386381676000000', keySecret: 'top-secret-value' };

describe('credential encryption at rest', () => {
  it('round-trips, with a fresh IV each time and no plaintext in the envelope', () => {
    const c = new CredentialCipher(key.toString('hex'));
    const a = c.encrypt('SOLIS', creds);
    const b = c.encrypt('SOLIS', creds);
    expect(a).not.toBe(b);
    expect(a.startsWith('v1.')).toBe(true);
    expect(a).not.toContain('top-secret-value');
    expect(Buffer.from(a.split('.')[3]!, 'base64url').toString()).not.toContain('top-secret');
    expect(c.decrypt('SOLIS', a)).toEqual(creds);
  });

  it('accepts the key as hex or base64, and only 32 bytes', () => {
    expect(parseCredentialKey(key.toString('hex'))).toEqual(key);
    expect(parseCredentialKey(key.toString('base64'))).toEqual(key);
    expect(() => parseCredentialKey(randomBytes(16).toString('hex'))).toThrow();
  });

  it('refuses a tampered envelope, another key, another brand or an unknown version', () => {
    const c = new CredentialCipher(key);
    const env = c.encrypt('SOLIS', creds);
    const parts = env.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    const tampered = [parts[0], parts[1], parts[2], ct.toString('base64url')].join('.');
    expect(() => c.decrypt('SOLIS', tampered)).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
    expect(() => new CredentialCipher(randomBytes(32)).decrypt('SOLIS', env)).toThrow();
    expect(() => c.decrypt('HUAWEI', env)).toThrow();
    expect(() => c.decrypt('SOLIS', env.replace(/^v1/, 'v9'))).toThrow();
  });

  it('validates the credentials of the brand before encrypting', () => {
    const c = new CredentialCipher(key);
    expect(() => c.encrypt('HUAWEI', { userName: '', systemCode: 'x' })).toThrow();
  });
});
