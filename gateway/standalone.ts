import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialCipher } from '../adapters/solar';
import { ErrorCode, GridtwinError } from '../core/errors';

export const CREDENTIAL_KEY_FILE = 'gridtwin-credential.key';

/**
 * The standalone node's credential key when GRIDTWIN_CREDENTIAL_KEY is not set: generated once and kept in the
 * PGlite data folder beside the data it protects (mode 0600), so a second start decrypts what the first stored.
 * An in-memory or a caller's database (`null`) gets a key for this run only. Called after the database is open
 * (PGlite initializes an empty folder only). A key file that is not a key stops the start with its path: the
 * stored credentials cannot be read without the key that wrote them, so a new one is never made silently.
 */
export function standaloneCipher(pgliteDir: string | null): CredentialCipher {
  if (pgliteDir === null || pgliteDir.startsWith('memory://')) return new CredentialCipher(randomBytes(32));
  const file = join(pgliteDir, CREDENTIAL_KEY_FILE);
  if (existsSync(file)) {
    try {
      return new CredentialCipher(readFileSync(file, 'utf8').trim());
    } catch (e) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED,
        `${file} is not a credential key (32 bytes, hex or base64): ${(e as Error).message}. Restore it from a backup, or remove it together with the stored vendor credentials`, { cause: e });
    }
  }
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return new CredentialCipher(key);
}
