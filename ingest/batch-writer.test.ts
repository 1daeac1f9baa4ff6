import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchWriter } from './batch-writer.ts';
import { readingRow, type StorageBatch, type StorageSink } from '../storage/storage-batch.ts';

/** A sink at the adapter interface that stores batches in memory and can be made to fail. */
class MemorySink implements StorageSink {
  readonly batches: StorageBatch[] = [];
  failures = 0;
  attempts = 0;
  async write(batch: StorageBatch): Promise<void> {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('storage unavailable');
    }
    this.batches.push(batch);
  }
}

function add(writer: BatchWriter, n: number, at = 1): void {
  for (let i = 0; i < n; i++) {
    writer.batch.readings.push(readingRow('sensor', `s-${i}`, 'pm25', at + i, i, at));
    writer.commitMessage(1, at);
  }
}

/** Moves the test's clock (fake timers): each timer fires when it is due, however busy the machine. */
const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('BatchWriter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('seals a batch when it reaches maxRows and writes batches in order', async () => {
    const sink = new MemorySink();
    const stored: number[] = [];
    const writer = new BatchWriter(sink, { maxRows: 10, maxDelayMs: 10_000, idPrefix: 't', onStored: (b) => stored.push(b.messages) });
    add(writer, 25);
    await writer.flush();
    expect(stored).toEqual([10, 10, 5]);
    expect(sink.batches.map((b) => b.id)).toEqual(['t-0', 't-1', 't-2']);
    expect(writer.pendingMessages).toBe(0);
  });

  it('seals by time', async () => {
    vi.useFakeTimers();
    const sink = new MemorySink();
    const writer = new BatchWriter(sink, { maxRows: 1000, maxDelayMs: 20, idPrefix: 't' });
    add(writer, 3);
    expect(writer.pendingMessages).toBe(3);
    await tick(19);
    expect(sink.batches).toHaveLength(0);
    await tick(1);
    expect(sink.batches).toHaveLength(1);
    expect(writer.pendingMessages).toBe(0);
  });

  it('keeps the open batch filling while an insert is in flight, and seals it as the insert returns', async () => {
    vi.useFakeTimers();
    const written: number[] = [];
    let release: (() => void) | null = null;
    // An insert that returns only when the test says so: the engine busy with a batch.
    const sink: StorageSink = {
      write: (b) =>
        new Promise<void>((resolve) => {
          release = () => {
            written.push(b.messages);
            resolve();
          };
        }),
    };
    const writer = new BatchWriter(sink, { maxRows: 1000, maxDelayMs: 20, idPrefix: 't' });
    add(writer, 3);
    await tick(20);
    expect(release).not.toBeNull(); // the first batch's insert is running
    for (let round = 0; round < 5; round++) {
      add(writer, 2);
      await tick(20);
    }
    // Five delays passed during the insert: still one open batch of 10, nothing queued behind it.
    expect(writer.batch.messages).toBe(10);
    expect(writer.pendingMessages).toBe(13);
    const first = release as unknown as () => void;
    release = null;
    first();
    await vi.waitFor(() => expect(release).not.toBeNull());
    expect(writer.batch.messages).toBe(0);
    (release as unknown as () => void)();
    await writer.flush();
    expect(written).toEqual([3, 10]);
    expect(writer.pendingMessages).toBe(0);
  });

  it('reaches maxRows while an insert is in flight: sealed by size as before', async () => {
    vi.useFakeTimers();
    const sizes: number[] = [];
    let hold = true;
    const waiting: Array<() => void> = [];
    const sink: StorageSink = {
      write: (b) =>
        new Promise<void>((resolve) => {
          const done = () => {
            sizes.push(b.messages);
            resolve();
          };
          if (hold) waiting.push(done);
          else done();
        }),
    };
    const writer = new BatchWriter(sink, { maxRows: 4, maxDelayMs: 20, idPrefix: 't' });
    add(writer, 4);
    add(writer, 9);
    await tick(20);
    hold = false;
    for (const w of waiting.splice(0)) w();
    await writer.flush();
    expect(sizes).toEqual([4, 4, 4, 1]);
  });

  it('retries a failing batch with the same id, reports health, and loses nothing', async () => {
    vi.useFakeTimers();
    const sink = new MemorySink();
    sink.failures = 3;
    const errors: number[] = [];
    const writer = new BatchWriter(sink, {
      maxRows: 5,
      maxDelayMs: 10_000,
      idPrefix: 'r',
      retryDelayMs: 5,
      onError: (_e, attempt) => errors.push(attempt),
    });
    add(writer, 5);
    await tick(0); // the first write has failed; its retry is not due yet
    expect(writer.health().state).toBe('degraded');
    expect(writer.health().lastError).toBe('storage unavailable');
    expect(writer.oldestPendingAt).toBe(1);
    add(writer, 5, 100);
    const flushed = writer.flush();
    await tick(1_000);
    await flushed;
    expect(errors).toEqual([1, 2, 3]);
    expect(sink.batches.map((b) => [b.id, b.messages])).toEqual([
      ['r-0', 5],
      ['r-1', 5],
    ]);
    expect(writer.health().state).toBe('ok');
  });

  it('seals by size only while storage fails, and by time again once it is back', async () => {
    vi.useFakeTimers();
    const sink = new MemorySink();
    sink.failures = 1_000_000;
    const writer = new BatchWriter(sink, { maxRows: 10, maxDelayMs: 5, idPrefix: 'o', retryDelayMs: 5, maxRetryDelayMs: 5 });
    add(writer, 10);
    // The first batch (full) is failing: what arrives now waits in one open batch, not one per delay.
    await tick(20);
    expect(writer.health().state).toBe('degraded');
    for (let k = 0; k < 3; k++) {
      add(writer, 3, 100 + k * 10);
      await tick(15);
    }
    // Three times the delay passed: still one open batch of 9.
    expect(writer.batch.messages).toBe(9);
    add(writer, 13, 200);
    // 10 + 9 + 13 messages: three full batches sealed, 2 messages still open.
    expect(writer.batch.messages).toBe(2);
    sink.failures = 0;
    await tick(60);
    // Storage is back: the full batches are written, and the open one is sealed by time.
    expect(sink.batches.map((b) => b.messages)).toEqual([10, 10, 10, 2]);
    expect(writer.pendingMessages).toBe(0);
  });

  it('back from a failed insert: seals at once a batch whose time ran out meanwhile, gives one begun in the failure its delay', async () => {
    vi.useFakeTimers();
    // Inserts that return (or fail) only when the test says so.
    const inserts: Array<{ messages: number; settle: (ok: boolean) => void }> = [];
    const sink: StorageSink = {
      write: (b) =>
        new Promise<void>((resolve, reject) => {
          inserts.push({ messages: b.messages, settle: (ok) => (ok ? resolve() : reject(new Error('storage unavailable'))) });
        }),
    };
    const writer = new BatchWriter(sink, { maxRows: 100, maxDelayMs: 1000, idPrefix: 'd', retryDelayMs: 10, maxRetryDelayMs: 10 });
    const settle = async (ok: boolean) => {
      inserts.at(-1)!.settle(ok);
      await tick(0);
    };
    add(writer, 3);
    await tick(1000);
    add(writer, 2);
    await tick(1000); // the open batch's time runs out while the first insert is in flight
    await settle(false);
    await tick(10);
    expect(inserts.map((i) => i.messages)).toEqual([3, 3]); // the retry
    await settle(true);
    expect(inserts.map((i) => i.messages)).toEqual([3, 3, 2]); // sealed as the insert returned
    await settle(false);
    add(writer, 4); // begun while storage fails: no timer
    await tick(10);
    await settle(true);
    await tick(999);
    expect(inserts).toHaveLength(4);
    await tick(1);
    expect(inserts.map((i) => i.messages)).toEqual([3, 3, 2, 2, 4]); // its full delay after storage came back
    await settle(true);
    expect(writer.pendingMessages).toBe(0);
  });

  it('close(waitMs) writes every sealed batch a slow store takes within the bound', async () => {
    vi.useFakeTimers();
    // A slow store (a starved machine): each write answers only when the test lets it.
    const answers: Array<() => void> = [];
    const stored: string[] = [];
    const slow: StorageSink = {
      write: (batch) =>
        new Promise<void>((resolve) =>
          answers.push(() => {
            stored.push(batch.id);
            resolve();
          }),
        ),
    };
    const writer = new BatchWriter(slow, { maxRows: 5, maxDelayMs: 10_000, idPrefix: 'c' });
    add(writer, 7);
    let result: boolean | null = null;
    const closing = writer.close(30_000).then((r) => {
      result = r;
    });
    // Well inside the bound: still storing, not closed with the batches unwritten.
    await tick(10_000);
    expect(result).toBeNull();
    for (let k = 0; k < 2; k++) {
      answers.shift()!();
      await tick(1_000);
    }
    await closing;
    expect(result).toBe(true);
    expect(stored).toEqual(['c-0', 'c-1']);
    expect(writer.pendingMessages).toBe(0);
  });

  it('close(waitMs) gives up at the bound on a store that does not answer, and writes nothing after', async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const silent: StorageSink = {
      write: () => {
        attempts++;
        return new Promise<void>(() => undefined);
      },
    };
    const writer = new BatchWriter(silent, { maxRows: 5, maxDelayMs: 10_000, idPrefix: 's' });
    add(writer, 12);
    let result: boolean | null = null;
    const closing = writer.close(25_000).then((r) => {
      result = r;
    });
    await tick(24_999);
    expect(result).toBeNull();
    await tick(1);
    await closing;
    expect(result).toBe(false);
    expect(writer.closedAtBound).toBe(true);
    // Every acknowledged message is still counted as unstored (the spool keeps them).
    expect(writer.pendingMessages).toBe(12);
    expect(attempts).toBe(1);
    await tick(120_000);
    expect(attempts).toBe(1);
  });

  it('close(waitMs) gives up after 3 failed attempts in a row (storage down), before the bound', async () => {
    vi.useFakeTimers();
    const failing = new MemorySink();
    failing.failures = 1_000_000;
    const giving = new BatchWriter(failing, { maxRows: 5, maxDelayMs: 10_000, idPrefix: 'f', retryDelayMs: 5 });
    add(giving, 2);
    const gaveUp = giving.close(30_000);
    await tick(1_000);
    expect(await gaveUp).toBe(false);
    expect(giving.closedAtBound).toBe(false);
    expect(failing.attempts).toBe(3);
    expect(giving.pendingMessages).toBe(2);
  });

  it('keeps the batch open when its seal fails, retries after the delay, and seals it whole once the seal works', async () => {
    vi.useFakeTimers();
    const sink = new MemorySink();
    let sealFails = 2;
    const errors: number[] = [];
    const recovered: number[] = [];
    const writer = new BatchWriter(sink, {
      maxRows: 1000,
      maxDelayMs: 100,
      idPrefix: 't',
      onSeal: () => {
        if (sealFails > 0) {
          sealFails--;
          throw new Error('EFBIG: file too large, write');
        }
      },
      onSealError: (_err, attempt) => errors.push(attempt),
      onSealRecovered: (attempts) => recovered.push(attempts),
    });
    add(writer, 3);
    await tick(100);
    expect(errors).toEqual([1]);
    expect(writer.sealFailing).toBe(true);
    expect(writer.health().state).toBe('down');
    expect(writer.health().lastError).toContain('EFBIG');
    expect(writer.pendingMessages).toBe(3);
    add(writer, 2, 10);
    await tick(100);
    expect(errors).toEqual([1, 2]);
    await tick(100);
    expect(recovered).toEqual([2]);
    expect(sink.batches.map((b) => b.messages)).toEqual([5]);
    expect(writer.health().state).toBe('ok');
    expect(writer.pendingMessages).toBe(0);
  });

  it('close(waitMs) with a seal that fails returns false and leaves the messages pending', async () => {
    const sink = new MemorySink();
    const writer = new BatchWriter(sink, {
      maxRows: 1000,
      maxDelayMs: 10_000,
      idPrefix: 't',
      onSeal: () => {
        throw new Error('ENOSPC: no space left on device, write');
      },
    });
    add(writer, 4);
    expect(await writer.close(1000)).toBe(false);
    expect(writer.pendingMessages).toBe(4);
    expect(sink.attempts).toBe(0);
  });
});
