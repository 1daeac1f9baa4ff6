import { type Bucket, msUntilToken, refill, takeToken } from './token-bucket.ts';

/**
 * Runs a client's requests within a budget: a burst of `burst` at once, then one per interval
 * (a token bucket). Beyond the budget only the newest request waits, replaced by any newer one,
 * and runs when the budget allows. A client that sends a handful of viewports together gets each
 * answered in order; one that sends thousands a second costs one answer per interval, and the
 * last viewport it sent is always answered (docs/security.md, "The live stream under attack").
 */
export class LatestOnly<T> {
  /** Requests replaced by a newer one before their turn. */
  superseded = 0;
  private readonly bucket: Bucket;
  private pending: { value: T } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
    private readonly run: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.bucket = { tokens: burst, at: now() };
  }

  push(value: T): void {
    if (!this.timer) {
      refill(this.bucket, this.burst, this.intervalMs, this.now());
      if (takeToken(this.bucket)) {
        this.run(value);
        return;
      }
    }
    if (this.pending) this.superseded++;
    this.pending = { value };
    this.timer ??= setTimeout(() => this.fire(), Math.ceil(msUntilToken(this.bucket, this.intervalMs)));
  }

  private fire(): void {
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    refill(this.bucket, this.burst, this.intervalMs, this.now());
    this.bucket.tokens = Math.max(0, this.bucket.tokens - 1);
    this.run(p.value);
  }

  /** Drops what waits (the client went away). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }
}
