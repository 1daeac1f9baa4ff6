/**
 * Exactly once per (event, recipient, channel): before a message is sent, its recipients' keys
 * are claimed; a key someone already claimed — this process earlier, or another web node
 * sharing the store — is not sent again. The check is an interface so the store can be shared:
 * in memory (one process; seeded at start with the keys of the delivery log, so a restart does
 * not send again what was sent before it), or in Redis (`SET key NX PX`) when several web nodes
 * run (redis-idempotency-keys.ts).
 */
export interface IdempotencyKeys {
  /** Claims each key; `true` where this caller claimed it now, `false` where it was claimed before. */
  claim(keys: readonly string[]): Promise<boolean[]>;
}

export interface MemoryKeysOptions {
  /** Keys remembered at most (the oldest are forgotten first). @default 1_000_000 */
  maxKeys?: number;
  /** How long a key is remembered, ms. @default 7 days */
  ttlMs?: number;
  now?: () => number;
}

/** Keys in this process's memory, bounded in count and age. */
export class MemoryIdempotencyKeys implements IdempotencyKeys {
  /** Key → epoch ms claimed, in claim order (a Map keeps insertion order). */
  private readonly claimed = new Map<string, number>();
  private readonly maxKeys: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MemoryKeysOptions = {}) {
    this.maxKeys = options.maxKeys ?? 1_000_000;
    this.ttlMs = options.ttlMs ?? 7 * 86_400_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.claimed.size;
  }

  /** Marks keys claimed before (read back from the delivery log at start), without claiming anything now. */
  remember(keys: Iterable<string>, at = this.now()): void {
    for (const key of keys) {
      this.claimed.delete(key);
      this.claimed.set(key, at);
    }
    this.forget(this.now());
  }

  async claim(keys: readonly string[]): Promise<boolean[]> {
    const now = this.now();
    this.forget(now);
    return keys.map((key) => {
      const at = this.claimed.get(key);
      if (at !== undefined && now - at < this.ttlMs) return false;
      this.claimed.delete(key);
      this.claimed.set(key, now);
      return true;
    });
  }

  private forget(now: number): void {
    for (const [key, at] of this.claimed) {
      if (this.claimed.size <= this.maxKeys && now - at < this.ttlMs) break;
      this.claimed.delete(key);
    }
  }
}
