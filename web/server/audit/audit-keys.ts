/**
 * The audit key pair and the checkpoint file, in `<CITYTWIN_DATA_DIR>/audit/` — outside the
 * database, so that someone who rewrites the tables cannot also sign a new head:
 *
 * - `audit-ed25519.key.pem`: the Ed25519 private key (PKCS #8), generated on first start, mode 0600;
 * - `audit-ed25519.pub.pem`: its public key (SPKI), also printed at start and served to admins;
 * - `checkpoints.jsonl`: one signed checkpoint per line, appended (twin-model/audit/checkpoint.ts);
 * - `verified-point.json`: how far the last successful verification confirmed the record, signed
 *   (twin-model/audit/verified-point.ts): the next start verifies from there.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseCheckpointLines, keyFingerprint, type Checkpoint } from '../../../twin-model/audit/checkpoint.ts';
import type { VerifiedPoint } from '../../../twin-model/audit/verified-point.ts';

export const PRIVATE_KEY_FILE = 'audit-ed25519.key.pem';
export const PUBLIC_KEY_FILE = 'audit-ed25519.pub.pem';
export const CHECKPOINT_FILE = 'checkpoints.jsonl';
export const VERIFIED_POINT_FILE = 'verified-point.json';

/** `<dataDir>/audit`. */
export function auditDir(dataDir: string): string {
  return join(dataDir, 'audit');
}

export interface AuditKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
  /** The key's fingerprint: the id of the chain it signs. */
  chain: string;
  /** True when the pair was generated now (first start, or the files were removed). */
  created: boolean;
}

export class AuditKeyError extends Error {}

/**
 * Loads the key pair from `dir`, generating it when there is none. A private key readable by
 * others is made 0600 (and said so); a public key file that does not match the private key is
 * refused (one of them was replaced).
 */
export function loadOrCreateKeys(dir: string, log: (level: 'info' | 'warn', message: string) => void = () => undefined): AuditKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  let created = false;
  if (!existsSync(privatePath)) {
    const pair = generateKeyPairSync('ed25519');
    // `wx`: never overwrite a key another process wrote meanwhile.
    writeFileSync(privatePath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    writeFileSync(publicPath, pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    created = true;
  }
  const mode = statSync(privatePath).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(privatePath, 0o600);
    log('warn', `audit: ${privatePath} was readable by others (mode ${mode.toString(8)}); set to 0600`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(privatePath));
  } catch (err) {
    throw new AuditKeyError(
      `audit: ${privatePath} is not a readable private key (${(err as Error).message}); restore it from a backup, or move it away to start a new chain`,
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new AuditKeyError(`audit: ${privatePath} holds a ${privateKey.asymmetricKeyType} key; an Ed25519 key is expected`);
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (!existsSync(publicPath)) writeFileSync(publicPath, publicPem, { mode: 0o644 });
  else if (keyFingerprint(loadPublicKey(publicPath)) !== keyFingerprint(publicKey)) {
    throw new AuditKeyError(
      `audit: ${publicPath} is not the public key of ${privatePath}: one of them was replaced; restore the pair from a backup`,
    );
  }
  return { privateKey, publicKey, publicPem, chain: keyFingerprint(publicKey), created };
}

/** Reads a public key (SPKI PEM), naming the file when it is not one. */
export function loadPublicKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(path));
  } catch (err) {
    throw new AuditKeyError(`${path} is not a readable public key in PEM (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AuditKeyError(`${path} holds a ${key.asymmetricKeyType} key; an Ed25519 public key is expected`);
  return key;
}

/** The append-only checkpoint file. */
export class CheckpointFile {
  constructor(readonly path: string) {}

  /** Appends one line and syncs it to disk before returning. */
  append(cp: Checkpoint): void {
    const fd = openSync(this.path, 'a', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(cp)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Every line, parsed (unparsable lines as a value of null with the error in `source`). */
  read(): Array<{ value: unknown; source: string }> {
    if (!existsSync(this.path)) return [];
    return readCheckpointText(readFileSync(this.path, 'utf8'), this.path);
  }
}

/** Checkpoint JSON lines from a file or an archive, each named by where it came from. */
export function readCheckpointText(text: string, name: string): Array<{ value: unknown; source: string }> {
  return parseCheckpointLines(text).map((l) => ({
    value: l.error ? { unparsable: l.error } : l.value,
    source: `${name} line ${l.line}${l.error ? ` (${l.error})` : ''}`,
  }));
}

/** The verified point's file: replaced whole (written beside it, synced, then renamed over it). */
export class VerifiedPointFile {
  constructor(readonly path: string) {}

  /** The parsed content, null when there is none, or the reason it cannot be read. */
  read(): { value: unknown } | null | { error: string } {
    if (!existsSync(this.path)) return null;
    try {
      return { value: JSON.parse(readFileSync(this.path, 'utf8')) as unknown };
    } catch (err) {
      return { error: `${this.path} is not readable JSON (${(err as Error).message})` };
    }
  }

  write(point: VerifiedPoint): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(point)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
