/**
 * The tamper-evident dispatch log: every dispatcher and twin action on a unit is one entry,
 * and each entry carries the SHA-256 of its canonical form including the previous entry's
 * hash. Changing, removing, inserting or reordering an entry breaks the chain at that point;
 * cutting off the tail is caught against an anchor (the head hash and count kept elsewhere).
 *
 * Independent of storage: the server appends entries and stores them (ClickHouse), the
 * `bin/verify-dispatch-log.ts` command and the API verify what was read back.
 *
 * Uses `node:crypto`, so this module is NOT exported from `twin-model/dispatch/index.ts`
 * (which the console bundle may import); import it by path on the server.
 */
import { createHash } from 'node:crypto';
import type { DispatchLogEntry } from './unit-types.ts';

/** `prevHash` of the first entry: 64 hex zeros. */
export const GENESIS_HASH = '0'.repeat(64);
/** Sequence number of the first entry. */
export const FIRST_SEQ = 1;

/** What a caller supplies for a new entry; `seq`, `prevHash` and `hash` are computed. */
export type DispatchLogInput = Omit<DispatchLogEntry, 'seq' | 'prevHash' | 'hash'>;

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
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`canonicalJson: ${path} is ${value}; only finite numbers have a JSON form`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value
          .map((v, i) => {
            if (v === undefined) throw new CanonicalJsonError(`canonicalJson: ${path}[${i}] is undefined; arrays may hold only JSON values`);
            return write(v, `${path}[${i}]`);
          })
          .join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new CanonicalJsonError(`canonicalJson: ${path} is a ${proto?.constructor?.name ?? 'non-plain object'}; only plain objects, arrays, strings, finite numbers, booleans and null are allowed`);
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const v = record[key];
        if (v === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${write(v, `${path}.${key}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(`canonicalJson: ${path} is a ${typeof value}; only JSON values are allowed`);
  }
}

/** The hash an entry should carry: SHA-256 (hex) over the canonical form of every field but `hash`. */
export function entryHash(entry: Omit<DispatchLogEntry, 'hash'>): string {
  const body = {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    unitId: entry.unitId,
    incidentId: entry.incidentId,
    reason: entry.reason,
    data: entry.data,
    prevHash: entry.prevHash,
  };
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

/** The entry that follows `prev` (or starts the log when `prev` is null), hashed and chained. */
export function appendEntry(prev: DispatchLogEntry | null, input: DispatchLogInput): DispatchLogEntry {
  const seq = prev ? prev.seq + 1 : FIRST_SEQ;
  const prevHash = prev ? prev.hash : GENESIS_HASH;
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
  head: { seq: number; hash: string } | null;
}

export interface VerifyOptions {
  /**
   * Where the given entries start when they are a slice of the log (default: the log's start,
   * seq 1 chained to 64 zeros).
   */
  start?: { seq: number; prevHash: string };
  /**
   * The head as recorded elsewhere (the last seq and/or hash at the time the anchor was
   * taken): finds a truncated tail and a chain rewritten from some point on, which the
   * entries alone cannot show.
   */
  anchor?: { seq?: number; hash?: string };
}

/**
 * Checks a log (entries in stored order). Each entry's hash is recomputed (`altered` when it
 * differs: the content was changed without re-hashing), and each link to the previous entry
 * is checked: a gap in `seq` is `missing` (or `reordered` when the missing numbers appear
 * elsewhere in the list); a `seq` that does not grow is `reordered` (or `altered` — an
 * inserted entry — when it repeats a number); a link to the wrong hash is `reordered` when
 * the hash belongs to another entry of the list, else `altered` (the previous entry was
 * changed and re-hashed, or replaced). One problem is reported per seq and kind.
 */
export function verifyChain(entries: readonly DispatchLogEntry[], options: VerifyOptions = {}): ChainVerification {
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
  entries.forEach((e) => hashes.set(e.hash, e.seq));
  const start = options.start ?? { seq: FIRST_SEQ, prevHash: GENESIS_HASH };

  entries.forEach((entry, i) => {
    let recomputed: string | null;
    try {
      recomputed = entryHash(entry);
    } catch (err) {
      recomputed = null;
      report(entry.seq, 'altered', `entry ${entry.seq} cannot be hashed: ${(err as Error).message}`);
    }
    if (recomputed !== null && recomputed !== entry.hash) {
      report(entry.seq, 'altered', `entry ${entry.seq} hashes to ${short(recomputed)} but carries ${short(entry.hash)}: its content was changed`);
    }
    if (i === 0) {
      if (entry.seq !== start.seq || entry.prevHash !== start.prevHash) {
        const what = entry.seq !== start.seq ? `starts at seq ${entry.seq}, expected ${start.seq}` : `seq ${entry.seq} chains to ${short(entry.prevHash)}, expected ${short(start.prevHash)}`;
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
      if (later.length > 0) report(entry.seq, 'reordered', `seq ${entry.seq} follows seq ${prev.seq}; seq ${later.join(', ')} comes later in the log`);
      else if (elsewhere.length === 0) report(prev.seq + 1, 'missing', gap.length === 1 ? `entry ${gap[0]} is missing (between ${prev.seq} and ${entry.seq})` : `entries ${gap[0]}–${gap[gap.length - 1]} are missing (${gap.length} entries between ${prev.seq} and ${entry.seq})`);
      return;
    }
    if (entry.prevHash !== prev.hash) {
      const target = hashes.get(entry.prevHash);
      if (target !== undefined && target !== prev.seq) report(entry.seq, 'reordered', `seq ${entry.seq} chains to seq ${target}, not to the entry before it (seq ${prev.seq})`);
      else report(prev.seq, 'altered', `seq ${entry.seq} chains to ${short(entry.prevHash)} but entry ${prev.seq} has hash ${short(prev.hash)}: entry ${prev.seq} was changed and re-hashed, or replaced`);
    }
  });

  const last = entries[entries.length - 1];
  const anchor = options.anchor;
  if (anchor) {
    if (anchor.seq !== undefined) {
      const lastSeq = last?.seq ?? start.seq - 1;
      if (lastSeq < anchor.seq) {
        report(lastSeq + 1, 'missing', `the log ends at seq ${lastSeq} but the anchor records ${anchor.seq} entries: ${anchor.seq - lastSeq} entries were cut off the end`);
      }
    }
    if (anchor.hash !== undefined) {
      // The log may have grown since the anchor was taken: compare the anchored entry, not the last.
      if (anchor.seq !== undefined) {
        const anchored = entries.find((e) => e.seq === anchor.seq);
        if (anchored && anchored.hash !== anchor.hash) {
          report(anchored.seq, 'altered', `entry ${anchored.seq} has hash ${short(anchored.hash)} but the anchor records ${short(anchor.hash)}: the chain was rewritten up to here`);
        }
      } else if (!hashes.has(anchor.hash)) {
        report((last?.seq ?? start.seq - 1) + 1, 'missing', `no entry has the anchored head hash ${short(anchor.hash)}: entries were cut off the end, or the chain was rewritten`);
      }
    }
  }
  problems.sort((a, b) => a.seq - b.seq || a.kind.localeCompare(b.kind));
  return { ok: problems.length === 0, checked: entries.length, problems, head: last ? { seq: last.seq, hash: last.hash } : null };
}

function short(hash: string): string {
  return typeof hash === 'string' && hash.length > 12 ? `${hash.slice(0, 12)}…` : String(hash);
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  // Bounded: a forged seq far ahead must not allocate millions of numbers.
  for (let s = from; s <= to && out.length < 1000; s++) out.push(s);
  if (to - from + 1 > out.length) out.push(to);
  return out;
}
