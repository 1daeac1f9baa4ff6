/**
 * Signed checkpoints of the chain heads: the audit chain's head (and the dispatch log's, which
 * is a chain of its own) signed with the node's Ed25519 key and kept OUTSIDE the database — in a
 * file beside it and on an MQTT topic an external archive keeps. Someone who can rewrite the
 * tables can recompute every hash, but cannot sign a new head: verification against the
 * checkpoints finds a cut tail, a deleted entry and a rewritten chain made while the server was
 * stopped.
 *
 * The signature is Ed25519 (RFC 8032) over the canonical JSON (hash-chain.ts) of every field
 * but `sig`. The chain's id is its key's fingerprint: the first 16 hex digits of SHA-256 over
 * the raw 32-byte public key.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, type ChainHead } from './hash-chain.ts';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  v: typeof CHECKPOINT_VERSION;
  /** The chain (the signing key's fingerprint). */
  chain: string;
  /** The audit chain's stored head: entries 1…seq are in the table, the last with `hash`. */
  seq: number;
  hash: string;
  /** The dispatch log's stored head, when this node writes the dispatch log. */
  dispatch: ChainHead | null;
  /** When it was taken (epoch ms), and by which node. */
  at: number;
  node: string;
  /** Ed25519 signature (base64) over the canonical JSON of every other field. */
  sig: string;
}

export type CheckpointBody = Omit<Checkpoint, 'sig'>;

/** The raw 32-byte Ed25519 public key (the end of its SPKI DER form). */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ed25519')
    throw new TypeError(`expected an Ed25519 key, got ${publicKey.asymmetricKeyType ?? publicKey.type}`);
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

/** The key's fingerprint, which is also the id of the chain it signs. */
export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

export function signCheckpoint(body: CheckpointBody, privateKey: KeyObject): Checkpoint {
  const sig = sign(null, Buffer.from(canonicalJson(body), 'utf8'), privateKey).toString('base64');
  return { ...body, sig };
}

const HEX64 = /^[0-9a-f]{64}$/;

/** What is wrong with the shape of a checkpoint, or null. */
function shapeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const c = v as Record<string, unknown>;
  if (c.v !== CHECKPOINT_VERSION) return `version ${JSON.stringify(c.v)} is not ${CHECKPOINT_VERSION}`;
  if (typeof c.chain !== 'string' || !/^[0-9a-f]{16}$/.test(c.chain)) return `chain ${JSON.stringify(c.chain)} is not 16 hex digits`;
  if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 0) return `seq ${JSON.stringify(c.seq)} is not a whole number`;
  if (typeof c.hash !== 'string' || !HEX64.test(c.hash)) return 'hash is not 64 hex digits';
  if (c.dispatch !== null) {
    const d = c.dispatch as Record<string, unknown> | undefined;
    if (typeof d !== 'object' || !Number.isSafeInteger(d?.seq) || typeof d?.hash !== 'string' || !HEX64.test(d.hash))
      return 'dispatch is neither null nor {seq, hash}';
  }
  if (!Number.isSafeInteger(c.at)) return `at ${JSON.stringify(c.at)} is not epoch ms`;
  if (typeof c.node !== 'string') return 'node is not a string';
  if (typeof c.sig !== 'string' || c.sig.length === 0) return 'sig is missing';
  return null;
}

export type CheckpointCheck = { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string };

/**
 * Checks a checkpoint read back (from the file, the MQTT archive): its shape, that it names the
 * chain of `publicKey`, and its signature.
 */
export function checkCheckpoint(value: unknown, publicKey: KeyObject): CheckpointCheck {
  const problem = shapeProblem(value);
  if (problem) return { ok: false, reason: `not a checkpoint: ${problem}` };
  const cp = value as Checkpoint;
  const chain = keyFingerprint(publicKey);
  if (cp.chain !== chain) return { ok: false, reason: `it is of chain ${cp.chain}, not of the key's chain ${chain}` };
  const { sig, ...body } = cp;
  let good = false;
  try {
    good = verify(null, Buffer.from(canonicalJson(body), 'utf8'), publicKey, Buffer.from(sig, 'base64'));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: 'its signature does not verify with the public key: it was altered or forged' };
  return { ok: true, checkpoint: cp };
}

/** Checkpoint lines (JSON lines, as the file and an MQTT archive keep them); blank lines skipped. */
export function parseCheckpointLines(text: string): Array<{ line: number; value: unknown; error: string | null }> {
  const out: Array<{ line: number; value: unknown; error: string | null }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      out.push({ line: i + 1, value: JSON.parse(raw) as unknown, error: null });
    } catch (err) {
      out.push({ line: i + 1, value: null, error: `not JSON (${(err as Error).message})` });
    }
  });
  return out;
}
