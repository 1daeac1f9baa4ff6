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
  private tokens: number;
  private stamp: number;
  private pending: { value: T } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
    private readonly run: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.stamp = now();
  }

  push(value: T): void {
    if (!this.timer) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        this.run(value);
        return;
      }
    }
    if (this.pending) this.superseded++;
    this.pending = { value };
    this.timer ??= setTimeout(() => this.fire(), Math.ceil((1 - this.tokens) * this.intervalMs));
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.stamp) / this.intervalMs);
    this.stamp = now;
  }

  private fire(): void {
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    this.refill();
    this.tokens = Math.max(0, this.tokens - 1);
    this.run(p.value);
  }

  /** Drops what waits (the client went away). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }
}
