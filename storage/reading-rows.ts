/**
 * The readings of a storage batch as TabSeparated bytes in one growing buffer
 * (`entity\tsensor\tmetric\tts\tvalue\treceivedAt\n` per reading): readings are the hot path,
 * and writing each row's bytes straight into the batch's buffer spares a JavaScript string per
 * row, the batch's join of 100,000 of them, and most of the garbage they made
 * (docs/benchmarks.md, "Packed readings, this round"). The bytes are the same text
 * {@link readingRow} builds, byte for byte.
 *
 * Times are epoch ms as digits (the engine reads them into its DateTime64(3) columns), whole ms:
 * a fraction (`…000.5`) makes the engine refuse the whole insert, so it is rounded. Values are
 * written as JavaScript prints them (`-0.25`, `1e+21`: the engine reads both); NaN and ±Infinity
 * are refused (the payload parser refuses them first), as is a time that is not a number.
 *
 * Ids and metric names reaching the ingest are validated to `[A-Za-z0-9._:-]` and need no
 * escaping; any other text is escaped as TabSeparated reads it back (`\\`, `\t`, `\n`, `\r`)
 * and written as UTF-8, so a stored name is the name given, whatever its characters.
 */
import type { EntityName } from './storage-batch.ts';

const TAB = 9;
const NL = 10;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
/** Bytes a row needs at most beside its sensor id and metric: two times, a value, tabs, entity. */
const ROW_FIXED_MAX = 96;
/** Integers printed digit by digit below this (exactly representable, two 8-digit halves at most). */
const INT_LIMIT = 2 ** 53;
/** Values with a fraction printed digit by digit when their scaled digits stay below this. */
const SCALED_LIMIT = 1e15;
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
const POW10_ALL = [...POW10, 10_000_000, 100_000_000, 1_000_000_000];
/** Characters TabSeparated escapes, and anything non-ASCII: such text takes the slow path. */
const NEEDS_CARE = /[\t\n\r\\\u0080-\uffff]/;

/** `s` as a TabSeparated field: backslash, tab, newline and carriage return escaped. */
export function tsvField(s: string): string {
  if (!NEEDS_CARE.test(s)) return s;
  return s.replace(/[\t\n\r\\]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\'));
}

/** Epoch ms as the engine reads them: whole ms (rounded), finite. */
export function wholeMs(ms: number): number {
  if (Number.isInteger(ms)) return ms;
  if (!Number.isFinite(ms)) throw new Error(`reading time ${ms} is not a finite epoch ms`);
  return Math.round(ms);
}

/** A value as the engine reads it; NaN and ±Infinity are refused. */
export function finiteValue(value: number): number {
  if (!Number.isFinite(value)) throw new Error(`reading value ${value} is not a finite number`);
  return value;
}

export class ReadingRows {
  private buf: Buffer;
  private end = 0;
  private rows = 0;
  /** Every byte written is ASCII (the text is then read back as Latin-1: a plain copy). */
  private ascii = true;
  /** The current message's `entity\tsensor\t` and `\treceivedAt\n`, and the last metric's bytes. */
  private head = Buffer.alloc(128);
  private headLen = 0;
  private tail = Buffer.alloc(32);
  private tailLen = 0;
  private metric = '';
  private metricBytes = Buffer.alloc(64);
  private metricLen = 0;

  constructor(capacity = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 256));
  }

  /** Rows written. */
  get length(): number {
    return this.rows;
  }

  /** Bytes written: a mark to {@link truncate} back to. */
  get byteLength(): number {
    return this.end;
  }

  /** Drops the rows written after `byteLength` was `mark` (a message that failed half-way). */
  truncate(mark: number): void {
    if (mark < 0 || mark > this.end) throw new Error(`truncate mark ${mark} is outside the ${this.end} bytes written`);
    for (let i = mark; i < this.end; i++) if (this.buf[i] === NL) this.rows--;
    this.end = mark;
  }

  /** Appends lines built by {@link readingRow} (each ending in `\n`). */
  push(...lines: string[]): void {
    for (const line of lines) {
      if (!line.endsWith('\n')) throw new Error(`a reading row must end with a newline, got ${JSON.stringify(line.slice(-40))}`);
      const bytes = Buffer.byteLength(line, 'utf8');
      this.ensure(bytes);
      this.end += this.buf.write(line, this.end, 'utf8');
      if (bytes !== line.length) this.ascii = false;
      for (let i = line.indexOf('\n'); i !== -1; i = line.indexOf('\n', i + 1)) this.rows++;
    }
  }

  /**
   * Appends the rows of one message's readings: its entity, sensor and receive time are
   * formatted once for all of them (a packed message carries a hundred).
   */
  pushMessage(
    entity: EntityName,
    sensorId: string,
    readings: ReadonlyArray<{ metric: string; ts: number; value: number }>,
    receivedAt: number,
  ): void {
    const at = wholeMs(receivedAt);
    const mark = this.end;
    this.setHead(entity, sensorId, at);
    try {
      for (const r of readings) this.writeRow(r.metric, r.ts, r.value);
    } catch (err) {
      // A refused reading leaves no part of its message.
      this.truncate(mark);
      throw err;
    }
  }

  /** The rows as text, for the insert body (one string: see textBody in readings-sink.ts). */
  text(): string {
    return this.buf.toString(this.ascii ? 'latin1' : 'utf8', 0, this.end);
  }

  /** The rows' bytes (a view of the buffer, valid until more rows are written). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.end);
  }

  private ensure(n: number): void {
    if (this.end + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + n));
    this.buf.copy(next, 0, 0, this.end);
    this.buf = next;
  }

  private setHead(entity: EntityName, sensorId: string, receivedAt: number): void {
    const id = tsvField(sensorId);
    const need = entity.length + 2 + id.length * 3;
    if (need > this.head.length) this.head = Buffer.alloc(need * 2);
    let n = writeText(this.head, 0, entity);
    this.head[n++] = TAB;
    n = this.writeName(this.head, n, id);
    this.head[n++] = TAB;
    this.headLen = n;
    this.tail[0] = TAB;
    const t = writeInteger(this.tail, 1, receivedAt);
    this.tail[t] = NL;
    this.tailLen = t + 1;
  }

  private setMetric(metric: string): void {
    const text = tsvField(metric);
    if (text.length * 3 > this.metricBytes.length) this.metricBytes = Buffer.alloc(text.length * 6);
    this.metricLen = this.writeName(this.metricBytes, 0, text);
    this.metric = metric;
  }

  /** An escaped name's bytes at `at` (UTF-8 when it is not ASCII); returns the end. */
  private writeName(to: Buffer, at: number, text: string): number {
    const end = writeText(to, at, text);
    if (end >= 0) return end;
    this.ascii = false;
    return at + to.write(text, at, 'utf8');
  }

  private writeRow(metric: string, ts: number, value: number): void {
    if (metric !== this.metric) this.setMetric(metric);
    this.ensure(this.headLen + this.metricLen + this.tailLen + ROW_FIXED_MAX);
    const buf = this.buf;
    let n = this.end;
    const head = this.head;
    for (let i = 0; i < this.headLen; i++) buf[n++] = head[i]!;
    const m = this.metricBytes;
    for (let i = 0; i < this.metricLen; i++) buf[n++] = m[i]!;
    buf[n++] = TAB;
    n = writeInteger(buf, n, wholeMs(ts));
    buf[n++] = TAB;
    n = writeValue(buf, n, finiteValue(value));
    const tail = this.tail;
    for (let i = 0; i < this.tailLen; i++) buf[n++] = tail[i]!;
    this.end = n;
    this.rows++;
  }
}

/** Copies an ASCII string's bytes to `to` at `at`; -1 (nothing to trust) when it is not ASCII. */
function writeText(to: Uint8Array, at: number, s: string): number {
  let n = at;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    to[n++] = c;
  }
  return n;
}

/** Writes a whole number as JavaScript prints it; returns the end. */
function writeInteger(to: Uint8Array, at: number, v: number): number {
  if (v === 0) {
    to[at] = ZERO;
    return at + 1;
  }
  if (!(v > -INT_LIMIT && v < INT_LIMIT)) return writeText(to, at, `${v}`);
  let n = at;
  if (v < 0) {
    to[n++] = MINUS;
    v = -v;
  }
  if (v < 1e8) return writeSmall(to, n, v);
  const hi = Math.floor(v / 1e8);
  n = writeSmall(to, n, hi);
  return writeDigits(to, n, v - hi * 1e8, 8);
}

/** A whole number 0 < v < 2^31 as digits. */
function writeSmall(to: Uint8Array, at: number, v: number): number {
  let digits = 1;
  while (digits < 10 && v >= POW10_ALL[digits]!) digits++;
  return writeDigits(to, at, v, digits);
}

/** The `digits` last digits of a whole number 0 ≤ v < 2^31, zero-padded. */
function writeDigits(to: Uint8Array, at: number, v: number, digits: number): number {
  let x = v | 0;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = (x / 10) | 0;
    to[i] = ZERO + x - q * 10;
    x = q;
  }
  return at + digits;
}

/**
 * A finite value as JavaScript prints it (`${value}`). Whole numbers and numbers of up to six
 * decimals are written digit by digit: the fewest decimals d with round(v·10^d)/10^d === v give
 * the shortest text that reads back as v, which is what JavaScript prints (below 10^15 scaled
 * digits, no other text of d decimals reads back as v). Anything else goes through `${value}`.
 */
function writeValue(to: Uint8Array, at: number, v: number): number {
  if (Number.isInteger(v)) return writeInteger(to, at, v);
  const a = v < 0 ? -v : v;
  if (a >= 1e-6) {
    for (let d = 1; d < POW10.length; d++) {
      const p = POW10[d]!;
      const scaled = Math.round(a * p);
      if (scaled >= SCALED_LIMIT) break;
      if (scaled / p !== a) continue;
      let n = at;
      if (v < 0) to[n++] = MINUS;
      const whole = Math.floor(scaled / p);
      n = writeInteger(to, n, whole);
      to[n++] = DOT;
      return writeDigits(to, n, scaled - whole * p, d);
    }
  }
  return writeText(to, at, `${v}`);
}
