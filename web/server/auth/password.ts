/**
 * Password hashing with scrypt (memory-hard, RFC 7914) from node:crypto. The stored form is
 * self-describing so the cost can be raised later without invalidating existing hashes:
 * `scrypt$N$r$p$<salt base64url>$<hash base64url>`.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** N = 2^15, r = 8: 32 MiB of memory per hash (OWASP's scrypt baseline is N=2^17 with r=8, p=1 or N=2^15 with more p). */
export const SCRYPT_DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LEN = 32;
/** Longer inputs are refused before hashing: scrypt's cost does not depend on length, but a 1 MB "password" is not one. */
export const MAX_PASSWORD_LENGTH = 256;
/** Shortest password accepted when one is set or changed. */
export const MIN_PASSWORD_LENGTH = 10;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, keylen, { ...options, maxmem: 128 * options.N! * options.r! * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Hashes a password with a fresh 16-byte salt. */
export async function hashPassword(password: string, cost: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new Error(`a password is at most ${MAX_PASSWORD_LENGTH} characters`);
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LEN, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Checks a password against a stored hash in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Bounds keep a tampered hash from asking for gigabytes of memory.
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || expected.length < 16) return false;
  const key = await scrypt(password, salt, expected.length, { N, r, p });
  return timingSafeEqual(key, expected);
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, username?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters (got ${password.length})`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password is at most ${MAX_PASSWORD_LENGTH} characters`;
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'a password must not contain the user name';
  return null;
}

/** A random password for the first admin when none is configured (20 base64url chars ≈ 120 bits). */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}
