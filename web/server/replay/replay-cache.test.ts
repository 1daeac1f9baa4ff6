import { describe, expect, it } from 'vitest';
import { TimedCache } from './replay-cache.ts';

describe('TimedCache', () => {
  it('serves an entry until its time is up, then drops it', () => {
    const cache = new TimedCache<string>(1000, 4);
    cache.set('a', 'twin a', 0);
    expect(cache.get('a', 1000)).toBe('twin a');
    expect(cache.get('a', 1001)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most `max` entries, dropping the oldest first', () => {
    const cache = new TimedCache<number>(60_000, 2);
    cache.set('a', 1, 0);
    cache.set('b', 2, 1);
    cache.set('c', 3, 2);
    expect([cache.get('a', 3), cache.get('b', 3), cache.get('c', 3)]).toEqual([undefined, 2, 3]);
  });

  it('hands an entry over once: a second take finds nothing, nor does a take after its time', () => {
    const cache = new TimedCache<string>(1000, 4);
    cache.set('end', 'state', 0);
    expect(cache.take('end', 10)).toBe('state');
    expect(cache.take('end', 10)).toBeUndefined();
    cache.set('late', 'state', 0);
    expect(cache.take('late', 5000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
