/**
 * The hash chain every tamper-evident record of CityTwin is built on (the dispatch log, the
 * audit log): each entry carries a sequence number, the previous entry's hash and its own
 * hash, SHA-256 over the canonical JSON of its content and that previous hash. Changing,
 * removing, inserting or reordering an entry breaks the chain at that point; cutting off the
 * tail, or rewriting and re-hashing everything from some point on, is caught against anchors
 * (heads recorded elsewhere: signed checkpoints, see checkpoint.ts).
 *
 * Generic over the entry's content: a record names the fields its hash covers (`hashOf`).
 * Uses `node:crypto`, so it is not exported from `twin-model/index.ts` (the console bundle
 * imports that index); the server imports it by path.
 */
import { hash } from 'node:crypto';

/** `prevHash` of the first entry: 64 hex zeros. */
export const GENESIS_HASH = '0'.repeat(64);
/** Sequence number of the first entry. */
export const FIRST_SEQ = 1;

/** What every chained entry carries. */
export interface ChainLink {
  seq: number;
  /** Hash of the previous entry (64 hex zeros for the first). */
  prevHash: string;
  /** SHA-256 (hex) over the canonical form of the entry's content and `prevHash`. */
  hash: string;
}

/** A head: where a chain stands (the last entry's seq and hash). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export class CanonicalJsonError extends TypeError {}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order (as `Array.prototype.sort`),
 * no whitespace, strings and numbers as `JSON.stringify` writes them (so `1e21`, `0.1`,
 * `-0` → `0`). Properties whose value is `undefined` are left out, as in JSON. Values JSON
 * cannot represent faithfully — NaN, ±Infinity, bigint, functions, symbols, `undefined` inside
 * an array — are refused rather than silently turned into `null`, because a hash over a lossy
 * form would not protect what was stored.
 */
export function canonicalJson(value: unknown): string {
  return write(value, []);
}

/** Where a refused value sits ("$.data.eta", "$[1]"), built only when one is refused. */
function pathOf(stack: ReadonlyArray<string | number>): string {
  return `$${stack.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}`;
}

function write(value: unknown, stack: Array<string | number>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new CanonicalJsonError(`canonicalJson: ${pathOf(stack)} is ${value}; only finite numbers have a JSON form`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) {
          stack.push(i);
          const v: unknown = value[i];
          if (v === undefined)
            throw new CanonicalJsonError(`canonicalJson: ${pathOf(stack)} is undefined; arrays may hold only JSON values`);
          parts.push(write(v, stack));
          stack.pop();
        }
        return `[${parts.join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new CanonicalJsonError(
          `canonicalJson: ${pathOf(stack)} is a ${proto?.constructor?.name ?? 'non-plain object'}; only plain objects, arrays, strings, finite numbers, booleans and null are allowed`,
        );
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const v = record[key];
        if (v === undefined) continue;
        stack.push(key);
        parts.push(`${JSON.stringify(key)}:${write(v, stack)}`);
        stack.pop();
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(`canonicalJson: ${pathOf(stack)} is a ${typeof value}; only JSON values are allowed`);
  }
}

/** SHA-256 (hex) of the canonical JSON of `body`. */
export function sha256Canonical(body: unknown): string {
  // One-shot hash (Node ≥ 20.12): no Hash object per entry.
  return hash('sha256', canonicalJson(body), 'hex');
}

/** Where the entry after `prev` goes (or the first one, when `prev` is null). */
export function nextLink(prev: ChainHead | null): { seq: number; prevHash: string } {
  return prev ? { seq: prev.seq + 1, prevHash: prev.hash } : { seq: FIRST_SEQ, prevHash: GENESIS_HASH };
}

export type ChainProblemKind = 'altered' | 'missing' | 'reordered' | 'bad_start';

export interface ChainProblem {
  seq: number;
  kind: ChainProblemKind;
  detail: string;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  problems: ChainProblem[];
  /** Hash and seq of the last entry checked (null when there were none). */
  head: ChainHead | null;
}

/** A head recorded elsewhere; `label` names it in problems (default "the anchor"). */
export interface ChainAnchor {
  seq?: number;
  hash?: string;
  label?: string;
}

export interface VerifyOptions {
  /**
   * Where the given entries start when they are a slice of the chain (default: the chain's
   * start, seq 1 chained to 64 zeros).
   */
  start?: { seq: number; prevHash: string };
  /**
   * The head as recorded elsewhere (the last seq and/or hash at the time the anchor was
   * taken): finds a truncated tail and a chain rewritten from some point on, which the
   * entries alone cannot show.
   */
  anchor?: ChainAnchor;
  /** Several heads recorded over time (e.g. every signed checkpoint); each is checked like `anchor`. */
  anchors?: readonly ChainAnchor[];
}

/**
 * Checks a chain (entries in stored order), recomputing each entry's hash with `hashOf`
 * (`altered` when it differs: the content was changed without re-hashing), and each link to
 * the previous entry: a gap in `seq` is `missing` (or `reordered` when the missing numbers
 * appear elsewhere in the list); a `seq` that does not grow is `reordered` (or `altered` — an
 * inserted entry — when it repeats a number); a link to the wrong hash is `reordered` when
 * the hash belongs to another entry of the list, else `altered` (the previous entry was
 * changed and re-hashed, or replaced). Then every anchor: the chain must reach its seq, and
 * the entry at its seq must carry its hash. One problem is reported per seq and kind.
 */
export function verifyLinks<E extends ChainLink>(
  entries: readonly E[],
  hashOf: (entry: E) => string,
  options: VerifyOptions = {},
): ChainVerification {
  const problems: ChainProblem[] = [];
  const seen = new Set<string>();
  const report = (seq: number, kind: ChainProblemKind, detail: string) => {
    const key = `${seq}/${kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ seq, kind, detail });
  };
  /** Position of each seq's first appearance. */
  const positionOf = new Map<number, number>();
  entries.forEach((e, i) => {
    if (!positionOf.has(e.seq)) positionOf.set(e.seq, i);
  });
  const hashes = new Map<string, number>();
  for (const e of entries) hashes.set(e.hash, e.seq);
  const start = options.start ?? { seq: FIRST_SEQ, prevHash: GENESIS_HASH };

  entries.forEach((entry, i) => {
    let recomputed: string | null;
    try {
      recomputed = hashOf(entry);
    } catch (err) {
      recomputed = null;
      report(entry.seq, 'altered', `entry ${entry.seq} cannot be hashed: ${(err as Error).message}`);
    }
    if (recomputed !== null && recomputed !== entry.hash) {
      report(
        entry.seq,
        'altered',
        `entry ${entry.seq} hashes to ${short(recomputed)} but carries ${short(entry.hash)}: its content was changed`,
      );
    }
    if (i === 0) {
      if (entry.seq !== start.seq || entry.prevHash !== start.prevHash) {
        const what =
          entry.seq !== start.seq
            ? `starts at seq ${entry.seq}, expected ${start.seq}`
            : `seq ${entry.seq} chains to ${short(entry.prevHash)}, expected ${short(start.prevHash)}`;
        report(entry.seq, 'bad_start', `the log ${what}: its first entries were removed or replaced`);
      }
      return;
    }
    const prev = entries[i - 1]!;
    if (entry.seq === prev.seq) {
      report(entry.seq, 'altered', `a second entry with seq ${entry.seq} (position ${i + 1}): an entry was inserted`);
      return;
    }
    if (entry.seq < prev.seq) {
      report(entry.seq, 'reordered', `seq ${entry.seq} comes after seq ${prev.seq}`);
      return;
    }
    if (entry.seq > prev.seq + 1) {
      const gap = range(prev.seq + 1, entry.seq - 1);
      const elsewhere = gap.filter((s) => positionOf.has(s));
      // Numbers of the gap seen before were reported where they stood ("comes after"); only
      // numbers still to come make this entry the one out of place.
      const later = elsewhere.filter((s) => positionOf.get(s)! > i);
      if (later.length > 0)
        report(entry.seq, 'reordered', `seq ${entry.seq} follows seq ${prev.seq}; seq ${later.join(', ')} comes later in the log`);
      else if (elsewhere.length === 0)
        report(
          prev.seq + 1,
          'missing',
          gap.length === 1
            ? `entry ${gap[0]} is missing (between ${prev.seq} and ${entry.seq})`
            : `entries ${gap[0]}–${gap[gap.length - 1]} are missing (${gap.length} entries between ${prev.seq} and ${entry.seq})`,
        );
      return;
    }
    if (entry.prevHash !== prev.hash) {
      const target = hashes.get(entry.prevHash);
      if (target !== undefined && target !== prev.seq)
        report(entry.seq, 'reordered', `seq ${entry.seq} chains to seq ${target}, not to the entry before it (seq ${prev.seq})`);
      else
        report(
          prev.seq,
          'altered',
          `seq ${entry.seq} chains to ${short(entry.prevHash)} but entry ${prev.seq} has hash ${short(prev.hash)}: entry ${prev.seq} was changed and re-hashed, or replaced`,
        );
    }
  });

  const last = entries[entries.length - 1];
  const lastSeq = last?.seq ?? start.seq - 1;
  const anchors = [...(options.anchor ? [options.anchor] : []), ...(options.anchors ?? [])];
  // The furthest anchor decides whether the tail was cut: one report, not one per anchor.
  const furthest = anchors.reduce<ChainAnchor | null>(
    (best, a) => (a.seq !== undefined && (best?.seq === undefined || a.seq > best.seq) ? a : best),
    null,
  );
  if (furthest?.seq !== undefined && lastSeq < furthest.seq) {
    report(
      lastSeq + 1,
      'missing',
      `the log ends at seq ${lastSeq} but ${furthest.label ?? 'the anchor'} records ${furthest.seq} entries: ${furthest.seq - lastSeq} entries were cut off the end`,
    );
  }
  const bySeq = new Map<number, E>();
  for (const e of entries) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
  for (const anchor of anchors) {
    if (anchor.hash === undefined) continue;
    const label = anchor.label ?? 'the anchor';
    if (anchor.seq !== undefined) {
      // The log may have grown since the anchor was taken: compare the anchored entry, not the last.
      const anchored = bySeq.get(anchor.seq);
      if (anchored && anchored.hash !== anchor.hash) {
        report(
          anchored.seq,
          'altered',
          `entry ${anchored.seq} has hash ${short(anchored.hash)} but ${label} records ${short(anchor.hash)}: the chain was rewritten up to here`,
        );
      }
    } else if (!hashes.has(anchor.hash)) {
      report(
        lastSeq + 1,
        'missing',
        `no entry has the anchored head hash ${short(anchor.hash)} (${label}): entries were cut off the end, or the chain was rewritten`,
      );
    }
  }
  problems.sort((a, b) => a.seq - b.seq || a.kind.localeCompare(b.kind));
  return { ok: problems.length === 0, checked: entries.length, problems, head: last ? { seq: last.seq, hash: last.hash } : null };
}

/** A hash shortened for messages. */
export function short(hash: string): string {
  return typeof hash === 'string' && hash.length > 12 ? `${hash.slice(0, 12)}…` : String(hash);
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  // Bounded: a forged seq far ahead must not allocate millions of numbers.
  for (let s = from; s <= to && out.length < 1000; s++) out.push(s);
  if (to - from + 1 > out.length) out.push(to);
  return out;
}
