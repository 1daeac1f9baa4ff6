/** LatestOnly: a burst at once, then one per interval, always the newest; nothing after stop. */
import { describe, expect, it } from 'vitest';
import { LatestOnly } from './latest-only.ts';

const until = async (check: () => boolean) => {
  for (let k = 0; k < 200 && !check(); k++) await new Promise((r) => setTimeout(r, 10));
};

describe('LatestOnly', () => {
  it('runs a burst at once, then only the newest of a flood', async () => {
    const ran: number[] = [];
    const latest = new LatestOnly<number>(50, 3, (v) => ran.push(v));
    for (let k = 0; k < 1000; k++) latest.push(k);
    expect(ran).toEqual([0, 1, 2]);
    await until(() => ran.length === 4);
    expect(ran).toEqual([0, 1, 2, 999]);
    expect(latest.superseded).toBe(996);
    latest.stop();
  });

  it('earns one run back per interval, up to the burst, and drops what waits on stop', async () => {
    let now = 0;
    const ran: string[] = [];
    const latest = new LatestOnly<string>(
      100,
      2,
      (v) => ran.push(v),
      () => now,
    );
    latest.push('a');
    latest.push('b');
    now = 150;
    latest.push('c');
    expect(ran).toEqual(['a', 'b', 'c']);
    latest.push('d');
    latest.stop();
    now = 10_000;
    latest.push('e');
    latest.push('f');
    latest.push('g');
    expect(ran).toEqual(['a', 'b', 'c', 'e', 'f']);
    latest.stop();
  });
});
