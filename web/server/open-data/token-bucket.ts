/**
 * Token-bucket rate limits of the open-data API (docs/open-data.md): one bucket per API key and
 * one per client address for anonymous requests. A bucket holds up to `perMinute` tokens and
 * refills at `perMinute` per minute; a request takes one. The clock is injected (tests).
 */
export interface TakeResult {
  ok: boolean;
  /** Whole seconds until one token is back (0 when `ok`). */
  retryAfterS: number;
  /** Tokens left after this request. */
  remaining: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Most buckets kept; the fullest (least recently used) are dropped beyond it. */
export const MAX_BUCKETS = 50_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, perMinute: number): TakeResult {
    const now = this.now();
    const rate = perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + Math.max(0, now - b.at) * rate);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfterS: 0, remaining: Math.floor(b.tokens) };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)), remaining: 0 };
  }
}
