import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialCipher } from '../adapters/solar';

const KEY_FILE = 'gridtwin-credential.key';

/**
 * The standalone node's credential key when GRIDTWIN_CREDENTIAL_KEY is not set: generated once and kept in the
 * PGlite data folder beside the data it protects (mode 0600), so a second start decrypts what the first stored.
 * An in-memory or a caller's database (`null`) gets a key for this run only. Called after the database is open
 * (PGlite initializes an empty folder only).
 */
export function standaloneCipher(pgliteDir: string | null): CredentialCipher {
  if (pgliteDir === null || pgliteDir.startsWith('memory://')) return new CredentialCipher(randomBytes(32));
  const file = join(pgliteDir, KEY_FILE);
  if (existsSync(file)) return new CredentialCipher(readFileSync(file, 'utf8').trim());
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return new CredentialCipher(key);
}
