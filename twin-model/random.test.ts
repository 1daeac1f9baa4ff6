import { describe, expect, it } from 'vitest';
import { createRandom } from './random.ts';

describe('createRandom', () => {
  it('gives the same sequence for the same seed', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
  });
  it('stays within [0, 1) and forks independent streams', () => {
    const r = createRandom(7);
    for (let i = 0; i < 1000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(r.fork('a').next()).not.toEqual(r.fork('b').next());
  });
  it('keeps its sequence (scenarios, cities and golden files depend on it)', () => {
    const r = createRandom(2026);
    expect([r.next(), r.range(3, 5), r.int(100), r.normal(), r.pick(['a', 'b', 'c', 'd']), r.fork('x').next()]).toEqual([
      0.8628656982909888,
      3.445255041588098,
      11,
      0.19220369647148156,
      'a',
      0.9847592224832624,
    ]);
  });
  it('lets a copy with one method replaced draw from the same stream', () => {
    const a = createRandom(9);
    const b = createRandom(9);
    const quiet = { ...a, normal: () => 0 };
    expect([quiet.range(0, 10), quiet.normal(), a.next(), quiet.int(50)]).toEqual([b.range(0, 10), 0, b.next(), b.int(50)]);
  });
});
