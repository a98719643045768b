import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { CREDENTIAL_SCHEMAS, type CredentialsByBrand, type SolarBrand } from './types';

/**
 * Vendor credentials at rest: AES-256-GCM over the credential JSON, random 12-byte IV per encryption,
 * serialized as `v1.<iv>.<tag>.<ciphertext>` (base64url). The brand is bound as additional authenticated
 * data so a Solis secret cannot be replayed as a Huawei one. The key comes from config (`solar.credentialKey`).
 */
const VERSION = 'v1';

export function parseCredentialKey(key: string): Buffer {
  const trimmed = key.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (buf.length !== 32) {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'solar.credentialKey must be 32 bytes, hex (64 chars) or base64');
  }
  return buf;
}

export class CredentialCipher {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? parseCredentialKey(key) : key;
    if (this.key.length !== 32) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'credential key must be 32 bytes');
  }

  encrypt<B extends SolarBrand>(brand: B, credentials: CredentialsByBrand[B]): string {
    const valid = CREDENTIAL_SCHEMAS[brand].parse(credentials);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${VERSION}:${brand}`));
    const ct = Buffer.concat([cipher.update(JSON.stringify(valid), 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt<B extends SolarBrand>(brand: B, envelope: string): CredentialsByBrand[B] {
    const parts = envelope.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'unknown credential envelope version');
    }
    const [, iv, tag, ct] = parts as [string, string, string, string];
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`${VERSION}:${brand}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // no cause: the cipher error says nothing useful and must not hint at the key
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'credential envelope cannot be decrypted (wrong key, brand or tampered)');
    }
    const r = CREDENTIAL_SCHEMAS[brand].safeParse(JSON.parse(plain));
    if (!r.success) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `decrypted credentials are not valid ${brand} credentials`);
    return r.data as CredentialsByBrand[B];
  }
}
