/**
 * Appends records to a store in batches, in order, losing none: records pushed within
 * `delayMs` go in one write; writes are serialised (the store keeps the order); a failed write
 * keeps its records, ahead of newer ones, for a retry `retryMs` later. Used for the incident
 * history and the dispatch log, where one insert per change would not keep up with a storm and
 * an operator's action must never be dropped.
 *
 * Keyed (`key`): a record replaces the pending one of the same key (the newest wins, placed
 * last), so what waits for the store is bounded by the number of keys however often they change
 * and however long the store is away; a failed write keeps its records ahead of newer ones except
 * those a newer record of the same key replaced. Used for the units seen of metrics outside the
 * vocabulary, one pending change per sensor metric (web/server/live/metric-unit-log.ts).
 */
export interface BatchedAppenderOptions<T> {
  /** Writes one batch; rejects when the store did not take it. */
  write: (batch: readonly T[]) => Promise<void>;
  delayMs: number;
  retryMs?: number;
  /** Told of each failed write with the number of records kept. */
  onFailure?: (err: Error, kept: number) => void;
  /** Keeps at most one pending record per key, the newest (unset: every record, in order). */
  key?: (record: T) => string;
}

export class BatchedAppender<T> {
  /** Records stored, and failed writes (retried). */
  readonly counters = { stored: 0, failures: 0 };
  /** Pending records by key, in order: unkeyed, each under a key of its own (its sequence number). */
  private pending = new Map<string | number, T>();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The write in progress: the next one starts after it. */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: BatchedAppenderOptions<T>) {}

  /** Queues `records` for the next write; nothing once {@link close}d. */
  push(records: readonly T[]): void {
    if (records.length === 0 || this.closed) return;
    for (const r of records) {
      const k = this.keyOf(r);
      this.pending.delete(k);
      this.pending.set(k, r);
    }
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

  /**
   * Writes what is pending once, then stops: later records are not taken and a failed write is
   * not tried again (for a store that is closing; what failed stays in {@link pendingCount}).
   */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private keyOf(record: T): string | number {
    return this.options.key ? this.options.key(record) : this.seq++;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.writing = this.writing.then(() => this.writePending());
    }, ms);
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.options.write([...batch.values()]);
      this.counters.stored += batch.size;
    } catch (err) {
      this.counters.failures++;
      // Ahead of the newer records, but behind none of them that replaced one of its own key.
      const newer = this.pending;
      this.pending = new Map();
      for (const [k, r] of batch) if (!newer.has(k)) this.pending.set(k, r);
      for (const [k, r] of newer) this.pending.set(k, r);
      this.options.onFailure?.(err as Error, this.pending.size);
      this.schedule(this.options.retryMs ?? 1000);
    }
  }
}
