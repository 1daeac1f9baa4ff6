import { describe, expect, it, vi } from 'vitest';
import { BatchedAppender } from './batched-appender.ts';

describe('BatchedAppender', () => {
  it('writes what is pushed together in one batch, in order', async () => {
    const writes: number[][] = [];
    const a = new BatchedAppender<number>({ write: async (b) => void writes.push([...b]), delayMs: 5 });
    a.push([1, 2]);
    a.push([3]);
    await a.flush();
    a.push([4]);
    await a.flush();
    expect(writes).toEqual([[1, 2, 3], [4]]);
    expect(a.counters).toEqual({ stored: 4, failures: 0 });
  });

  it('keeps a failed batch ahead of newer records and retries it', async () => {
    const writes: number[][] = [];
    let fail = 2;
    const kept: number[] = [];
    const a = new BatchedAppender<number>({
      write: async (b) => {
        if (fail-- > 0) throw new Error('store down');
        writes.push([...b]);
      },
      delayMs: 1,
      retryMs: 5,
      onFailure: (_e, n) => kept.push(n),
    });
    // The retries run on the test's clock: each one exactly when it is due, however busy the machine.
    vi.useFakeTimers();
    try {
      a.push([1, 2]);
      await a.flush(); // the first write fails: its records are kept
      a.push([3]);
      await vi.advanceTimersByTimeAsync(5); // the retry, with the newer record behind them, fails too
      expect(writes).toEqual([]);
      expect(a.counters.failures).toBe(2);
      await vi.advanceTimersByTimeAsync(5); // the next retry writes everything, in order
    } finally {
      vi.useRealTimers();
    }
    expect(writes).toEqual([[1, 2, 3]]);
    expect(kept[0]).toBe(2);
    expect(a.counters.failures).toBe(2);
    expect(a.pendingCount).toBe(0);
  });

  it('keyed: keeps the newest pending record of each key, however many arrive while the store is away', async () => {
    const writes: string[][] = [];
    let down = true;
    const a = new BatchedAppender<{ id: string; v: number }>({
      write: async (b) => {
        if (down) throw new Error('store down');
        writes.push(b.map((r) => `${r.id}=${r.v}`));
      },
      delayMs: 1,
      retryMs: 60_000,
      key: (r) => r.id,
    });
    a.push([{ id: 'a', v: 0 }]);
    a.push([{ id: 'b', v: 0 }]);
    await a.flush(); // fails: a=0, b=0 kept
    for (let v = 1; v <= 1_000; v++) a.push([{ id: 'a', v }]);
    a.push([{ id: 'c', v: 0 }]);
    expect(a.pendingCount).toBe(3);
    down = false;
    await a.flush();
    // b=0 kept ahead of the newer records; a=0 replaced by the newest a, in its place among them.
    expect(writes).toEqual([['b=0', 'a=1000', 'c=0']]);
    expect(a.counters).toEqual({ stored: 3, failures: 1 });
  });

  it('writes once more on close, then takes nothing and stops retrying', async () => {
    let calls = 0;
    const a = new BatchedAppender<number>({
      write: async () => {
        calls++;
        throw new Error('store down');
      },
      delayMs: 1,
      retryMs: 5,
    });
    vi.useFakeTimers();
    try {
      a.push([1]);
      await a.close();
      expect(calls).toBe(1);
      a.push([2]);
      await vi.advanceTimersByTimeAsync(50); // ten retry periods
    } finally {
      vi.useRealTimers();
    }
    expect(calls).toBe(1);
    expect(a.pendingCount).toBe(1);
  });
});
