/**
 * Password hashing with scrypt (memory-hard, RFC 7914) from node:crypto. The stored form is
 * self-describing so the cost can be raised later without invalidating existing hashes:
 * `scrypt$N$r$p$<salt base64url>$<hash base64url>`.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** N = 2^15, r = 8: 32 MiB of memory per hash (OWASP's scrypt baseline is N=2^17 with r=8, p=1 or N=2^15 with more p). */
export const SCRYPT_DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LEN = 32;
/** Longer inputs are refused before hashing: scrypt's cost does not depend on length, but a 1 MB "password" is not one. */
export const MAX_PASSWORD_LENGTH = 256;
/** Shortest password accepted when one is set or changed. */
export const MIN_PASSWORD_LENGTH = 10;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, keylen, { ...options, maxmem: 128 * options.N! * options.r! * 2 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
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
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16)
    return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || expected.length < 16) return false;
  const key = await scrypt(password, salt, expected.length, { N, r, p });
  return timingSafeEqual(key, expected);
}

/** Why a password is refused: a stable code for the console to word, and an English sentence. */
export type PasswordProblemCode =
  | 'password_too_short'
  | 'password_too_long'
  | 'password_repeated'
  | 'password_username'
  | 'password_common';

export interface PasswordProblem {
  code: PasswordProblemCode;
  /** What is required, in English; never contains the password. */
  message: string;
  /** Parameters of the message (limits, lengths) for wording it elsewhere. */
  params: Record<string, number>;
}

/** Common and breached-password patterns, one lower-case entry a line (generated data, see its header). */
const COMMON_PASSWORDS_FILE = new URL('./common-passwords.txt', import.meta.url);
let commonPasswords: ReadonlySet<string> | null = null;

/** The bundled list of common passwords, read once. */
export function commonPasswordList(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    readFileSync(COMMON_PASSWORDS_FILE, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
  return commonPasswords;
}

/** The password without digits, symbols and spaces at either end: `P@ssw0rd2024!` → `p@ssw0rd`. */
function core(text: string): string {
  return text.toLowerCase().replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
}

/** Look-alike substitutions undone (`p@ssw0rd` → `password`); `1` is tried as `i` and as `l`. */
function unleet(text: string): string[] {
  const map: Record<string, string> = {
    '0': 'o',
    '3': 'e',
    '4': 'a',
    '5': 's',
    '7': 't',
    '8': 'b',
    '@': 'a',
    $: 's',
    '!': 'i',
    '|': 'l',
    '+': 't',
  };
  const base = [...text].map((c) => map[c] ?? c).join('');
  return [base.replaceAll('1', 'i'), base.replaceAll('1', 'l')];
}

/** The forms of a password compared with the list and the user name. */
function variants(password: string): Set<string> {
  const lower = password.toLowerCase();
  const out = new Set([lower, core(lower)]);
  for (const v of [...out])
    for (const u of unleet(v)) {
      out.add(u);
      out.add(core(u));
    }
  out.delete('');
  return out;
}

/**
 * Checks a new password against the policy (docs/security.md, "Passwords"): at least
 * {@link MIN_PASSWORD_LENGTH} characters, not one character repeated, not the user name or
 * the user name with digits and symbols around it, not on the bundled list of common passwords
 * (also after stripping digits and symbols from its ends and undoing look-alike letters).
 * Returns null when the password is acceptable. NIST SP 800-63B §5.1.1.2 asks for exactly
 * this kind of blocklist and no composition rules.
 */
export function checkPassword(password: string, username?: string): PasswordProblem | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return {
      code: 'password_too_short',
      message: `a password needs at least ${MIN_PASSWORD_LENGTH} characters (got ${length})`,
      params: { min: MIN_PASSWORD_LENGTH, length },
    };
  }
  if (password.length > MAX_PASSWORD_LENGTH)
    return {
      code: 'password_too_long',
      message: `a password is at most ${MAX_PASSWORD_LENGTH} characters`,
      params: { max: MAX_PASSWORD_LENGTH },
    };
  if (/^(.)\1*$/su.test(password)) {
    return {
      code: 'password_repeated',
      message: `a password must not be one character repeated; use at least ${MIN_PASSWORD_LENGTH} characters that are not all the same`,
      params: { min: MIN_PASSWORD_LENGTH },
    };
  }
  const forms = variants(password);
  if (username) {
    const names = new Set([username.toLowerCase(), core(username)]);
    names.delete('');
    if ([...forms].some((f) => names.has(f))) {
      return {
        code: 'password_username',
        message: 'a password must not be the user name, nor the user name with digits or symbols added; choose something else',
        params: {},
      };
    }
  }
  const list = commonPasswordList();
  if ([...forms].some((f) => list.has(f))) {
    return {
      code: 'password_common',
      message:
        'this password is on the list of common or breached passwords (or is one with digits, symbols or look-alike letters added); choose a less predictable one, e.g. a phrase of several words',
      params: {},
    };
  }
  return null;
}

/** Why a new password is refused (the sentence of {@link checkPassword}), or null when it is acceptable. */
export function passwordProblem(password: string, username?: string): string | null {
  return checkPassword(password, username)?.message ?? null;
}

/** A random password for the first admin when none is configured (20 base64url chars ≈ 120 bits). */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}
