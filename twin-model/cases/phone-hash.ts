/**
 * The keyed hash of a caller's phone number: HMAC-SHA-256 under a secret key of the deployment,
 * hex. A plain or salted-but-public hash of a phone number is no protection — China's mobile
 * numbers (11 digits, known prefixes) can be enumerated in minutes — so the key must stay secret,
 * like the audit signing key (kept in the data directory, never in the database). With it, the
 * same number gives the same hash (repeat callers) and the KPI never holds a number.
 *
 * Uses `node:crypto`: not exported from index.ts (the console bundle imports the case types).
 */
import { createHmac } from 'node:crypto';

/** Shortest key accepted, bytes. */
export const MIN_PHONE_KEY_BYTES = 16;

/** Calling-code prefix of Chinese numbers: `+8613800138000` and `13800138000` are one caller. */
const CN_PREFIX = /^\+?86(?=1\d{10}$)/;

/** A hasher for normalised phone numbers (case-intake.ts `normalizePhone`) under `key`. */
export function phoneHasher(key: Uint8Array): (phone: string) => string {
  if (key.byteLength < MIN_PHONE_KEY_BYTES)
    throw new RangeError(`the phone hash key has ${key.byteLength} bytes; at least ${MIN_PHONE_KEY_BYTES} random bytes are needed`);
  const k = Buffer.from(key);
  return (phone) => createHmac('sha256', k).update(phone.replace(CN_PREFIX, ''), 'utf8').digest('hex');
}
