/**
 * Verifies everything the audit record covers, as one pure function the server (at start and
 * on demand) and the offline command (`citytwin audit verify`) share:
 *
 * 1. the signed checkpoints: each must be of this key's chain and verify with its public key;
 * 2. every audit chain in the table: hashes and links, and — for this key's chain — every
 *    signed checkpoint as an anchor (a cut tail, a deleted entry, a rewritten chain);
 * 3. the dispatch log's own chain, anchored at the dispatch heads of the checkpoints;
 * 4. the bindings between audit entries and the domain rows (audit-bindings.ts).
 *
 * {@link verifyAuditSince} does the same from a point a previous verification confirmed
 * (verified-point.ts): each chain from the entry after its confirmed head, the dispatch log from
 * the entry after its head, the bindings from a moment on.
 */
import type { KeyObject } from 'node:crypto';
import { verifyChain as verifyDispatchChain } from '../dispatch/dispatch-log.ts';
import type { DispatchLogEntry } from '../dispatch/unit-types.ts';
import { verifyAuditChain, type AuditEntry } from './audit-log.ts';
import { checkBindings, type IncidentChangeRecord, type SecurityEventRecord } from './audit-bindings.ts';
import { checkCheckpoint, keyFingerprint, type Checkpoint } from './checkpoint.ts';
import type { ChainAnchor, ChainHead } from './hash-chain.ts';

export type AuditProblemStream = 'audit' | 'dispatch' | 'incident' | 'security' | 'checkpoint';
export type AuditProblemKind =
  | 'altered'
  | 'missing'
  | 'reordered'
  | 'bad_start'
  | 'unaudited'
  | 'bad_checkpoint'
  | 'no_checkpoint'
  | 'foreign_chain';

export interface AuditProblem {
  stream: AuditProblemStream;
  kind: AuditProblemKind;
  /** The entry's seq in its chain (audit or dispatch), when there is one. */
  seq: number | null;
  detail: string;
}

export interface AuditVerification {
  ok: boolean;
  /** `full` (also when absent): everything stored; `since`: what was added after a verified point (verified-point.ts). */
  scope?: 'full' | 'since';
  /** When it ran (epoch ms). */
  at: number;
  problems: AuditProblem[];
  /** This key's chain (null without a key). */
  chain: string | null;
  chains: Array<{ chain: string; checked: number; head: ChainHead | null; anchored: boolean }>;
  dispatch: { checked: number; head: ChainHead | null };
  checkpoints: { read: number; valid: number; last: { seq: number; hash: string; at: number; dispatch: ChainHead | null } | null };
}

export interface AuditVerificationInput {
  /** Audit entries of every chain in the table, in any order. */
  entries: readonly AuditEntry[];
  /** The dispatch log, in seq order. */
  dispatch: readonly DispatchLogEntry[];
  incidentChanges: readonly IncidentChangeRecord[];
  securityEvents: readonly SecurityEventRecord[];
  /** Checkpoints read back (parsed JSON), with where each came from for messages. */
  checkpoints: ReadonlyArray<{ value: unknown; source: string }>;
  /** The public key whose chain this is; null verifies every chain without anchors (and says so). */
  publicKey: KeyObject | null;
  /**
   * Whether chains of other keys may be in the table (several web nodes share a ClickHouse
   * server). With a store of its own (the embedded engine) another chain means the key was
   * replaced: reported.
   */
  foreignChainsAllowed: boolean;
  now: number;
}

/** Where a verification starts when a previous one confirmed the record up to a point. */
export interface VerifiedStart {
  /** Per chain, the last entry confirmed: `entries` then holds only the entries after it (every entry of other chains). */
  heads: ReadonlyMap<string, ChainHead>;
  /** The dispatch log's last entry confirmed: only `dispatch` rows after it are chained. */
  dispatch: ChainHead | null;
  /**
   * Bindings are checked for entries and domain rows at or after this moment (epoch ms):
   * `bindingEntries` holds every entry of every chain made then or later, and `incidentChanges`
   * and `securityEvents` the rows from then on.
   */
  window: number;
  bindingEntries: readonly AuditEntry[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function verifyAudit(input: AuditVerificationInput): AuditVerification {
  return verify(input, null);
}

/** Verifies what was added after a verified point; the same problems as {@link verifyAudit} for what it reads. */
export function verifyAuditSince(input: AuditVerificationInput, from: VerifiedStart): AuditVerification {
  return verify(input, from);
}

function verify(input: AuditVerificationInput, from: VerifiedStart | null): AuditVerification {
  const problems: AuditProblem[] = [];
  const chain = input.publicKey ? keyFingerprint(input.publicKey) : null;

  // 1. Checkpoints.
  const valid: Checkpoint[] = [];
  for (const { value, source } of input.checkpoints) {
    if (!input.publicKey) break;
    const check = checkCheckpoint(value, input.publicKey);
    if (check.ok) valid.push(check.checkpoint);
    else problems.push({ stream: 'checkpoint', kind: 'bad_checkpoint', seq: null, detail: `${source}: ${check.reason}` });
  }
  valid.sort((a, b) => a.seq - b.seq || a.at - b.at);
  const label = (cp: Checkpoint) => `the checkpoint signed at ${iso(cp.at)}`;

  // 2. Audit chains.
  const byChain = new Map<string, AuditEntry[]>();
  for (const e of input.entries) {
    const list = byChain.get(e.chain);
    if (list) list.push(e);
    else byChain.set(e.chain, [e]);
  }
  if (chain && !byChain.has(chain) && (valid.length > 0 || from?.heads.has(chain))) byChain.set(chain, []);
  const chains: AuditVerification['chains'] = [];
  for (const [id, list] of [...byChain].sort(([a], [b]) => (a === chain ? -1 : b === chain ? 1 : a.localeCompare(b)))) {
    list.sort((a, b) => a.seq - b.seq);
    const own = id === chain;
    const anchors: ChainAnchor[] = own ? valid.map((cp) => ({ seq: cp.seq, hash: cp.hash, label: label(cp) })) : [];
    const confirmed = from?.heads.get(id) ?? null;
    const result = verifyAuditChain(list, {
      anchors,
      ...(confirmed ? { start: { seq: confirmed.seq + 1, prevHash: confirmed.hash } } : {}),
    });
    for (const p of result.problems)
      problems.push({ stream: 'audit', kind: p.kind, seq: p.seq, detail: chain && !own ? `chain ${id}: ${p.detail}` : p.detail });
    if (own && (list.length > 0 || confirmed) && valid.length === 0) {
      problems.push({
        stream: 'checkpoint',
        kind: 'no_checkpoint',
        seq: null,
        detail: `the audit chain ${id} holds ${confirmed ? confirmed.seq + list.length : list.length} entries but no signed checkpoint of it was found: the checkpoint file was removed or emptied (compare with the archive of the MQTT topic)`,
      });
    }
    if (!own && chain && !input.foreignChainsAllowed && list.length > 0) {
      problems.push({
        stream: 'checkpoint',
        kind: 'foreign_chain',
        seq: null,
        detail: `the audit log holds ${list.length} entries of chain ${id}, which is not this node's key (${chain}): the key pair was replaced; verify that chain with its old public key and checkpoints`,
      });
    }
    chains.push({ chain: id, checked: list.length, head: result.head ?? confirmed, anchored: own && valid.length > 0 });
  }

  // 3. The dispatch log's chain.
  const dispatchAnchors: ChainAnchor[] = valid
    .filter((cp) => cp.dispatch)
    .map((cp) => ({ seq: cp.dispatch!.seq, hash: cp.dispatch!.hash, label: label(cp) }));
  const confirmedDispatch = from?.dispatch ?? null;
  const dispatch = verifyDispatchChain(confirmedDispatch ? input.dispatch.filter((d) => d.seq > confirmedDispatch.seq) : input.dispatch, {
    anchors: dispatchAnchors,
    ...(confirmedDispatch ? { start: { seq: confirmedDispatch.seq + 1, prevHash: confirmedDispatch.hash } } : {}),
  });
  for (const p of dispatch.problems) problems.push({ stream: 'dispatch', kind: p.kind, seq: p.seq, detail: p.detail });

  // 4. Bindings, over the time the chains cover (from the window on, after a verified point).
  const bound = from ? from.bindingEntries : input.entries;
  if (bound.length > 0) {
    let since = from ? from.window : Infinity;
    let until = -Infinity;
    for (const e of bound) {
      if (!from) since = Math.min(since, e.at);
      until = Math.max(until, e.at);
    }
    const seen = new Set(problems.filter((p) => p.stream === 'dispatch' && p.seq !== null).map((p) => `${p.seq}/${p.kind}`));
    for (const p of checkBindings({
      entries: bound,
      dispatch: input.dispatch,
      incidentChanges: input.incidentChanges,
      securityEvents: input.securityEvents,
      since,
      until,
    })) {
      // A dispatch row the chain check already named (unaudited rows carry the dispatch seq).
      if (p.stream === 'dispatch' && p.kind === 'unaudited' && seen.has(`${p.seq}/altered`)) continue;
      problems.push(p);
    }
  }

  const last = valid.at(-1) ?? null;
  return {
    ok: problems.length === 0,
    scope: from ? 'since' : 'full',
    at: input.now,
    problems,
    chain,
    chains,
    dispatch: { checked: dispatch.checked, head: dispatch.head ?? confirmedDispatch },
    checkpoints: {
      read: input.checkpoints.length,
      valid: valid.length,
      last: last ? { seq: last.seq, hash: last.hash, at: last.at, dispatch: last.dispatch } : null,
    },
  };
}

/** One line per problem, for logs, health and the command line. */
export function describeProblem(p: AuditProblem): string {
  return `[${p.stream}] ${p.kind}${p.seq !== null ? ` at ${p.seq}` : ''}: ${p.detail}`;
}

/** A short summary of a failed verification (health detail, security event). */
export function summarize(v: AuditVerification, max = 3): string {
  if (v.ok) return 'ok';
  const shown = v.problems.slice(0, max).map(describeProblem).join('; ');
  return `${v.problems.length} problem(s): ${shown}${v.problems.length > max ? `; … ${v.problems.length - max} more` : ''}`;
}
