/**
 * Decides what to do with each incoming delta so that the table is never patched out of order
 * and no delta is applied twice (protocol.ts: seq increases by 1 within an epoch).
 */

/** What the table is current to. `epoch` is null before the first snapshot. */
export interface StreamPosition {
  epoch: string | null;
  seq: number;
}

export type DeltaVerdict =
  | { action: 'apply' }
  /** Already applied (a replayed or repeated delta): drop it. */
  | { action: 'ignore'; reason: 'duplicate' }
  /** Cannot apply: ask the server to `resume` from the current position. */
  | { action: 'resync'; reason: 'gap' | 'epoch-changed' | 'no-snapshot' };

/** Judges one delta against the current position. Pure. */
export function judgeDelta(current: StreamPosition, delta: { epoch: string; seq: number }): DeltaVerdict {
  if (current.epoch === null) return { action: 'resync', reason: 'no-snapshot' };
  if (delta.epoch !== current.epoch) return { action: 'resync', reason: 'epoch-changed' };
  if (delta.seq <= current.seq) return { action: 'ignore', reason: 'duplicate' };
  if (delta.seq === current.seq + 1) return { action: 'apply' };
  return { action: 'resync', reason: 'gap' };
}

/** How long a resume request may go unanswered before it is sent again. */
export const RESYNC_RETRY_MS = 5_000;

/**
 * Keeps a burst of out-of-order deltas from sending a burst of `resume` requests: one request
 * is outstanding until the table moves (a snapshot or an applied delta) or it times out.
 */
export class ResyncGate {
  private requestedAt: number | null = null;

  /** True when a resume should be sent now (and records that it was). */
  request(now: number): boolean {
    if (this.requestedAt !== null && now - this.requestedAt < RESYNC_RETRY_MS) return false;
    this.requestedAt = now;
    return true;
  }

  /** The table moved forward: the outstanding request (if any) is answered. */
  settle(): void {
    this.requestedAt = null;
  }

  get pending(): boolean {
    return this.requestedAt !== null;
  }
}
