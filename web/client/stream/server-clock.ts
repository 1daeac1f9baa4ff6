/**
 * Estimates the server clock from the `serverTime` stamped on stream messages, so that data
 * age is measured on the server's clock rather than on a desk PC's possibly wrong one.
 *
 * Each sample `serverTime - receivedAt` is the true offset minus the message's transit time, so
 * the largest recent sample is the closest to the truth (as in NTP's minimum-delay filter).
 */
export class ServerClock {
  private readonly samples: number[] = [];
  private best: number | null = null;

  constructor(private readonly window = 30) {}

  /** Records a message stamped `serverTime` that arrived at client time `receivedAt`. */
  observe(serverTime: number, receivedAt: number): void {
    if (!Number.isFinite(serverTime) || serverTime <= 0) return;
    this.samples.push(serverTime - receivedAt);
    if (this.samples.length > this.window) this.samples.shift();
    this.best = Math.max(...this.samples);
  }

  /** Server minus client, in ms (0 until the first sample). */
  get offsetMs(): number {
    return this.best ?? 0;
  }

  get synced(): boolean {
    return this.best !== null;
  }

  /** The server's time now, estimated from the client's `clientNow`. */
  now(clientNow: number): number {
    return clientNow + this.offsetMs;
  }
}
