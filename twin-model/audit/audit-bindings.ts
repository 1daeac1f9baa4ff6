/**
 * Binds audit entries to the domain rows of the same actions, so that changing a domain table
 * is found as surely as changing the audit log itself:
 *
 * - an incident action by a person ↔ its `incident_changes` row, by (incident, time, change);
 * - a dispatch log entry ↔ its `dispatch_log` row, by seq and hash;
 * - a security event ↔ its `security_events` row, by (time, type, node).
 *
 * Each entry must find its row with the same content (else `missing` — deleted — or `altered`
 * — rewritten); each row of those kinds made while the chain was being written must be claimed
 * by an entry (else `unaudited` — inserted, or rewritten so that it no longer matches). Pure.
 */
import type { DispatchLogEntry } from '../dispatch/unit-types.ts';
import type { AuditEntry, AuditInput } from './audit-log.ts';

/** An `incident_changes` row as the binding reads it. */
export interface IncidentChangeRecord {
  incidentId: string;
  at: number;
  actor: string;
  what: string;
  detail: string;
}

/** A `security_events` row. */
export interface SecurityEventRecord {
  ts: number;
  type: string;
  outcome: string;
  username: string;
  client: string;
  detail: string;
  node: string;
}

/** Actors of automatic incident changes (not audited: the correlator's own work). */
export const AUTOMATIC_ACTORS: ReadonlySet<string> = new Set(['twin', 'simulator']);

export type BindingProblemKind = 'missing' | 'altered' | 'unaudited';

export interface BindingProblem {
  stream: 'incident' | 'dispatch' | 'security';
  kind: BindingProblemKind;
  /** The audit entry's seq (missing, altered) or the domain row's seq (dispatch unaudited); null when the row has none. */
  seq: number | null;
  detail: string;
}

/** The audit entry of an incident change made by a person. */
export function incidentAuditInput(c: IncidentChangeRecord & { status?: string; severity?: number }): AuditInput {
  return {
    at: c.at,
    actor: c.actor,
    stream: 'incident',
    action: c.what,
    object: c.incidentId,
    detail: c.detail,
    data: { ...(c.status !== undefined ? { status: c.status } : {}), ...(c.severity !== undefined ? { severity: c.severity } : {}) },
  };
}

/** The audit entry of a dispatch log entry: bound to it by seq and hash. */
export function dispatchAuditInput(e: DispatchLogEntry): AuditInput {
  return {
    at: e.at,
    actor: e.actor,
    stream: 'dispatch',
    action: e.action,
    object: e.unitId ?? e.incidentId ?? '',
    detail: e.reason ?? '',
    data: { ref: e.seq, refHash: e.hash, ...(e.incidentId ? { incidentId: e.incidentId } : {}), ...(e.unitId ? { unitId: e.unitId } : {}) },
  };
}

/** The audit entry of a security event (login, failed login, token and user changes …). */
export function securityAuditInput(e: SecurityEventRecord): AuditInput {
  return {
    at: e.ts,
    actor: e.username,
    stream: 'security',
    action: e.type,
    object: '',
    detail: e.detail,
    data: { outcome: e.outcome, client: e.client, node: e.node },
  };
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Content fields that differ, as `name "stored" (audited "x")`. */
function differences(pairs: Array<[string, string, string]>): string {
  return pairs
    .filter(([, stored, audited]) => stored !== audited)
    .map(([name, stored, audited]) => `${name} ${JSON.stringify(stored)} (audited ${JSON.stringify(audited)})`)
    .join(', ');
}

/**
 * Claims rows for entries by key, preferring a row with the same content; what is left
 * unclaimed is returned. `same(row, entry)` says whether the content matches.
 */
function claim<R, E>(
  rows: readonly R[],
  keyOfRow: (r: R) => string,
  entries: readonly E[],
  keyOfEntry: (e: E) => string,
  same: (r: R, e: E) => boolean,
  onEntry: (e: E, match: R | null, exact: boolean) => void,
): R[] {
  const byKey = new Map<string, R[]>();
  for (const r of rows) {
    const k = keyOfRow(r);
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  for (const e of entries) {
    const list = byKey.get(keyOfEntry(e));
    if (!list || list.length === 0) {
      onEntry(e, null, false);
      continue;
    }
    let i = list.findIndex((r) => same(r, e));
    const exact = i >= 0;
    if (i < 0) i = 0;
    const [row] = list.splice(i, 1);
    onEntry(e, row!, exact);
  }
  return [...byKey.values()].flat();
}

export interface BindingInput {
  /** Audit entries of every chain. */
  entries: readonly AuditEntry[];
  dispatch: readonly DispatchLogEntry[];
  incidentChanges: readonly IncidentChangeRecord[];
  securityEvents: readonly SecurityEventRecord[];
  /**
   * The time span the audit chains cover: rows outside it are not asked for an entry (made
   * before the audit log existed, or after its last stored entry).
   */
  since: number;
  until: number;
}

export function checkBindings(input: BindingInput): BindingProblem[] {
  const problems: BindingProblem[] = [];
  const inSpan = (t: number) => t >= input.since && t <= input.until;

  // Incident actions by people.
  const incidentEntries = input.entries.filter((e) => e.stream === 'incident');
  const incidentKey = (id: string, at: number, what: string) => `${id}\u0000${at}\u0000${what}`;
  const leftChanges = claim(
    input.incidentChanges,
    (r) => incidentKey(r.incidentId, r.at, r.what),
    incidentEntries,
    (e) => incidentKey(e.object, e.at, e.action),
    (r, e) => r.actor === e.actor && r.detail === e.detail,
    (e, row, exact) => {
      const what = `incident ${e.object}: the change "${e.action}" by ${e.actor} at ${iso(e.at)} (audit entry ${e.seq})`;
      if (!row)
        problems.push({ stream: 'incident', kind: 'missing', seq: e.seq, detail: `${what} is not in incident_changes: it was deleted` });
      else if (!exact)
        problems.push({
          stream: 'incident',
          kind: 'altered',
          seq: e.seq,
          detail: `${what} was rewritten in incident_changes: ${differences([
            ['actor', row.actor, e.actor],
            ['detail', row.detail, e.detail],
          ])}`,
        });
    },
  );
  for (const r of leftChanges) {
    if (AUTOMATIC_ACTORS.has(r.actor) || !inSpan(r.at)) continue;
    problems.push({
      stream: 'incident',
      kind: 'unaudited',
      seq: null,
      detail: `incident ${r.incidentId}: the change "${r.what}" by ${r.actor} at ${iso(r.at)} is in incident_changes but not in the audit log: it was inserted, or rewritten`,
    });
  }

  // Dispatch log entries.
  const dispatchBySeq = new Map<number, DispatchLogEntry>();
  for (const d of input.dispatch) if (!dispatchBySeq.has(d.seq)) dispatchBySeq.set(d.seq, d);
  const claimed = new Set<number>();
  for (const e of input.entries) {
    if (e.stream !== 'dispatch') continue;
    const ref = typeof e.data.ref === 'number' ? e.data.ref : Number.NaN;
    claimed.add(ref);
    const row = dispatchBySeq.get(ref);
    const what = `dispatch log entry ${ref} ("${e.action}"${e.object ? ` of ${e.object}` : ''} by ${e.actor} at ${iso(e.at)}, audit entry ${e.seq})`;
    if (!row) problems.push({ stream: 'dispatch', kind: 'missing', seq: e.seq, detail: `${what} is not in dispatch_log: it was deleted` });
    else if (row.hash !== str(e.data.refHash))
      problems.push({
        stream: 'dispatch',
        kind: 'altered',
        seq: e.seq,
        detail: `${what} was replaced in dispatch_log: it now reads "${row.action}" by ${row.actor} with hash ${row.hash.slice(0, 12)}…`,
      });
  }
  for (const d of input.dispatch) {
    if (claimed.has(d.seq) || !inSpan(d.at)) continue;
    problems.push({
      stream: 'dispatch',
      kind: 'unaudited',
      seq: d.seq,
      detail: `dispatch log entry ${d.seq} ("${d.action}" by ${d.actor} at ${iso(d.at)}) is not in the audit log: it was inserted`,
    });
  }

  // Security events.
  const securityEntries = input.entries.filter((e) => e.stream === 'security');
  const nodes = new Set(securityEntries.map((e) => str(e.data.node)));
  const securityKey = (ts: number, type: string, node: string) => `${ts}\u0000${type}\u0000${node}`;
  const leftEvents = claim(
    input.securityEvents,
    (r) => securityKey(r.ts, r.type, r.node),
    securityEntries,
    (e) => securityKey(e.at, e.action, str(e.data.node)),
    (r, e) => r.outcome === str(e.data.outcome) && r.username === e.actor && r.client === str(e.data.client) && r.detail === e.detail,
    (e, row, exact) => {
      const what = `the security event "${e.action}" of ${e.actor || '(no user)'} at ${iso(e.at)} (audit entry ${e.seq})`;
      if (!row)
        problems.push({ stream: 'security', kind: 'missing', seq: e.seq, detail: `${what} is not in security_events: it was deleted` });
      else if (!exact) {
        const diff = differences([
          ['outcome', row.outcome, str(e.data.outcome)],
          ['username', row.username, e.actor],
          ['client', row.client, str(e.data.client)],
          ['detail', row.detail, e.detail],
        ]);
        problems.push({ stream: 'security', kind: 'altered', seq: e.seq, detail: `${what} was rewritten in security_events: ${diff}` });
      }
    },
  );
  for (const r of leftEvents) {
    if (!nodes.has(r.node) || !inSpan(r.ts)) continue;
    problems.push({
      stream: 'security',
      kind: 'unaudited',
      seq: null,
      detail: `the security event "${r.type}" of ${r.username || '(no user)'} at ${iso(r.ts)} on ${r.node} is in security_events but not in the audit log: it was inserted, or rewritten`,
    });
  }
  return problems;
}
