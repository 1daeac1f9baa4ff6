import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendEntry } from '../dispatch/dispatch-log.ts';
import type { DispatchLogEntry } from '../dispatch/unit-types.ts';
import {
  dispatchAuditInput,
  incidentAuditInput,
  securityAuditInput,
  type IncidentChangeRecord,
  type SecurityEventRecord,
} from './audit-bindings.ts';
import { appendAuditEntry, type AuditEntry } from './audit-log.ts';
import { verifyAudit, type AuditVerificationInput } from './audit-verification.ts';
import { keyFingerprint, signCheckpoint } from './checkpoint.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const keys = generateKeyPairSync('ed25519');
const CHAIN = keyFingerprint(keys.publicKey);

/** A small day: a login, an acknowledgement, two dispatch entries, a failed login; and the rows of each. */
function world() {
  const security: SecurityEventRecord[] = [
    { ts: T0, type: 'login', outcome: 'ok', username: 'admin', client: '127.0.0.1', detail: 'session s1', node: 'n1' },
    {
      ts: T0 + 4000,
      type: 'login_failed',
      outcome: 'refused',
      username: 'admin',
      client: '127.0.0.1',
      detail: 'wrong password',
      node: 'n1',
    },
  ];
  const incidents: IncidentChangeRecord[] = [
    { incidentId: 'inc-000001', at: T0 - 5000, actor: 'twin', what: 'opened', detail: 'opened' },
    { incidentId: 'inc-000001', at: T0 + 1000, actor: 'admin', what: 'acknowledged', detail: 'acknowledged' },
  ];
  const dispatch: DispatchLogEntry[] = [];
  dispatch.push(
    appendEntry(null, { at: T0 + 2000, actor: 'admin', action: 'assign', unitId: 'pump-1', incidentId: 'inc-000001', data: {} }),
  );
  dispatch.push(
    appendEntry(dispatch[0]!, { at: T0 + 3000, actor: 'twin', action: 'arrive', unitId: 'pump-1', incidentId: 'inc-000001', data: {} }),
  );
  const inputs = [
    securityAuditInput(security[0]!),
    incidentAuditInput(incidents[1]!),
    dispatchAuditInput(dispatch[0]!),
    dispatchAuditInput(dispatch[1]!),
    securityAuditInput(security[1]!),
  ];
  const entries: AuditEntry[] = [];
  for (const i of inputs) entries.push(appendAuditEntry(CHAIN, entries.at(-1) ?? null, i));
  const checkpoint = signCheckpoint(
    { v: 1, chain: CHAIN, seq: 5, hash: entries[4]!.hash, dispatch: { seq: 2, hash: dispatch[1]!.hash }, at: T0 + 5000, node: 'n1' },
    keys.privateKey,
  );
  const input: AuditVerificationInput = {
    entries,
    dispatch,
    incidentChanges: incidents,
    securityEvents: security,
    checkpoints: [{ value: JSON.parse(JSON.stringify(checkpoint)), source: 'checkpoints.jsonl line 1' }],
    publicKey: keys.publicKey,
    foreignChainsAllowed: false,
    now: T0 + 10_000,
  };
  return input;
}

const kinds = (input: AuditVerificationInput) => verifyAudit(input).problems.map((p) => `${p.stream}/${p.kind}`);

describe('verifyAudit', () => {
  it('passes an untouched record and names the anchored head', () => {
    const v = verifyAudit(world());
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({
      ok: true,
      chain: CHAIN,
      chains: [{ chain: CHAIN, checked: 5, anchored: true }],
      dispatch: { checked: 2 },
      checkpoints: { read: 1, valid: 1, last: { seq: 5 } },
    });
  });

  it('finds an actor rewritten in the incident history', () => {
    const w = world();
    w.incidentChanges = w.incidentChanges.map((c) => (c.what === 'acknowledged' ? { ...c, actor: 'someone-else' } : c));
    const v = verifyAudit(w);
    expect(v.problems).toEqual([
      expect.objectContaining({
        stream: 'incident',
        kind: 'altered',
        seq: 2,
        detail: expect.stringContaining('actor "someone-else" (audited "admin")'),
      }),
    ]);
  });

  it('finds a person’s change inserted into the incident history, or turned into the twin’s', () => {
    const w = world();
    w.incidentChanges = [
      ...w.incidentChanges,
      { incidentId: 'inc-000001', at: T0 + 1500, actor: 'mallory', what: 'closed', detail: 'closed' },
    ];
    expect(kinds(w)).toEqual(['incident/unaudited']);
  });

  it('finds the dispatch log tail cut while stopped, by the checkpoint and by the bindings', () => {
    const w = world();
    w.dispatch = w.dispatch.slice(0, 1);
    expect(kinds(w)).toEqual(['dispatch/missing', 'dispatch/missing']);
    expect(verifyAudit(w).problems[0]!.detail).toMatch(/the log ends at seq 1 but the checkpoint signed at .* records 2 entries/);
  });

  it('finds a deleted login event', () => {
    const w = world();
    w.securityEvents = w.securityEvents.filter((e) => e.type !== 'login');
    const v = verifyAudit(w);
    expect(v.problems).toEqual([
      expect.objectContaining({ stream: 'security', kind: 'missing', seq: 1, detail: expect.stringContaining('"login" of admin') }),
    ]);
  });

  it('finds the audit log itself cut, or re-signed with another key', () => {
    const w = world();
    expect(kinds({ ...w, entries: w.entries.slice(0, 3) })).toContain('audit/missing');
    const other = generateKeyPairSync('ed25519');
    const forged = signCheckpoint(
      { v: 1, chain: CHAIN, seq: 3, hash: w.entries[2]!.hash, dispatch: null, at: T0, node: 'n1' },
      other.privateKey,
    );
    expect(kinds({ ...w, checkpoints: [...w.checkpoints, { value: forged, source: 'line 2' }] })).toEqual(['checkpoint/bad_checkpoint']);
  });

  it('reports a chain with no checkpoint, and a chain of another key in a store of its own', () => {
    const w = world();
    expect(kinds({ ...w, checkpoints: [] })).toEqual(['checkpoint/no_checkpoint']);
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(kinds({ ...w, publicKey: other, checkpoints: [] })).toEqual(['checkpoint/foreign_chain']);
    expect(kinds({ ...w, publicKey: other, checkpoints: [], foreignChainsAllowed: true })).toEqual([]);
  });

  it('does not ask for entries of rows made before the audit log began', () => {
    const w = world();
    w.incidentChanges = [
      ...w.incidentChanges,
      { incidentId: 'inc-000000', at: T0 - 86_400_000, actor: 'li.na', what: 'closed', detail: 'closed' },
    ];
    expect(verifyAudit(w).ok).toBe(true);
  });
});
