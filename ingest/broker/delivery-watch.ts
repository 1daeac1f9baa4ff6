/**
 * Notices when the broker stops getting messages through: per publishing client, the publishes
 * that arrived and have not finished (taken by the in-process ingest and handed to every
 * subscriber). A client whose oldest waiting publish has seen no progress for a while is
 * stalled — its connection is not read meanwhile, so the ingest receives nothing from it, and
 * `/api/health` must say so even though every part is "up" and nothing is pending.
 */

interface Waiting {
  inFlight: number;
  /** When this client last had a publish finish, or when it started waiting from none. */
  lastProgressAt: number;
}

/** What {@link DeliveryWatch.stall} found. */
export interface DeliveryStall {
  /** Clients with publishes waiting and no progress for at least the threshold. */
  stalledClients: number;
  /** Publishes waiting at those clients. */
  waitingPublishes: number;
  /** How long the longest of them has seen no progress (ms), 0 when none. */
  longestMs: number;
}

export class DeliveryWatch<K> {
  private readonly waiting = new Map<K, Waiting>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A publish of `client` arrived (before it is authorised, taken or delivered). */
  arrived(client: K): void {
    const w = this.waiting.get(client);
    if (w) w.inFlight++;
    else this.waiting.set(client, { inFlight: 1, lastProgressAt: this.now() });
  }

  /** A publish of `client` finished (delivered, or refused). */
  finished(client: K): void {
    const w = this.waiting.get(client);
    if (!w) return;
    w.inFlight--;
    w.lastProgressAt = this.now();
    if (w.inFlight <= 0) this.waiting.delete(client);
  }

  /** The client is gone: what it had waiting no longer holds anyone. */
  forget(client: K): void {
    this.waiting.delete(client);
  }

  /** Clients whose waiting publishes have seen no progress for `thresholdMs` or more. */
  stall(thresholdMs: number): DeliveryStall {
    const now = this.now();
    const result: DeliveryStall = { stalledClients: 0, waitingPublishes: 0, longestMs: 0 };
    for (const w of this.waiting.values()) {
      const idle = now - w.lastProgressAt;
      if (idle < thresholdMs) continue;
      result.stalledClients++;
      result.waitingPublishes += w.inFlight;
      result.longestMs = Math.max(result.longestMs, idle);
    }
    return result;
  }
}
