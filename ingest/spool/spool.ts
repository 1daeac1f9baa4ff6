/**
 * The ingest's write-ahead spool: every MQTT message is appended here (write(2), so it
 * survives a kill -9 of the process) BEFORE its PUBACK is sent, and every insert batch is
 * delimited by a seal record appended BEFORE the insert starts. The batch's identity (and so
 * its ClickHouse `insert_deduplication_token`) is derived from its position in the spool, so
 * a batch replayed after a crash carries exactly the same rows and the same token as the
 * attempt that may already have been stored: ClickHouse drops the second copy.
 *
 * Layout of `<dir>`: `spool-id` (random, written once: tokens of two spools never collide on a
 * shared ClickHouse), `checkpoint` (segment and offset just after the last stored batch,
 * replaced atomically by rename), and `seg-<n>.log` append-only segments. A batch never spans
 * two segments (segments rotate only after a seal record), and a segment is deleted once the
 * checkpoint has passed it.
 *
 * Record (little-endian): kind u8 (1 message, 2 seal), 0 u8, MQTT packet id u16, topic
 * length u32, payload length u32, receive time f64, then topic and payload bytes. A torn
 * record at the end of the last segment (power loss, not a process kill) is cut off at open.
 *
 * Group writes ({@link Spool.enqueue}): the messages that arrive in one event-loop turn (the
 * embedded broker parses a whole TCP read at once) are written with one writev(2) when the turn
 * ends, and their PUBACKs wait for it; under load, when the last group was written less than
 * `groupIntervalMs` ago, the group stays open for the turns until then. A seal first writes what
 * is queued, so a batch's records always precede its seal record.
 *
 * Not done: fsync. A process kill loses nothing (the page cache survives it); a power loss
 * or kernel crash can lose the last unsynced records whose PUBACK was already sent.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  fstatSync,
  writevSync,
} from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RecentMessages } from './recent-messages.ts';

const HEADER = 20;
const KIND_MESSAGE = 1;
const KIND_SEAL = 2;
/** The number of a segment file name, or null for another file. */
function segNumber(name: string): number | null {
  const m = /^seg-(\d+)\.log$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Deletes a file; one already gone (a checkpoint write in flight deleted it) is fine. */
function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export interface SpoolOptions {
  /** Backpressure threshold: bytes spooled but not yet stored. */
  maxBytes: number;
  /** A segment is closed after a seal once it is this large. */
  segmentBytes?: number;
  /** At most one checkpoint file write per this many ms (default 1000; the shutdown writes the last). */
  checkpointIntervalMs?: number;
  /**
   * Monotonic clock in ms timing that interval (default `performance.now`). Never the wall clock:
   * a step back of the wall clock (NTP, VM resume) would stop checkpoint writes for as long.
   */
  clock?: () => number;
  /**
   * Group writes ({@link Spool.enqueue}) start at most once per this many ms (default 1): a
   * group queued sooner after the last write is written by a timer, so under load the records
   * of several event-loop turns go in one writev(2) and their PUBACKs in one write, where each
   * turn of a few messages cost two system calls (docs/ingest.md, "Delivery"). A group queued
   * after a quiet spell is written at the end of its turn, as before. 0 writes every turn's.
   */
  groupIntervalMs?: number;
}

/** A spooled message, as replayed. */
export interface SpooledMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
  packetId: number;
}

interface Position {
  seg: number;
  off: number;
}

export class Spool {
  /** Random identity of this spool directory (part of every batch id). */
  readonly id: string;
  private fd: number;
  private head: Position;
  private checkpoint: Position;
  /** Start of the records of the batch being filled (just after the last seal). */
  private batchStart: Position;
  /** Size of every live segment, to count unstored bytes and delete passed segments. */
  private readonly sizes = new Map<number, number>();
  /** End position of each sealed, not yet stored batch, by batch id. */
  private readonly sealed = new Map<string, Position>();
  /** While replaying, the id of the seal record being replayed (no new record is written). */
  private replayingSeal: string | null = null;
  private spaceWaiters: Array<() => void> = [];
  private readonly segmentBytes: number;
  /** Last spooled message per MQTT packet id, to recognise a redelivery after a lost PUBACK. */
  private readonly recent = new RecentMessages();
  replayedMessages = 0;
  duplicatesDropped = 0;
  /** Checkpoint files written since open (stored batches coalesce into fewer writes). */
  checkpointWrites = 0;
  /** The checkpoint write in flight, if any; `dirty` when a newer checkpoint waits for it. */
  private writing: Promise<void> | null = null;
  private dirty = false;
  private closed = false;
  /** A write waiting for the checkpoint interval to pass. */
  private timer: NodeJS.Timeout | null = null;
  private lastWriteAt = -Infinity;
  private idleWaiters: Array<() => void> = [];
  /** Segments the checkpoint has passed, deleted after the next checkpoint write. */
  private passed: number[] = [];
  private readonly checkpointIntervalMs: number;
  private readonly clock: () => number;
  /** Bytes spooled but not yet stored: counted on every append, summed again when the checkpoint moves. */
  private unstored = 0;
  /** Records queued by {@link enqueue}, written together when the turn ends (or at a seal). */
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  /** The queued records' PUBACKs wait on this; it settles once they are written. */
  private group: { done: Promise<void>; resolve: () => void; reject: (err: Error) => void } | null = null;
  /** write(2)/writev(2) calls made for records: fewer than the messages when writes are grouped. */
  writes = 0;
  private readonly groupIntervalMs: number;
  /** When the last group write started (the clock's ms). */
  private lastGroupAt = -Infinity;
  /** The timer of a group kept open under load (`groupIntervalMs`). */
  private groupTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly dir: string,
    private readonly options: SpoolOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 1000;
    this.clock = options.clock ?? (() => performance.now());
    this.groupIntervalMs = options.groupIntervalMs ?? 1;
    mkdirSync(dir, { recursive: true });
    const idFile = join(dir, 'spool-id');
    if (!existsSync(idFile)) writeFileSync(idFile, randomBytes(6).toString('hex'));
    this.id = readFileSync(idFile, 'utf8').trim();
    for (const name of readdirSync(dir)) {
      const seg = segNumber(name);
      if (seg !== null) this.sizes.set(seg, statSync(join(dir, name)).size);
    }
    this.checkpoint = this.readCheckpoint();
    const segs = [...this.sizes.keys()].sort((a, b) => a - b);
    const last = segs.at(-1) ?? this.checkpoint.seg;
    this.fd = openSync(this.segPath(last), 'a+');
    this.sizes.set(last, this.truncateTornTail(last));
    this.head = { seg: last, off: this.sizes.get(last)! };
    this.batchStart = { ...this.checkpoint };
    this.unstored = this.sumUnstored();
  }

  /** Opens (or creates) the spool in `dir`; cut a torn tail; nothing is replayed yet. */
  static open(dir: string, options: SpoolOptions): Spool {
    return new Spool(dir, options);
  }

  private segPath(seg: number): string {
    return join(this.dir, `seg-${String(seg).padStart(12, '0')}.log`);
  }

  private readCheckpoint(): Position {
    const file = join(this.dir, 'checkpoint');
    if (!existsSync(file)) {
      const first = Math.min(...this.sizes.keys());
      return { seg: Number.isFinite(first) ? first : 0, off: 0 };
    }
    const [seg = 0, off = 0] = readFileSync(file, 'utf8').trim().split(' ').map(Number);
    if (this.sizes.has(seg)) return { seg, off };
    // Its segment is gone (a checkpoint write overtaken by the shutdown's, which deleted it):
    // everything before the next segment was stored, so replay starts at that segment's start.
    const next = Math.min(...[...this.sizes.keys()].filter((s) => s > seg));
    return { seg: Number.isFinite(next) ? next : seg, off: 0 };
  }

  /** Scans the segment's records and truncates the file after the last complete one. */
  private truncateTornTail(seg: number): number {
    const buf = readFileSync(this.segPath(seg));
    let off = 0;
    while (off + HEADER <= buf.length) {
      const kind = buf[off];
      const len = HEADER + buf.readUInt32LE(off + 4) + buf.readUInt32LE(off + 8);
      if ((kind !== KIND_MESSAGE && kind !== KIND_SEAL) || off + len > buf.length) break;
      off += len;
    }
    if (off < buf.length) ftruncateSync(this.fd, off);
    return off;
  }

  /** Bytes spooled but not yet stored. */
  get pendingBytes(): number {
    return this.unstored;
  }

  private sumUnstored(): number {
    let n = this.queuedBytes - this.checkpoint.off;
    for (const [seg, size] of this.sizes) if (seg >= this.checkpoint.seg) n += size;
    return Math.max(0, n);
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** True while the spool holds `maxBytes` or more: the ingest must stop acknowledging. */
  get full(): boolean {
    return this.pendingBytes >= this.options.maxBytes;
  }

  /** Resolves once the spool is below its limit again (after stored batches). */
  waitForSpace(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /**
   * True when `packetId` last carried this very topic and payload: a redelivery by the broker
   * of a message already spooled whose PUBACK was lost (the process was killed before it went
   * out). Byte-identical content under a recycled packet id is also treated as a duplicate;
   * for readings that is a duplicate by key anyway (same sensor, metric and time).
   */
  isDuplicate(packetId: number, topic: string, payload: Buffer): boolean {
    return this.recent.isDuplicate(packetId, topic, payload);
  }

  /** Appends one message record and writes it at once, synchronously (the intake queues its records instead: {@link enqueue}). */
  append(topic: string, payload: Buffer, receivedAt: number, packetId: number): void {
    this.queueRecord(topic, payload, receivedAt, packetId);
    this.flush();
  }

  /**
   * Queues one message record; it is written with every other record queued in this event-loop
   * turn, in one writev(2), when the turn ends (or sooner, by a seal or {@link flush}). The
   * promise (one per group) resolves once the record is in the file: acknowledge then. It
   * rejects when the write fails; nothing of the group counts as spooled then.
   */
  enqueue(topic: string, payload: Buffer, receivedAt: number, packetId: number): Promise<void> {
    this.queueRecord(topic, payload, receivedAt, packetId);
    if (this.group) return this.group.done;
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.group = { done, resolve, reject };
    // A timer left by a group a seal or flush() wrote early has nothing of its own to write.
    if (this.groupTimer) clearTimeout(this.groupTimer);
    this.groupTimer = null;
    const wait = this.lastGroupAt + this.groupIntervalMs - this.clock();
    if (wait > 0) this.groupTimer = setTimeout(() => this.flushGroup(), wait);
    else setImmediate(() => this.flushGroup());
    return done;
  }

  /** The promise of the records queued and not yet written, if any (a redelivery of one of them waits on it too). */
  get queued(): Promise<void> | undefined {
    return this.group?.done;
  }

  private queueRecord(topic: string, payload: Buffer, receivedAt: number, packetId: number): void {
    const topicBytes = Buffer.byteLength(topic);
    const rec = Buffer.allocUnsafe(HEADER + topicBytes + payload.length);
    rec[0] = KIND_MESSAGE;
    rec[1] = 0;
    rec.writeUInt16LE(packetId & 0xffff, 2);
    rec.writeUInt32LE(topicBytes, 4);
    rec.writeUInt32LE(payload.length, 8);
    rec.writeDoubleLE(receivedAt, 12);
    rec.write(topic, HEADER, 'utf8');
    payload.copy(rec, HEADER + topicBytes);
    this.queue.push(rec);
    this.queuedBytes += rec.length;
    this.unstored += rec.length;
    // The record holds its own copy of the payload: the redelivery check keeps the record.
    if (packetId) this.recent.noteRecord(packetId, topic, rec, HEADER + topicBytes);
  }

  /** A group's scheduled write (if a seal or flush() has not written it already). */
  private flushGroup(): void {
    this.groupTimer = null;
    this.lastGroupAt = this.clock();
    this.flushQuietly();
  }

  /** The end-of-turn flush: a failure has rejected the group's promise (its PUBACKs are not sent). */
  private flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // Reported through the group's promise.
    }
  }

  /**
   * Writes every queued record now (one writev(2)) and resolves their group's promise. A failed
   * write leaves nothing of the group in the file, rejects the promise, forgets the group's
   * records (a redelivery of them is not a duplicate) and throws; so does a flush after
   * {@link close} (a message that waited for room, released by a batch stored after the stop).
   */
  flush(): void {
    const group = this.group;
    this.group = null;
    if (this.queue.length === 0) {
      group?.resolve();
      return;
    }
    const recs = this.queue;
    const bytes = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    try {
      this.writeRecords(recs, bytes);
    } catch (err) {
      this.unstored -= bytes;
      this.forget(recs);
      group?.reject(err as Error);
      throw err;
    }
    this.writes++;
    this.head.off += bytes;
    this.sizes.set(this.head.seg, this.head.off);
    group?.resolve();
  }

  /**
   * Writes the records in one writev(2), and the rest of them if the kernel took only part. A
   * write that fails cuts off again whatever part of the records reached the file.
   */
  private writeRecords(recs: Buffer[], bytes: number): void {
    if (recs.length === 1) {
      this.writeAll(recs[0]!);
      return;
    }
    const written = this.cutBackOnFailure(() => writevSync(this.fd, recs));
    if (written < bytes) this.writeAll(Buffer.concat(recs).subarray(written));
  }

  private writeAll(rec: Buffer): void {
    let done = 0;
    this.cutBackOnFailure(() => {
      while (done < rec.length) done += writeSync(this.fd, rec, done, rec.length - done);
    });
  }

  /**
   * Runs a write; if it throws, the segment is cut back to the spool's head (a part of a record
   * left in the file would put every later record where the offsets do not say, and a replay
   * would read them wrongly). The segment is opened for appending: the next write lands there.
   * After {@link close} nothing is written (nor cut).
   */
  private cutBackOnFailure<T>(write: () => T): T {
    // Closed: the segment's descriptor number may be another file's by now.
    if (this.closed) throw new Error('the spool is closed: nothing more is written');
    try {
      return write();
    } catch (err) {
      try {
        ftruncateSync(this.fd, this.head.off);
      } catch {
        // The write's own error is the one reported.
      }
      throw err;
    }
  }

  /** Drops unwritten records from the redelivery check (a later record under the same id failed with them). */
  private forget(recs: Buffer[]): void {
    for (const rec of recs) this.recent.forget(rec.readUInt16LE(2));
  }

  private write(rec: Buffer): void {
    this.writeAll(rec);
    this.head.off += rec.length;
    this.sizes.set(this.head.seg, this.head.off);
    this.unstored += rec.length;
  }

  /**
   * Seals the batch of every message appended since the last seal: appends a seal record (or,
   * during replay, reuses the one being replayed) and returns the batch id, a pure function
   * of the spool id and the batch's position, so a replay reproduces it.
   */
  seal(): string {
    if (this.replayingSeal !== null) return this.replayingSeal;
    this.flush();
    const rec = Buffer.alloc(HEADER);
    rec[0] = KIND_SEAL;
    this.write(rec);
    const id = this.batchId(this.batchStart, this.head);
    this.sealed.set(id, { ...this.head });
    this.batchStart = { ...this.head };
    if (this.head.off >= this.segmentBytes) this.rotate();
    return id;
  }

  private batchId(start: Position, end: Position): string {
    return `${this.id}-${start.seg}-${start.off}-${end.off}`;
  }

  private rotate(): void {
    closeSync(this.fd);
    this.head = { seg: this.head.seg + 1, off: 0 };
    this.fd = openSync(this.segPath(this.head.seg), 'a+');
    this.sizes.set(this.head.seg, 0);
    this.batchStart = { ...this.head };
  }

  /**
   * Called when batch `id` is stored: advances the checkpoint (and so the unstored bytes) at
   * once; the checkpoint file is replaced and passed segments deleted afterwards, off the
   * event loop, one write at a time with the newest checkpoint and at most one write per
   * `checkpointIntervalMs` (a burst of stored batches costs one or two writes). A crash before that write leaves an older checkpoint: the
   * batches after it are replayed with their old ids, and ClickHouse drops them as duplicates
   * by token, exactly as after a crash between an insert and its checkpoint.
   */
  stored(id: string): void {
    const end = this.sealed.get(id);
    if (!end) return;
    this.sealed.delete(id);
    this.checkpoint = end.off >= this.segmentBytes && end.seg < this.head.seg ? { seg: end.seg + 1, off: 0 } : end;
    for (const seg of [...this.sizes.keys()]) {
      if (seg < this.checkpoint.seg) {
        this.sizes.delete(seg);
        this.passed.push(seg);
      }
    }
    this.unstored = this.sumUnstored();
    if (!this.full) for (const w of this.spaceWaiters.splice(0)) w();
    this.persist();
  }

  /** Resolves once no checkpoint write is in flight or waiting: the checkpoint in force is on disk. */
  checkpointWritten(): Promise<void> {
    if (!this.writing && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private persist(): void {
    if (this.closed) return;
    if (this.timer) return; // the write it starts takes the newest checkpoint
    if (this.writing) {
      this.dirty = true;
      return;
    }
    // Capped at the interval, so even a clock that went back cannot hold the writes longer.
    const wait = Math.min(this.lastWriteAt + this.checkpointIntervalMs - this.clock(), this.checkpointIntervalMs);
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.startWrite();
      }, wait);
      this.timer.unref();
      return;
    }
    this.startWrite();
  }

  /** Starts the checkpoint write (none is in flight: persist() and its timer see to that). */
  private startWrite(): void {
    this.lastWriteAt = this.clock();
    this.writing = this.writeCheckpoint().finally(() => {
      this.writing = null;
      if (this.dirty) {
        this.dirty = false;
        this.persist();
      }
      if (!this.writing && !this.timer) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Replaces the checkpoint file by rename, then deletes the segments it has passed. */
  private async writeCheckpoint(): Promise<void> {
    const at = { ...this.checkpoint };
    const tmp = join(this.dir, 'checkpoint.tmp');
    try {
      await writeFile(tmp, `${at.seg} ${at.off}\n`);
      if (this.closed) return; // close() has written the last one itself
      await rename(tmp, join(this.dir, 'checkpoint'));
      // close() came while the rename was under way and may have been overtaken by it: the
      // newest checkpoint goes back on top (an exit before this is covered by open).
      if (this.closed) return this.writeFinalCheckpoint();
      this.checkpointWrites++;
      const passed = this.passed.filter((seg) => seg < at.seg);
      this.passed = this.passed.filter((seg) => seg >= at.seg);
      await Promise.all(passed.map((seg) => unlink(this.segPath(seg)).catch(() => undefined)));
    } catch {
      // The next stored batch (or close) writes a newer checkpoint; until then the older one is safe.
    }
  }

  /**
   * Replays what the checkpoint has not passed, in order: `onMessage` for each message,
   * `onSeal` at each seal record (the caller seals its open batch, and `seal()` returns the
   * replayed id). Records before the checkpoint only refill the redelivery filter.
   */
  replay(onMessage: (m: SpooledMessage) => void, onSeal: () => void): void {
    const segs = [...this.sizes.keys()].filter((s) => s >= this.checkpoint.seg).sort((a, b) => a - b);
    for (const seg of segs) {
      const fd = seg === this.head.seg ? this.fd : openSync(this.segPath(seg), 'r');
      const size = seg === this.head.seg ? fstatSync(fd).size : this.sizes.get(seg)!;
      const buf = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) got += readSync(fd, buf, got, size - got, got);
      if (fd !== this.fd) closeSync(fd);
      let off = 0;
      let start: Position = seg === this.checkpoint.seg ? { ...this.checkpoint } : { seg, off: 0 };
      while (off + HEADER <= size) {
        const kind = buf[off];
        const topicLen = buf.readUInt32LE(off + 4);
        const len = HEADER + topicLen + buf.readUInt32LE(off + 8);
        const after = seg > this.checkpoint.seg || off >= this.checkpoint.off;
        if (kind === KIND_MESSAGE) {
          const packetId = buf.readUInt16LE(off + 2);
          const topic = buf.toString('utf8', off + HEADER, off + HEADER + topicLen);
          const payload = buf.subarray(off + HEADER + topicLen, off + len);
          if (packetId) this.recent.noteReplayed(packetId, topic, payload);
          if (after) {
            this.replayedMessages++;
            onMessage({ topic, payload, receivedAt: buf.readDoubleLE(off + 12), packetId });
          }
        } else if (after) {
          const end = { seg, off: off + len };
          const id = this.batchId(start, end);
          this.sealed.set(id, end);
          this.replayingSeal = id;
          try {
            onSeal();
          } finally {
            this.replayingSeal = null;
          }
          start = end;
        }
        off += len;
      }
      this.batchStart = start;
    }
  }

  /** Closes the segment and writes the checkpoint in force (synchronously: the process is stopping). */
  close(): void {
    this.flushQuietly();
    if (this.groupTimer) clearTimeout(this.groupTimer);
    this.groupTimer = null;
    closeSync(this.fd);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writeFinalCheckpoint();
    for (const f of readdirSync(this.dir)) {
      const seg = segNumber(f);
      if (seg !== null && seg < this.checkpoint.seg) unlinkQuiet(join(this.dir, f));
    }
    if (!this.writing) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Writes the checkpoint in force synchronously, through its own temporary file. */
  private writeFinalCheckpoint(): void {
    const tmp = join(this.dir, 'checkpoint.close.tmp');
    writeFileSync(tmp, `${this.checkpoint.seg} ${this.checkpoint.off}\n`);
    renameSync(tmp, join(this.dir, 'checkpoint'));
  }
}
