/**
 * Batches rows by size and by time and writes batches one at a time, in order, retrying a
 * failed batch with backoff until it is stored (the batch id makes retries idempotent).
 * Messages count as stored only once their whole batch is written.
 *
 * One insert in flight, the next batch filling: when the batch's time is up while an insert is
 * still running, the batch stays open (up to `maxRows`) and is sealed as that insert returns.
 * A slow insert then meets one larger batch instead of a queue of small ones, each of which
 * costs the engine a part, its rollup and later merges.
 */
import { emptyBatch, type StorageBatch, type StorageSink } from '../storage/storage-batch.ts';

/**
 * The default time limit of a batch (CITYTWIN_BATCH_MAX_DELAY_MS). Each insert costs the engine a
 * part in `readings` and in every rollup fed from it, and merges later: at ≈ 60,000 single
 * readings a second on the embedded engine its threads spent ≈ 6 µs of CPU a message with
 * batches sealed every 200 ms and ≈ 1.5 with one a second (docs/benchmarks.md, run 1). A
 * second is also what ClickHouse advises (about one insert a second per table). What waits is
 * only the stored copy: the twin, the live screens and the PUBACKs do not wait for the insert.
 */
export const DEFAULT_BATCH_MAX_DELAY_MS = 1000;

export interface BatchWriterOptions {
  maxRows: number;
  maxDelayMs: number;
  /** Prefix of batch ids; unique per process (deduplication tokens are derived from it). */
  idPrefix: string;
  now?: () => number;
  onStored?: (batch: StorageBatch, writeMs: number) => void;
  onError?: (error: Error, attempt: number) => void;
  /** First retry delay; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /**
   * Called when a batch is sealed, before it is queued for writing: the spool writes its seal
   * record here and gives the batch its position-derived id (ingest/spool/spool.ts).
   */
  onSeal?: (batch: StorageBatch) => void;
  /**
   * `onSeal` threw (the spool could not write its seal record: a full disk, a file-size limit).
   * The batch stays open and sealing is tried again at the next time or size trigger;
   * `attempt` counts the failures in a row (1 for the first: log that one).
   */
  onSealError?: (error: Error, attempt: number) => void;
  /** Sealing works again after `attempts` failures that began `failedMs` ago. */
  onSealRecovered?: (attempts: number, failedMs: number) => void;
}

export type StorageHealth = 'ok' | 'degraded' | 'down';

export class BatchWriter {
  private current: StorageBatch;
  private readonly queue: StorageBatch[] = [];
  private seq = 0;
  /**
   * The open batch's deadline: its timer while it runs; `'passed'` when the time ran out while
   * an insert was in flight (the batch is sealed as that insert returns); null when none is set.
   */
  private deadline: NodeJS.Timeout | 'passed' | null = null;
  private writing = false;
  private closed = false;
  /** Set when close() returns: no further batch is written, what is left stays in the spool. */
  private stopped = false;
  /** Set when close() returned at its bound (the store did not take everything in time). */
  private boundReached = false;
  private failingSince = 0;
  private lastError: string | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly now: () => number;
  /** Off while the spool is replayed: batches must then end exactly at the replayed seals. */
  private autoSeal = true;
  /** Seals failing in a row (`onSeal` threw), since when, and the last error. */
  private sealFailure: { attempts: number; since: number; message: string } | null = null;

  constructor(
    private readonly sink: StorageSink,
    private readonly options: BatchWriterOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.current = this.newBatch();
  }

  /** The open batch's time is up, but an insert was in flight: sealed when it returns. */
  private get due(): boolean {
    return this.deadline === 'passed';
  }

  private newBatch(): StorageBatch {
    return emptyBatch(`${this.options.idPrefix}-${this.seq++}`);
  }

  /** The open batch; callers append rows, then call `commitMessage`. */
  get batch(): StorageBatch {
    return this.current;
  }

  /** Records that one message's rows were appended (`rows` of them) at `receivedAt`. */
  commitMessage(rows: number, receivedAt: number, rejected = false): void {
    const b = this.current;
    b.messages++;
    if (rejected) b.rejectedMessages++;
    b.rows += rows;
    if (b.oldestReceivedAt === 0) b.oldestReceivedAt = receivedAt;
    if (!this.autoSeal) return;
    if (b.rows >= this.options.maxRows) this.seal();
    // While storage fails, batches are sealed by size only: an outage then leaves a few full
    // batches to write when storage is back, not one per delay (which would drain slowly).
    else if (!this.deadline && this.failingSince === 0) this.deadline = setTimeout(() => this.timeUp(), this.options.maxDelayMs);
  }

  /** The open batch's delay has passed: sealed now, or as the insert in flight returns. */
  private timeUp(): void {
    if (this.writing && !this.closed) this.deadline = 'passed';
    else this.seal();
  }

  /**
   * Turns sealing by size and time off (during a spool replay, where the replayed seal records
   * decide) or back on (an open batch then gets its timer).
   */
  setAutoSeal(on: boolean): void {
    this.autoSeal = on;
    if (on && this.current.messages > 0 && !this.deadline) {
      if (this.current.rows >= this.options.maxRows) this.seal();
      else this.deadline = setTimeout(() => this.timeUp(), this.options.maxDelayMs);
    }
  }

  /** Closes the open batch and queues it for writing. */
  seal(): void {
    if (this.deadline && this.deadline !== 'passed') clearTimeout(this.deadline);
    this.deadline = null;
    if (this.current.messages === 0) return;
    if (!this.trySeal()) return;
    this.queue.push(this.current);
    this.current = this.newBatch();
    void this.drain();
  }

  /**
   * Runs `onSeal`; false if it threw. The batch then stays open (its messages are spooled
   * already), and is sealed again at the next size trigger or after the next delay.
   */
  private trySeal(): boolean {
    try {
      this.options.onSeal?.(this.current);
    } catch (err) {
      const f = this.sealFailure ?? { attempts: 0, since: this.now(), message: '' };
      f.attempts++;
      f.message = (err as Error).message;
      this.sealFailure = f;
      this.options.onSealError?.(err as Error, f.attempts);
      if (!this.closed && !this.deadline) this.deadline = setTimeout(() => this.timeUp(), this.options.maxDelayMs);
      return false;
    }
    if (this.sealFailure) {
      this.options.onSealRecovered?.(this.sealFailure.attempts, this.now() - this.sealFailure.since);
      this.sealFailure = null;
    }
    return true;
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    let attempt = 0;
    let delay = this.options.retryDelayMs ?? 200;
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue[0]!;
      const started = this.now();
      try {
        await this.sink.write(batch);
        this.queue.shift();
        attempt = 0;
        delay = this.options.retryDelayMs ?? 200;
        const recovered = this.failingSince !== 0;
        this.failingSince = 0;
        this.lastError = null;
        this.options.onStored?.(batch, this.now() - started);
        // The open batch's time ran out during this insert: it goes next.
        if (this.due && this.autoSeal) this.seal();
        // Back from a failure: the batch left open meanwhile gets its timer again.
        else if (recovered && this.autoSeal && this.current.messages > 0 && !this.deadline)
          this.deadline = setTimeout(() => this.timeUp(), this.options.maxDelayMs);
      } catch (err) {
        attempt++;
        if (this.failingSince === 0) this.failingSince = this.now();
        this.lastError = (err as Error).message;
        this.options.onError?.(err as Error, attempt);
        if (this.closed && attempt >= 3) break;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.options.maxRetryDelayMs ?? 5000);
      }
    }
    this.writing = false;
    // Everything sealed before a flush() call is written (or given up on after close()).
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Messages received but not yet written (in the open batch and the queue). */
  get pendingMessages(): number {
    return this.current.messages + this.queue.reduce((n, b) => n + b.messages, 0);
  }

  /** Rejected messages whose dead letters are not yet written (part of `pendingMessages`). */
  get pendingRejected(): number {
    return this.current.rejectedMessages + this.queue.reduce((n, b) => n + b.rejectedMessages, 0);
  }

  get pendingRows(): number {
    return this.current.rows + this.queue.reduce((n, b) => n + b.rows, 0);
  }

  /** Receive time of the oldest unwritten message, or 0. */
  get oldestPendingAt(): number {
    return this.queue[0]?.oldestReceivedAt || this.current.oldestReceivedAt || 0;
  }

  /** True while the open batch cannot be sealed (`onSeal` failed and is being retried). */
  get sealFailing(): boolean {
    return this.sealFailure !== null;
  }

  /**
   * `down` while the spool cannot write a seal record (a publish is acknowledged only once its
   * own record is written, which then fails too), else by how long inserts have been failing.
   */
  health(): { state: StorageHealth; failingForMs: number; lastError: string | null } {
    const seal = this.sealFailure;
    if (seal)
      return { state: 'down', failingForMs: this.now() - seal.since, lastError: `spool cannot write its seal record: ${seal.message}` };
    if (this.failingSince === 0) return { state: 'ok', failingForMs: 0, lastError: null };
    const failingForMs = this.now() - this.failingSince;
    return { state: failingForMs > 30_000 ? 'down' : 'degraded', failingForMs, lastError: this.lastError };
  }

  /** Seals the open batch and resolves when everything is written. */
  async flush(): Promise<void> {
    this.seal();
    if (!this.writing && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Flushes within `waitMs`: resolves `true` once every sealed batch is written (a slow store is
   * waited for up to the bound), `false` at the bound or once a batch has failed 3 times in a row
   * (storage is down). Then nothing more is written; `pendingMessages` says how many messages are
   * left unstored. They are acknowledged and in the write-ahead spool, which replays them at the
   * next start (docs/ingest.md): the bound keeps a stop inside the orchestrator's grace period
   * (`CITYTWIN_STOP_STORAGE_WAIT_MS`) without losing anything.
   */
  async close(waitMs: number): Promise<boolean> {
    this.boundReached = false;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        this.boundReached = true;
        resolve(false);
      }, waitMs);
    });
    try {
      const stored = await Promise.race([this.flush().then(() => this.pendingMessages === 0), bound]);
      this.stopped = true;
      return stored;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Why the last close() returned `false`: `true` when it reached its bound, `false` when storage
   * failed 3 times in a row first (or a seal could not be written). Told by the bound's own timer,
   * not by comparing clocks afterwards (a timer may fire a millisecond early by `Date.now()`).
   */
  get closedAtBound(): boolean {
    return this.boundReached;
  }
}
