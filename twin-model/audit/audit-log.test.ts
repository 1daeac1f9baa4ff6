import { describe, expect, it } from 'vitest';
import { appendAuditEntry, auditEntryHash, verifyAuditChain, type AuditEntry, type AuditInput } from './audit-log.ts';
import { canonicalJson, GENESIS_HASH, sha256Canonical } from './hash-chain.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const CHAIN = '0123456789abcdef';

function input(i: number): AuditInput {
  return i % 2 === 0
    ? {
        at: T0 + i * 1000,
        actor: 'zhang.wei',
        stream: 'incident',
        action: 'acknowledged',
        object: `inc-00000${i}`,
        detail: 'acknowledged',
        data: { status: 'acknowledged' },
      }
    : {
        at: T0 + i * 1000,
        actor: 'admin',
        stream: 'security',
        action: 'login',
        object: '',
        detail: `session s${i}`,
        data: { outcome: 'ok', client: '127.0.0.1', node: 'n1' },
      };
}

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 0; i < n; i++) out.push(appendAuditEntry(CHAIN, out.at(-1) ?? null, input(i)));
  return out;
}

describe('the audit chain', () => {
  it('hashes the canonical JSON of every field but the hash, including the chain id', () => {
    const [first] = chain(1);
    const { hash, ...body } = first!;
    expect(first).toMatchObject({ chain: CHAIN, seq: 1, prevHash: GENESIS_HASH });
    expect(hash).toBe(sha256Canonical(body));
    expect(canonicalJson(body).startsWith('{"action":"acknowledged","actor":"zhang.wei","at":')).toBe(true);
    expect(auditEntryHash({ ...body, chain: 'fedcba9876543210' })).not.toBe(hash);
  });

  it('verifies an intact chain and finds a rewritten actor', () => {
    const log = chain(5);
    expect(verifyAuditChain(log)).toMatchObject({ ok: true, checked: 5, head: { seq: 5 } });
    log[2] = { ...log[2]!, actor: 'someone.else' };
    expect(verifyAuditChain(log).problems).toEqual([{ seq: 3, kind: 'altered', detail: expect.stringContaining('content was changed') }]);
  });

  it('finds a deleted entry and, against the signed heads, a cut tail', () => {
    const log = chain(8);
    const anchors = [
      { seq: 4, hash: log[3]!.hash, label: 'checkpoint A' },
      { seq: 8, hash: log[7]!.hash, label: 'checkpoint B' },
    ];
    expect(verifyAuditChain(log, { anchors }).ok).toBe(true);
    const deleted = log.filter((e) => e.seq !== 3);
    expect(verifyAuditChain(deleted, { anchors }).problems).toEqual([
      { seq: 3, kind: 'missing', detail: 'entry 3 is missing (between 2 and 4)' },
    ]);
    const cut = log.slice(0, 6);
    expect(verifyAuditChain(cut).ok).toBe(true);
    expect(verifyAuditChain(cut, { anchors }).problems).toEqual([
      { seq: 7, kind: 'missing', detail: expect.stringContaining('checkpoint B records 8 entries: 2 entries were cut off the end') },
    ]);
  });

  it('finds a chain re-hashed from some point on at every checkpoint it contradicts', () => {
    const log = chain(8);
    const anchors = [
      { seq: 4, hash: log[3]!.hash, label: 'checkpoint A' },
      { seq: 6, hash: log[5]!.hash, label: 'checkpoint B' },
    ];
    const forged = log.slice(0, 2);
    for (let i = 2; i < 8; i++) forged.push(appendAuditEntry(CHAIN, forged.at(-1)!, { ...input(i), actor: 'mallory' }));
    expect(verifyAuditChain(forged).ok).toBe(true);
    expect(verifyAuditChain(forged, { anchors }).problems.map((p) => [p.seq, p.kind, p.detail.includes('rewritten')])).toEqual([
      [4, 'altered', true],
      [6, 'altered', true],
    ]);
  });
});
