import { describe, expect, it } from 'vitest';
import { type Bucket, msUntilToken, refill, TokenBuckets, takeToken } from './token-bucket.ts';

describe('token buckets', () => {
  it('earns a token per interval up to its capacity, nothing while the clock steps back', () => {
    const b: Bucket = { tokens: 2, at: 0 };
    expect([takeToken(b), takeToken(b), takeToken(b)]).toEqual([true, true, false]);
    expect(msUntilToken(b, 100)).toBe(100);
    refill(b, 2, 100, 50);
    expect(takeToken(b)).toBe(false);
    expect(msUntilToken(b, 100)).toBe(50);
    refill(b, 2, 100, 10);
    expect(b).toEqual({ tokens: 0.5, at: 10 });
    refill(b, 2, 100, 10_000);
    expect(b.tokens).toBe(2);
  });

  it('allows a burst of the limit, refuses the next with Retry-After, and recovers as the clock moves', () => {
    let t = 1_000_000;
    const buckets = new TokenBuckets(() => t);
    for (let i = 0; i < 3; i++) expect(buckets.take('a', 3).ok).toBe(true);
    const refused = buckets.take('a', 3);
    expect(refused).toEqual({ ok: false, retryAfterS: 20, remaining: 0 });
    // Another bucket is untouched.
    expect(buckets.take('b', 3).ok).toBe(true);
    t += 19_000;
    expect(buckets.take('a', 3).ok).toBe(false);
    t += 1_000;
    expect(buckets.take('a', 3)).toMatchObject({ ok: true });
    t += 10 * 60_000;
    expect(buckets.take('a', 3)).toEqual({ ok: true, retryAfterS: 0, remaining: 2 });
  });
});
