/**
 * Appends records to a store in batches, in order, losing none: records pushed within
 * `delayMs` go in one write; writes are serialised (the store keeps the order); a failed write
 * keeps its records, ahead of newer ones, for a retry `retryMs` later. Used for the incident
 * history and the dispatch log, where one insert per change would not keep up with a storm and
 * an operator's action must never be dropped.
 */
export interface BatchedAppenderOptions<T> {
  /** Writes one batch; rejects when the store did not take it. */
  write: (batch: readonly T[]) => Promise<void>;
  delayMs: number;
  retryMs?: number;
  /** Told of each failed write with the number of records kept. */
  onFailure?: (err: Error, kept: number) => void;
}

export class BatchedAppender<T> {
  /** Records stored, and failed writes (retried). */
  readonly counters = { stored: 0, failures: 0 };
  private pending: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The write in progress: the next one starts after it. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: BatchedAppenderOptions<T>) {}

  push(records: readonly T[]): void {
    if (records.length === 0) return;
    this.pending.push(...records);
    this.schedule(this.options.delayMs);
  }

  /** Resolves once every record pushed so far is written (or its write failed and is kept). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.writing = this.writing.then(() => this.writePending());
    await this.writing;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  private schedule(ms: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.writing = this.writing.then(() => this.writePending());
    }, ms);
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.options.write(batch);
      this.counters.stored += batch.length;
    } catch (err) {
      this.counters.failures++;
      this.pending = [...batch, ...this.pending];
      this.options.onFailure?.(err as Error, this.pending.length);
      this.schedule(this.options.retryMs ?? 1000);
    }
  }
}
