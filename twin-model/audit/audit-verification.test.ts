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
import { verifyAudit, verifyAuditSince, type AuditVerificationInput, type VerifiedStart } from './audit-verification.ts';
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

describe('verifyAuditSince (from a verified point)', () => {
  /** The world verified through audit entry 3 and dispatch entry 1, then entries 4-5 and dispatch entry 2 added. */
  function since(input: AuditVerificationInput, window = T0 + 2000) {
    const e = input.entries;
    const from: VerifiedStart = {
      heads: new Map([[CHAIN, { seq: 3, hash: e[2]!.hash }]]),
      dispatch: { seq: 1, hash: input.dispatch[0]!.hash },
      window,
      bindingEntries: e.filter((x) => x.at >= window),
    };
    return verifyAuditSince(
      {
        ...input,
        entries: e.filter((x) => x.seq > 3),
        incidentChanges: input.incidentChanges.filter((c) => c.at >= window),
        securityEvents: input.securityEvents.filter((s) => s.ts >= window),
      },
      from,
    );
  }

  it('passes what was added after the point, with the heads it reached', () => {
    const v = since(world());
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({
      ok: true,
      scope: 'since',
      chains: [{ chain: CHAIN, checked: 2, head: { seq: 5 } }],
      dispatch: { checked: 1 },
    });
  });

  it('finds an added entry that does not follow the confirmed head, and a cut tail past the checkpoint', () => {
    const input = world();
    const forged = appendAuditEntry(CHAIN, { seq: 3, hash: 'f'.repeat(64) }, securityAuditInput(input.securityEvents[1]!));
    const broken = since({ ...input, entries: [...input.entries.slice(0, 3), forged, input.entries[4]!] });
    expect(broken.problems.map((p) => `${p.stream}/${p.kind}`)).toContain('audit/bad_start');
    const cut = since({ ...input, entries: input.entries.slice(0, 4) });
    expect(cut.problems.map((p) => `${p.stream}/${p.kind}/${p.seq}`)).toContain('audit/missing/5');
  });

  it('binds the rows from the window on: a deleted login after it is missing, an inserted action unaudited', () => {
    const input = world();
    const deleted = since({ ...input, securityEvents: input.securityEvents.slice(0, 1) });
    expect(deleted.problems.map((p) => `${p.stream}/${p.kind}`)).toEqual(['security/missing']);
    const inserted = since({
      ...input,
      incidentChanges: [
        ...input.incidentChanges,
        { incidentId: 'inc-000001', at: T0 + 3500, actor: 'mallory', what: 'closed', detail: 'closed' },
      ],
    });
    expect(inserted.problems.map((p) => `${p.stream}/${p.kind}`)).toEqual(['incident/unaudited']);
  });

  it('chains the dispatch log from its confirmed head', () => {
    const input = world();
    const other = appendEntry({ seq: 1, hash: '0'.repeat(64) } as DispatchLogEntry, {
      at: T0 + 3000,
      actor: 'twin',
      action: 'arrive',
      unitId: 'pump-1',
      incidentId: 'inc-000001',
      data: {},
    });
    const v = since({ ...input, dispatch: [input.dispatch[0]!, other] });
    expect(v.problems.some((p) => p.stream === 'dispatch' && (p.kind === 'bad_start' || p.kind === 'altered'))).toBe(true);
  });

  it('still requires a checkpoint when the point confirmed entries', () => {
    const v = since({ ...world(), checkpoints: [] });
    expect(v.problems.map((p) => `${p.stream}/${p.kind}`)).toContain('checkpoint/no_checkpoint');
  });
});
