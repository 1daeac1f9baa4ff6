/**
 * The secret key of the callers' phone hash (twin-model/cases/phone-hash.ts), in
 * `<CITYTWIN_DATA_DIR>/cases/phone-hash.key`: 32 random bytes generated at first start, mode 0600,
 * outside the database — whoever reads the `cases` table must not be able to test phone numbers
 * against the hashes (11-digit mobile numbers are enumerated in minutes). Several web nodes must
 * hold the same key (docs/deployment.md): the node that writes the case desk may change.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_PHONE_KEY_BYTES } from '../../../twin-model/cases/phone-hash.ts';

export const PHONE_KEY_FILE = 'phone-hash.key';

/** `<dataDir>/cases`. */
export function casesDir(dataDir: string): string {
  return join(dataDir, 'cases');
}

export class PhoneKeyError extends Error {}

/** Loads the key, generating it when there is none; a key readable by others is made 0600 (and said so). */
export function loadOrCreatePhoneKey(
  dataDir: string,
  log: (level: 'info' | 'warn', message: string) => void = () => undefined,
): { key: Buffer; created: boolean; path: string } {
  const dir = casesDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, PHONE_KEY_FILE);
  let created = false;
  if (!existsSync(path)) {
    // `wx`: never overwrite a key another process wrote meanwhile.
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
    log('info', `cases: phone-hash key generated in ${path}`);
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(path, 0o600);
    log('warn', `cases: ${path} was readable by others (mode ${mode.toString(8)}); set to 0600`);
  }
  const text = readFileSync(path, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.byteLength < MIN_PHONE_KEY_BYTES)
    throw new PhoneKeyError(
      `cases: ${path} is not a phone-hash key (base64 of at least ${MIN_PHONE_KEY_BYTES} random bytes); restore it from a backup — a new key makes earlier callers unrecognisable as repeat callers`,
    );
  return { key, created, path };
}
