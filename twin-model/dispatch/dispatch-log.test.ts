import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendEntry, canonicalJson, entryHash, GENESIS_HASH, verifyChain, type DispatchLogInput } from './dispatch-log.ts';
import type { DispatchLogEntry } from './unit-types.ts';

const T0 = Date.UTC(2026, 6, 1, 0, 30);

function input(i: number): DispatchLogInput {
  return i % 3 === 0
    ? {
        at: T0 + i * 1000,
        actor: 'zhang.wei',
        action: 'assign',
        unitId: `pump-${i}`,
        incidentId: `inc-${i}`,
        data: { etaS: 300 + i, ranked: [`pump-${i}`, 'pump-x'] },
      }
    : {
        at: T0 + i * 1000,
        actor: 'twin',
        action: 'status',
        unitId: `pump-${i}`,
        reason: i % 2 ? 'arrived' : undefined,
        data: { from: 'dispatched', to: 'en_route' },
      };
}

function chain(n: number): DispatchLogEntry[] {
  const out: DispatchLogEntry[] = [];
  for (let i = 0; i < n; i++) out.push(appendEntry(out[out.length - 1] ?? null, input(i)));
  return out;
}

/** An entry re-hashed after a change, as a forger with the code would do. */
function rehash(e: Omit<DispatchLogEntry, 'hash'>): DispatchLogEntry {
  return { ...e, hash: entryHash(e) };
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });
  it('writes numbers and strings as JSON does', () => {
    expect(canonicalJson([0.1, -0, 1e21, 1.5e-7, 'é"\n'])).toBe('[0.1,0,1e+21,1.5e-7,"é\\"\\n"]');
  });
  it('leaves out undefined properties so an absent and an undefined field hash alike', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });
  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ eta: Number.NaN })).toThrow(/\$\.eta is NaN/);
    expect(() => canonicalJson([1, undefined])).toThrow(/\$\[1\] is undefined/);
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(/\$\.at is a Date/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
  });
});

describe('appendEntry', () => {
  it('starts at seq 1 chained to 64 zeros and hashes the canonical form with SHA-256', () => {
    const first = appendEntry(null, input(0));
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(GENESIS_HASH);
    const body = {
      seq: 1,
      at: first.at,
      actor: 'zhang.wei',
      action: 'assign',
      unitId: 'pump-0',
      incidentId: 'inc-0',
      data: first.data,
      prevHash: GENESIS_HASH,
    };
    expect(first.hash).toBe(createHash('sha256').update(canonicalJson(body)).digest('hex'));
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
  });
  it('chains each entry to the one before', () => {
    const [a, b] = chain(2);
    expect(b!.seq).toBe(2);
    expect(b!.prevHash).toBe(a!.hash);
  });
  it('does not depend on the order of keys in data', () => {
    const x = appendEntry(null, { at: T0, actor: 'li', action: 'recommend', data: { a: 1, b: 2 } });
    const y = appendEntry(null, { at: T0, actor: 'li', action: 'recommend', data: { b: 2, a: 1 } });
    expect(x.hash).toBe(y.hash);
  });
});

describe('verifyChain', () => {
  it('accepts an intact log and names its head', () => {
    const log = chain(10);
    const result = verifyChain(log);
    expect(result).toEqual({ ok: true, checked: 10, problems: [], head: { seq: 10, hash: log[9]!.hash } });
  });

  it('accepts an empty log', () => {
    expect(verifyChain([])).toEqual({ ok: true, checked: 0, problems: [], head: null });
  });

  it('finds an entry changed without re-hashing', () => {
    const log = chain(6);
    log[3] = { ...log[3]!, actor: 'someone.else' };
    const result = verifyChain(log);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ seq: 4, kind: 'altered', detail: expect.stringContaining('content was changed') }]);
  });

  it('finds a change inside data', () => {
    const log = chain(6);
    log[2] = { ...log[2]!, data: { ...log[2]!.data, to: 'on_scene' } };
    expect(verifyChain(log).problems.map((p) => [p.seq, p.kind])).toEqual([[3, 'altered']]);
  });

  it('finds an entry changed and re-hashed, at the link after it', () => {
    const log = chain(6);
    log[2] = rehash({ ...log[2]!, reason: 'forged' });
    const result = verifyChain(log);
    expect(result.problems).toEqual([{ seq: 3, kind: 'altered', detail: expect.stringContaining('changed and re-hashed') }]);
  });

  it('finds a removed entry', () => {
    const log = chain(6);
    log.splice(3, 1);
    expect(verifyChain(log).problems).toEqual([{ seq: 4, kind: 'missing', detail: 'entry 4 is missing (between 3 and 5)' }]);
  });

  it('finds several removed entries as one gap', () => {
    const log = chain(8);
    log.splice(2, 3);
    expect(verifyChain(log).problems).toEqual([{ seq: 3, kind: 'missing', detail: expect.stringContaining('entries 3–5 are missing') }]);
  });

  it('finds an inserted entry', () => {
    const log = chain(5);
    const forged = appendEntry(log[1]!, {
      at: T0 + 1500,
      actor: 'intruder',
      action: 'assign',
      unitId: 'pump-9',
      incidentId: 'inc-9',
      data: {},
    });
    log.splice(2, 0, forged);
    const result = verifyChain(log);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ seq: 3, kind: 'altered', detail: expect.stringContaining('inserted') }]);
  });

  it('finds two swapped entries', () => {
    const log = chain(6);
    [log[2], log[3]] = [log[3]!, log[2]!];
    const result = verifyChain(log);
    expect(result.ok).toBe(false);
    expect(new Set(result.problems.map((p) => p.kind))).toEqual(new Set(['reordered']));
    expect(result.problems.map((p) => p.seq)).toEqual([3, 4]);
  });

  it('finds a log whose first entries were removed', () => {
    const log = chain(5).slice(2);
    expect(verifyChain(log).problems).toEqual([
      { seq: 3, kind: 'bad_start', detail: expect.stringContaining('starts at seq 3, expected 1') },
    ]);
  });

  it('verifies a slice from a given start', () => {
    const log = chain(5);
    expect(verifyChain(log.slice(2), { start: { seq: 3, prevHash: log[1]!.hash } }).ok).toBe(true);
  });

  it('finds a truncated tail only with an anchor', () => {
    const log = chain(8);
    const head = { seq: 8, hash: log[7]!.hash };
    const cut = log.slice(0, 5);
    expect(verifyChain(cut).ok).toBe(true);
    const result = verifyChain(cut, { anchor: head });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ seq: 6, kind: 'missing', detail: expect.stringContaining('3 entries were cut off the end') }]);
    expect(verifyChain(cut, { anchor: { hash: head.hash } }).problems.map((p) => p.kind)).toEqual(['missing']);
  });

  it('accepts a log that grew since the anchor was taken', () => {
    const log = chain(8);
    expect(verifyChain(log, { anchor: { seq: 5, hash: log[4]!.hash } }).ok).toBe(true);
    expect(verifyChain(log, { anchor: { hash: log[4]!.hash } }).ok).toBe(true);
  });

  it('finds a chain rewritten from some point on against the anchor', () => {
    const log = chain(6);
    const anchor = { seq: 6, hash: log[5]!.hash };
    // Rewrite entry 4 and re-chain everything after it: self-consistent, so only the anchor shows it.
    const rewritten = log.slice(0, 3);
    for (let i = 3; i < 6; i++) rewritten.push(appendEntry(rewritten[i - 1]!, { ...input(i), actor: 'forger' }));
    expect(verifyChain(rewritten).ok).toBe(true);
    expect(verifyChain(rewritten, { anchor }).problems).toEqual([
      { seq: 6, kind: 'altered', detail: expect.stringContaining('rewritten') },
    ]);
  });
});
