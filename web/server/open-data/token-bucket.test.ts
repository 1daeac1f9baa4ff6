import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token-bucket.ts';

describe('token buckets', () => {
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
