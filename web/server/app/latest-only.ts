/**
 * Runs a client's requests at most once per interval, the newest one: a request that comes
 * sooner waits for the interval's end and is replaced by any newer one meanwhile. A client that
 * sends thousands of viewports a second costs one answer per interval, and the last viewport it
 * sent is always the one answered (docs/security.md, "The live stream under attack").
 */
export class LatestOnly<T> {
  /** Requests replaced by a newer one before their turn. */
  superseded = 0;
  private last = Number.NEGATIVE_INFINITY;
  private pending: { value: T } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly run: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(value: T): void {
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0 && !this.timer) {
      this.last = this.now();
      this.run(value);
      return;
    }
    if (this.pending) this.superseded++;
    this.pending = { value };
    this.timer ??= setTimeout(() => this.fire(), Math.max(0, wait));
  }

  private fire(): void {
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    this.last = this.now();
    this.run(p.value);
  }

  /** Drops what waits (the client went away). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }
}
