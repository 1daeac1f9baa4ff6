/**
 * The verified point: how far a verification confirmed the audit record, so the next start
 * verifies only what was added since (docs/security.md, "Verification"). It names, per chain, the
 * last entry confirmed (seq and hash), the dispatch log's, the newest valid checkpoint, the time
 * span whose domain rows were bound, and the fingerprints of the record over that span (rows and
 * a 64-bit sum of row hashes per table, computed inside ClickHouse). Signed like a checkpoint
 * (Ed25519 over the canonical JSON of every field but `sig`) and kept beside the checkpoints.
 *
 * At start: when the point verifies with the key, its checkpoint is still valid and the
 * fingerprints of the same span are unchanged, the entries after the heads, the dispatch entries
 * after its head and the domain rows from the end of the span are verified; anything else (no
 * point, a changed fingerprint, a problem found) runs the full verification.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, type ChainHead } from './hash-chain.ts';

export const VERIFIED_POINT_VERSION = 1;

/** Rows of a table within the span, and the sum (mod 2^64, decimal) of their row hashes. */
export interface TableFingerprint {
  rows: number;
  sum: string;
}

export interface RecordFingerprints {
  audit: TableFingerprint;
  dispatch: TableFingerprint;
  incidentChanges: TableFingerprint;
  securityEvents: TableFingerprint;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seq = z.number().int().min(0);
const fingerprint = z.object({ rows: z.number().int().min(0), sum: z.string().regex(/^\d{1,20}$/) }).strict();

const pointSchema = z
  .object({
    v: z.literal(VERIFIED_POINT_VERSION),
    chain: z.string().regex(/^[0-9a-f]{16}$/),
    /** When the verification ran (epoch ms). */
    at: z.number().int(),
    /** The last entry confirmed of every chain in the table. */
    heads: z.array(z.object({ chain: z.string().min(1), seq, hash: hex64 }).strict()),
    /** The dispatch log's last entry confirmed, with its time. */
    dispatch: z.object({ seq, hash: hex64, at: z.number().int() }).strict().nullable(),
    /** The newest valid checkpoint then: it must still be there. */
    checkpoint: z.object({ seq, hash: hex64 }).strict().nullable(),
    /** The span (epoch ms) of the entries confirmed: their domain rows were bound. */
    since: z.number().int().nullable(),
    until: z.number().int().nullable(),
    fingerprints: z
      .object({ audit: fingerprint, dispatch: fingerprint, incidentChanges: fingerprint, securityEvents: fingerprint })
      .strict(),
    sig: z.string().min(1),
  })
  .strict();

export type VerifiedPoint = z.infer<typeof pointSchema>;
export type VerifiedPointBody = Omit<VerifiedPoint, 'sig'>;

/** The heads of a point by chain. */
export function headsOf(point: VerifiedPoint): Map<string, ChainHead> {
  return new Map(point.heads.map((h) => [h.chain, { seq: h.seq, hash: h.hash }]));
}

export function signVerifiedPoint(body: VerifiedPointBody, privateKey: KeyObject): VerifiedPoint {
  return { ...body, sig: sign(null, Buffer.from(canonicalJson(body), 'utf8'), privateKey).toString('base64') };
}

export type VerifiedPointCheck = { ok: true; point: VerifiedPoint } | { ok: false; reason: string };

/** Checks a point read back: its shape, that it is of the key's chain `chain`, and its signature. */
export function checkVerifiedPoint(value: unknown, publicKey: KeyObject, chain: string): VerifiedPointCheck {
  const parsed = pointSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not a verified point: ${issue ? `${issue.path.join('.') || 'the value'} ${issue.message}` : 'invalid'}` };
  }
  const point = parsed.data;
  if (point.chain !== chain) return { ok: false, reason: `it is of chain ${point.chain}, not of the key's chain ${chain}` };
  const { sig, ...body } = point;
  let good = false;
  try {
    good = verify(null, Buffer.from(canonicalJson(body), 'utf8'), publicKey, Buffer.from(sig, 'base64'));
  } catch {
    good = false;
  }
  return good ? { ok: true, point } : { ok: false, reason: 'its signature does not verify with the public key' };
}

/** The tables whose fingerprints differ, by name (empty when all match). */
export function changedTables(a: RecordFingerprints, b: RecordFingerprints): string[] {
  const names: Array<[keyof RecordFingerprints, string]> = [
    ['audit', 'audit_log'],
    ['dispatch', 'dispatch_log'],
    ['incidentChanges', 'incident_changes'],
    ['securityEvents', 'security_events'],
  ];
  return names.filter(([k]) => a[k].rows !== b[k].rows || a[k].sum !== b[k].sum).map(([, table]) => table);
}
