/**
 * The delivery log: one row per recipient of each message (channel, recipient, event, status,
 * attempts, last error, times), a newer row replacing the older one of the same key. Recording
 * never waits: the dispatcher calls `record` and carries on.
 *
 * - `MemoryDeliveryLog` keeps the latest row of each key (tests, a single process).
 * - `BatchedDeliveryLog` hands rows to a store in batches (the ClickHouse store,
 *   storage/notification-store.ts), bounded in memory while the store is away.
 */
import type { DeliveryRecord } from '../../../twin-model/index.ts';

export interface DeliveryLog {
  record(rows: readonly DeliveryRecord[]): void;
}

export class MemoryDeliveryLog implements DeliveryLog {
  readonly latest = new Map<string, DeliveryRecord>();
  /** Every row in order (the status history of each key). */
  readonly history: DeliveryRecord[] = [];

  record(rows: readonly DeliveryRecord[]): void {
    for (const r of rows) {
      this.latest.set(r.key, r);
      this.history.push(r);
    }
  }

  /** The statuses one key went through. */
  statuses(key: string): string[] {
    return this.history.filter((r) => r.key === key).map((r) => r.status);
  }
}

export interface BatchedLogOptions {
  /** Writes one batch; rejects when the store refuses (the batch is kept and tried again). */
  append(rows: DeliveryRecord[]): Promise<void>;
  /** A batch is written when it has this many rows… @default 500 */
  maxRows?: number;
  /** …or is this old, ms. @default 200 */
  maxDelayMs?: number;
  /** Rows held while the store is away; beyond it the oldest are dropped and counted. @default 100_000 */
  maxBuffered?: number;
  onError?(error: unknown): void;
}

export class BatchedDeliveryLog implements DeliveryLog {
  private buffer: DeliveryRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  /** Rows dropped because the buffer was full while the store was away. */
  dropped = 0;
  written = 0;

  constructor(private readonly options: BatchedLogOptions) {}

  record(rows: readonly DeliveryRecord[]): void {
    this.buffer.push(...rows);
    const max = this.options.maxBuffered ?? 100_000;
    if (this.buffer.length > max) {
      this.dropped += this.buffer.length - max;
      this.buffer.splice(0, this.buffer.length - max);
    }
    if (this.buffer.length >= (this.options.maxRows ?? 500)) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.options.maxDelayMs ?? 200);
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.writing || this.buffer.length === 0) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
      if (this.buffer.length > 0) this.timer ??= setTimeout(() => this.kick(), this.options.maxDelayMs ?? 200);
    });
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      // Taken out while written, so rows dropped meanwhile (a full buffer) are never the ones in flight.
      const batch = this.buffer.splice(0, this.options.maxRows ?? 500);
      try {
        await this.options.append(batch);
      } catch (e) {
        this.buffer.unshift(...batch);
        this.options.onError?.(e);
        return;
      }
      this.written += batch.length;
    }
  }

  /** Writes everything recorded so far (one attempt); rejects when rows remain unwritten. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.writing) await this.writing;
    await this.writeAll();
    if (this.buffer.length > 0) throw new Error(`${this.buffer.length} delivery log rows could not be written`);
  }
}
