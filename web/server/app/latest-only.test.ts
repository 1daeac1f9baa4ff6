/** LatestOnly: at most one run per interval, always the newest request, nothing after stop. */
import { describe, expect, it } from 'vitest';
import { LatestOnly } from './latest-only.ts';

const until = async (check: () => boolean) => {
  for (let k = 0; k < 200 && !check(); k++) await new Promise((r) => setTimeout(r, 10));
};

describe('LatestOnly', () => {
  it('runs the first request at once, then only the newest of a burst', async () => {
    const ran: number[] = [];
    const latest = new LatestOnly<number>(50, (v) => ran.push(v));
    for (let k = 0; k < 1000; k++) latest.push(k);
    expect(ran).toEqual([0]);
    await until(() => ran.length === 2);
    expect(ran).toEqual([0, 999]);
    expect(latest.superseded).toBe(998);
    latest.stop();
  });

  it('answers a lone request after the interval at once, and drops what waits on stop', async () => {
    let now = 0;
    const ran: string[] = [];
    const latest = new LatestOnly<string>(
      100,
      (v) => ran.push(v),
      () => now,
    );
    latest.push('a');
    now = 150;
    latest.push('b');
    expect(ran).toEqual(['a', 'b']);
    latest.push('c');
    latest.stop();
    await new Promise((r) => setTimeout(r, 150));
    expect(ran).toEqual(['a', 'b']);
  });
});
