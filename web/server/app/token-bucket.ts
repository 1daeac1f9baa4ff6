/**
 * Token buckets: a bucket holds up to `capacity` tokens and earns one back every `msPerToken`;
 * a request takes one. The live stream's table requests (`latest-only.ts`: a burst, then one per
 * interval) and the open-data API's rate limits (docs/open-data.md: one bucket per API key and
 * one per client address, a minute's worth each) both count with it. The clock is the caller's.
 */

/** One bucket: its tokens as of `at` (ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

/** Adds the tokens earned since `b.at`, up to `capacity`, and moves `b.at` to `now` (a clock that steps back earns nothing). */
export function refill(b: Bucket, capacity: number, msPerToken: number, now: number): void {
  b.tokens = Math.min(capacity, b.tokens + Math.max(0, now - b.at) / msPerToken);
  b.at = now;
}

/** Takes one token when a whole one is there. */
export function takeToken(b: Bucket): boolean {
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

/** Milliseconds until the bucket holds a whole token again (0 or less when it does). */
export function msUntilToken(b: Bucket, msPerToken: number): number {
  return (1 - b.tokens) * msPerToken;
}

export interface TakeResult {
  ok: boolean;
  /** Whole seconds until one token is back (0 when `ok`). */
  retryAfterS: number;
  /** Tokens left after this request. */
  remaining: number;
}

/** Most buckets kept; the fullest (least recently used) are dropped beyond it. */
export const MAX_BUCKETS = 50_000;

/** A bucket per key, each holding `perMinute` tokens and earning `perMinute` a minute. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, perMinute: number): TakeResult {
    const now = this.now();
    const msPerToken = 60_000 / perMinute;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    refill(b, perMinute, msPerToken, now);
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    if (takeToken(b)) return { ok: true, retryAfterS: 0, remaining: Math.floor(b.tokens) };
    return { ok: false, retryAfterS: Math.max(1, Math.ceil(msUntilToken(b, msPerToken) / 1000)), remaining: 0 };
  }
}
