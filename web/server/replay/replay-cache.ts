/**
 * The replay's short-lived memory: values kept for a time and up to a count, oldest dropped
 * first. The service keeps rebuilt twins (a keyframe and the frames after it ask for the same
 * moment at once) and the twin each chunk of frames ended with (the next chunk continues it).
 */
export class TimedCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();

  /**
   * @param ttlMs how long an entry is served after it was set
   * @param max entries kept at most
   */
  constructor(
    readonly ttlMs: number,
    readonly max: number,
  ) {}

  /** The live entry of `key`; expired entries of every key are dropped first. */
  get(key: string, now: number): V | undefined {
    for (const [k, e] of this.entries) if (now - e.at > this.ttlMs) this.entries.delete(k);
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V, now: number): void {
    this.entries.set(key, { at: now, value });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Removes the entry of `key` and returns it when it was still live. */
  take(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    return now - e.at <= this.ttlMs ? e.value : undefined;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
