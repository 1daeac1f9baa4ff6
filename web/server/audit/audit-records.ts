/**
 * What a verification of the audit record reads from ClickHouse, through the stores: everything
 * (the full verification — the server on demand, `citytwin audit verify`, and the start-up check
 * when it cannot start from a verified point), or only what was added after a verified point
 * (twin-model/audit/verified-point.ts). Also the point a successful verification confirmed.
 */
import { AccountsStore, AuditStore, type StorageClient, type FingerprintSpan } from '../../../storage/index.ts';
import type { AuditEntry } from '../../../twin-model/audit/audit-log.ts';
import type { AuditVerificationInput, VerifiedStart } from '../../../twin-model/audit/audit-verification.ts';
import type { Checkpoint } from '../../../twin-model/audit/checkpoint.ts';
import type { ChainHead } from '../../../twin-model/audit/hash-chain.ts';
import { headsOf, type VerifiedPoint, type VerifiedPointBody } from '../../../twin-model/audit/verified-point.ts';
import type { DispatchLogEntry } from '../../../twin-model/index.ts';
import { DispatchLogStore } from '../../../storage/dispatch-log-store.ts';
import { IncidentStore } from '../../../storage/incident-store.ts';

export type AuditRecords = Pick<AuditVerificationInput, 'entries' | 'dispatch' | 'incidentChanges' | 'securityEvents'>;

/**
 * Everything a full verification reads: the audit entries of every chain, the dispatch log, and
 * the incident changes and security events since the first entry (the server and `citytwin audit
 * verify` read the same).
 */
export async function readAuditRecords(client: StorageClient): Promise<AuditRecords> {
  const entries = await new AuditStore(client).entries();
  const since = entries.reduce((m, e) => Math.min(m, e.at), Number.MAX_SAFE_INTEGER);
  const ids = incidentIds(entries);
  const none = entries.length === 0;
  const [dispatch, incidentChanges, securityEvents] = await Promise.all([
    new DispatchLogStore(client).entries(),
    none ? Promise.resolve([]) : new IncidentStore(client).changesForAudit(since, ids),
    none ? Promise.resolve([]) : new AccountsStore(client).securityEventsSince(since),
  ]);
  return { entries, dispatch, incidentChanges, securityEvents };
}

function incidentIds(entries: readonly AuditEntry[]): string[] {
  return [...new Set(entries.filter((e) => e.stream === 'incident').map((e) => e.object))];
}

/**
 * What was added after a verified point: the entries after each confirmed head; every entry made
 * from the window on (the end of the confirmed span, or the first new entry if earlier) with the
 * incident changes and security events of that time; the dispatch log from its confirmed head
 * (read from that entry's time on) and from the window on.
 */
export async function readAuditRecordsSince(client: StorageClient, point: VerifiedPoint): Promise<AuditRecords & { from: VerifiedStart }> {
  const store = new AuditStore(client);
  const entries = await store.entriesAfter(point.heads);
  let window = point.until === null ? Number.MAX_SAFE_INTEGER : point.until + 1;
  for (const e of entries) window = Math.min(window, e.at);
  const bindingEntries = window === Number.MAX_SAFE_INTEGER ? [] : await store.entriesFrom(window);
  const none = bindingEntries.length === 0;
  const dispatchFrom = point.dispatch ? Math.min(window, point.dispatch.at) : null;
  const [dispatch, incidentChanges, securityEvents] = await Promise.all([
    new DispatchLogStore(client).entries(dispatchFrom === null ? {} : { from: dispatchFrom }),
    none ? Promise.resolve([]) : new IncidentStore(client).changesForAudit(window, incidentIds(bindingEntries)),
    none ? Promise.resolve([]) : new AccountsStore(client).securityEventsSince(window),
  ]);
  return {
    entries,
    dispatch,
    incidentChanges,
    securityEvents,
    from: { heads: headsOf(point), dispatch: point.dispatch, window, bindingEntries },
  };
}

/** The part of the record a point confirms, without its fingerprints and signature. */
export type ConfirmedSpan = Omit<VerifiedPointBody, 'v' | 'chain' | 'at' | 'fingerprints'>;

/**
 * What a successful verification confirmed: the last entry of each chain it checked (after the
 * previous point's heads when it started from one), the dispatch log's last entry, the newest
 * valid checkpoint, and the span of the entries' times.
 */
export function confirmedSpan(
  entries: readonly AuditEntry[],
  dispatch: readonly DispatchLogEntry[],
  checkpoints: readonly Checkpoint[],
  previous: VerifiedPoint | null = null,
): ConfirmedSpan {
  const heads = new Map<string, ChainHead>(previous ? headsOf(previous) : []);
  let since = previous?.since ?? null;
  let until = previous?.until ?? null;
  for (const e of entries) {
    const held = heads.get(e.chain);
    if (!held || e.seq > held.seq) heads.set(e.chain, { seq: e.seq, hash: e.hash });
    since = since === null ? e.at : Math.min(since, e.at);
    until = until === null ? e.at : Math.max(until, e.at);
  }
  let lastDispatch: VerifiedPoint['dispatch'] = previous?.dispatch ?? null;
  for (const d of dispatch) if (!lastDispatch || d.seq > lastDispatch.seq) lastDispatch = { seq: d.seq, hash: d.hash, at: d.at };
  const newest = checkpoints.reduce<Checkpoint | null>((best, c) => (!best || c.seq > best.seq ? c : best), null);
  return {
    heads: [...heads].map(([chain, h]) => ({ chain, seq: h.seq, hash: h.hash })).sort((a, b) => (a.chain < b.chain ? -1 : 1)),
    dispatch: lastDispatch,
    checkpoint: newest ? { seq: newest.seq, hash: newest.hash } : null,
    since,
    until,
  };
}

/** The fingerprints' span of a confirmed part. */
export function fingerprintSpan(span: ConfirmedSpan): FingerprintSpan {
  return { heads: span.heads, dispatchSeq: span.dispatch?.seq ?? null, since: span.since, until: span.until };
}
