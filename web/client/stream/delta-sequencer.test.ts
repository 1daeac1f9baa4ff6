import { describe, expect, it } from 'vitest';
import { judgeDelta, ResyncGate, RESYNC_RETRY_MS } from './delta-sequencer.ts';

describe('judgeDelta', () => {
  const at = { epoch: 'e1', seq: 10 };

  it('applies the next delta of the same epoch', () => {
    expect(judgeDelta(at, { epoch: 'e1', seq: 11 })).toEqual({ action: 'apply' });
  });

  it('ignores a delta already applied (never applies twice)', () => {
    expect(judgeDelta(at, { epoch: 'e1', seq: 10 })).toEqual({ action: 'ignore', reason: 'duplicate' });
    expect(judgeDelta(at, { epoch: 'e1', seq: 3 })).toEqual({ action: 'ignore', reason: 'duplicate' });
  });

  it('asks to resync on a gap', () => {
    expect(judgeDelta(at, { epoch: 'e1', seq: 13 })).toEqual({ action: 'resync', reason: 'gap' });
  });

  it('asks to resync when the epoch changed', () => {
    expect(judgeDelta(at, { epoch: 'e2', seq: 1 })).toEqual({ action: 'resync', reason: 'epoch-changed' });
  });

  it('asks to resync before any snapshot', () => {
    expect(judgeDelta({ epoch: null, seq: -1 }, { epoch: 'e1', seq: 1 })).toEqual({ action: 'resync', reason: 'no-snapshot' });
  });
});

describe('ResyncGate', () => {
  it('lets one request through until it is settled or times out', () => {
    const gate = new ResyncGate();
    expect(gate.request(1000)).toBe(true);
    expect(gate.request(1100)).toBe(false);
    expect(gate.pending).toBe(true);
    expect(gate.request(1000 + RESYNC_RETRY_MS)).toBe(true);
    gate.settle();
    expect(gate.pending).toBe(false);
    expect(gate.request(1000 + RESYNC_RETRY_MS + 1)).toBe(true);
  });
});
