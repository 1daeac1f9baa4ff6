/**
 * The tamper-evident dispatch log: every dispatcher and twin action on a unit is one entry of
 * a hash chain (twin-model/audit/hash-chain.ts): each entry carries the SHA-256 of its
 * canonical form including the previous entry's hash. Changing, removing, inserting or
 * reordering an entry breaks the chain at that point; cutting off the tail is caught against
 * an anchor (the head recorded in the audit log's signed checkpoints, docs/security.md).
 *
 * Independent of storage: the server appends entries and stores them (ClickHouse), the
 * `citytwin audit verify` and `bin/verify-dispatch-log.ts` commands and the API verify what
 * was read back.
 *
 * Uses `node:crypto`, so this module is NOT exported from `twin-model/dispatch/index.ts`
 * (which the console bundle may import); import it by path on the server.
 */
import { nextLink, sha256Canonical, verifyLinks, type ChainHead, type ChainVerification, type VerifyOptions } from '../audit/hash-chain.ts';
import type { DispatchLogEntry } from './unit-types.ts';

export { canonicalJson, CanonicalJsonError, FIRST_SEQ, GENESIS_HASH } from '../audit/hash-chain.ts';
export type { ChainProblem, ChainProblemKind, ChainVerification, VerifyOptions } from '../audit/hash-chain.ts';

/** What a caller supplies for a new entry; `seq`, `prevHash` and `hash` are computed. */
export type DispatchLogInput = Omit<DispatchLogEntry, 'seq' | 'prevHash' | 'hash'>;

/** The hash an entry should carry: SHA-256 (hex) over the canonical form of every field but `hash`. */
export function entryHash(entry: Omit<DispatchLogEntry, 'hash'>): string {
  return sha256Canonical({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    unitId: entry.unitId,
    incidentId: entry.incidentId,
    reason: entry.reason,
    data: entry.data,
    prevHash: entry.prevHash,
  });
}

/** The entry that follows `prev` (or starts the log when `prev` is null), hashed and chained. */
export function appendEntry(prev: ChainHead | null, input: DispatchLogInput): DispatchLogEntry {
  const { seq, prevHash } = nextLink(prev);
  const entry: Omit<DispatchLogEntry, 'hash'> = {
    seq,
    at: input.at,
    actor: input.actor,
    action: input.action,
    ...(input.unitId !== undefined ? { unitId: input.unitId } : {}),
    ...(input.incidentId !== undefined ? { incidentId: input.incidentId } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    data: input.data,
    prevHash,
  };
  return { ...entry, hash: entryHash(entry) };
}

/**
 * Checks a log (entries in stored order): every hash and link, and the anchors given
 * (hash-chain.ts `verifyLinks`).
 */
export function verifyChain(entries: readonly DispatchLogEntry[], options: VerifyOptions = {}): ChainVerification {
  return verifyLinks(entries, entryHash, options);
}
