/**
 * The audit log: ONE tamper-evident record of every action people (and the twin, for
 * dispatch) take — incident actions, dispatch, logins and other security events, user, role
 * and token changes, configuration changes, exports, the public-warning desk (`cap`). Each action is one entry of a hash chain
 * (hash-chain.ts), so the record cannot be changed unnoticed; entries whose action also lives
 * in a domain table (incident_changes, dispatch_log, security_events) are bound to that row
 * (audit-bindings.ts), so the domain table cannot be changed unnoticed either.
 *
 * One chain per key pair (a node's data directory): its id is the key's fingerprint
 * (checkpoint.ts), and every entry names it, so chains of several web nodes can share a table.
 */
import {
  nextLink,
  sha256Canonical,
  verifyLinks,
  type ChainHead,
  type ChainLink,
  type ChainVerification,
  type VerifyOptions,
} from './hash-chain.ts';

/** What an entry is about. */
export const AUDIT_STREAMS = ['incident', 'dispatch', 'security', 'config', 'city', 'export', 'audit', 'shift', 'cap', 'case'] as const;
export type AuditStream = (typeof AUDIT_STREAMS)[number];

export interface AuditEntry extends ChainLink {
  /** The chain (key fingerprint) this entry belongs to. */
  chain: string;
  /** Epoch ms of the action. */
  at: number;
  /** User name, or `twin` / `system` for automatic actions. */
  actor: string;
  stream: AuditStream;
  /** The stream's own verb: `acknowledged`, `assign`, `login_failed`, `changed`, `csv` … */
  action: string;
  /** What the action was on: an incident, a unit, a range …; empty when nothing in particular. */
  object: string;
  /** The action's own words (a reason, a security event's detail). */
  detail: string;
  /** Details, and the binding to a domain row (audit-bindings.ts). */
  data: Record<string, unknown>;
}

/** What a caller supplies; chain, seq and hashes are the appender's. */
export type AuditInput = Omit<AuditEntry, 'chain' | 'seq' | 'prevHash' | 'hash'>;

/** SHA-256 over the canonical form of every field but `hash`. */
export function auditEntryHash(e: Omit<AuditEntry, 'hash'>): string {
  return sha256Canonical({
    chain: e.chain,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    stream: e.stream,
    action: e.action,
    object: e.object,
    detail: e.detail,
    data: e.data,
    prevHash: e.prevHash,
  });
}

/** The entry after `prev` in `chain` (or the chain's first when `prev` is null). */
export function appendAuditEntry(chain: string, prev: ChainHead | null, input: AuditInput): AuditEntry {
  const body: Omit<AuditEntry, 'hash'> = {
    chain,
    ...nextLink(prev),
    at: input.at,
    actor: input.actor,
    stream: input.stream,
    action: input.action,
    object: input.object,
    detail: input.detail,
    data: input.data,
  };
  return { ...body, hash: auditEntryHash(body) };
}

/** Checks one chain's entries (in seq order) with hash-chain.ts `verifyLinks`. */
export function verifyAuditChain(entries: readonly AuditEntry[], options: VerifyOptions = {}): ChainVerification {
  return verifyLinks(entries, auditEntryHash, options);
}

export function isAuditStream(value: unknown): value is AuditStream {
  return typeof value === 'string' && (AUDIT_STREAMS as readonly string[]).includes(value);
}
