import { describe, expect, it } from 'vitest';
import { computeFreshness, STREAM_STOP_AFTER_MS, type FreshnessInput } from './freshness.ts';

const base: FreshnessInput = {
  now: 1_000_000,
  connected: true,
  connectedAt: 950_000,
  lastUpdateAt: 999_000,
  newestDataTime: 0,
  clockOffsetMs: 0,
};

describe('computeFreshness', () => {
  it('is live with recent updates, and measures data age on the server clock', () => {
    // The server clock runs 5 s ahead of the client; the newest data is 2 s old on it.
    const f = computeFreshness({ ...base, clockOffsetMs: 5_000, newestDataTime: 1_003_000 });
    expect(f).toMatchObject({ condition: 'live', stopped: false, sinceUpdateMs: 1_000, dataAgeMs: 2_000, level: 'ok' });
  });

  it('stops when no update was applied for more than 10 s', () => {
    const f = computeFreshness({ ...base, lastUpdateAt: base.now - STREAM_STOP_AFTER_MS - 1 });
    expect(f).toMatchObject({ condition: 'no-updates', stopped: true, level: 'bad' });
  });

  it('is not stopped at exactly 10 s', () => {
    expect(computeFreshness({ ...base, lastUpdateAt: base.now - STREAM_STOP_AFTER_MS }).stopped).toBe(false);
  });

  it('stops at once when disconnected', () => {
    expect(computeFreshness({ ...base, connected: false })).toMatchObject({ condition: 'disconnected', stopped: true });
  });

  it('waits for the first snapshot, then stops if it never comes', () => {
    expect(computeFreshness({ ...base, lastUpdateAt: null, connectedAt: base.now - 1_000 }).condition).toBe('waiting');
    expect(computeFreshness({ ...base, lastUpdateAt: null, connectedAt: base.now - 11_000 })).toMatchObject({
      condition: 'no-updates',
      stopped: true,
    });
  });

  it('warns on old data even while the stream is live', () => {
    expect(computeFreshness({ ...base, newestDataTime: base.now - 30_000 }).level).toBe('warn');
    expect(computeFreshness({ ...base, newestDataTime: base.now - 120_000 }).level).toBe('bad');
  });
});
