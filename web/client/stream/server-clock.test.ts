import { describe, expect, it } from 'vitest';
import { ServerClock } from './server-clock.ts';

describe('ServerClock', () => {
  it('takes the sample with the least transit time as the offset', () => {
    const clock = new ServerClock();
    clock.observe(10_000, 5_050); // arrived 50 ms after stamping: offset 4950
    clock.observe(11_000, 6_005); // 5 ms: offset 4995, the better estimate
    clock.observe(12_000, 7_200);
    expect(clock.offsetMs).toBe(4_995);
    expect(clock.now(8_000)).toBe(12_995);
  });

  it('forgets samples beyond its window', () => {
    const clock = new ServerClock(2);
    clock.observe(1_000, 0);
    clock.observe(1_000, 500);
    clock.observe(1_000, 600);
    expect(clock.offsetMs).toBe(500);
  });

  it('is zero until synced and ignores nonsense stamps', () => {
    const clock = new ServerClock();
    clock.observe(0, 100);
    expect(clock.synced).toBe(false);
    expect(clock.offsetMs).toBe(0);
  });
});
