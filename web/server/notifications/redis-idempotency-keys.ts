/**
 * Idempotency keys shared by several web nodes through Redis (`CITYTWIN_REDIS_URL`): a key is
 * claimed with `SET <prefix><key> 1 NX PX <ttl>`, which exactly one caller wins, whichever node
 * it runs on. Only the twin writer sends, so the keys decide only while a lease moves (two nodes
 * may both believe they write for a few seconds) and when a new writer pages what the old one
 * may have paged already.
 */
import { createClient } from 'redis';
import type { IdempotencyKeys } from './idempotency-keys.ts';

type RedisConnection = ReturnType<typeof createClient>;

export interface RedisKeysOptions {
  /** How long a key is remembered, ms. @default 7 days */
  ttlMs?: number;
  /** @default `citytwin:notify:` */
  prefix?: string;
}

export class RedisIdempotencyKeys implements IdempotencyKeys {
  private readonly ttlMs: number;
  private readonly prefix: string;

  private constructor(
    private readonly redis: RedisConnection,
    options: RedisKeysOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 7 * 86_400_000;
    this.prefix = options.prefix ?? 'citytwin:notify:';
  }

  /** Connects to Redis; rejects naming the failure when it does not answer within 10 s. */
  static async connect(
    url: string,
    options: RedisKeysOptions = {},
    log: (message: string) => void = () => undefined,
  ): Promise<RedisIdempotencyKeys> {
    const redis = createClient({ url, socket: { connectTimeout: 10_000, reconnectStrategy: (n) => Math.min(200 * 2 ** n, 5000) } });
    let last = '';
    // Without a listener an 'error' event would end the process; reconnection is automatic.
    redis.on('error', (err: Error) => {
      if (err.message !== last) log(`notification keys in Redis: ${err.message}`);
      last = err.message;
    });
    await redis.connect();
    return new RedisIdempotencyKeys(redis, options);
  }

  async claim(keys: readonly string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const multi = this.redis.multi();
    for (const key of keys) multi.set(`${this.prefix}${key}`, '1', { NX: true, PX: this.ttlMs });
    const replies = await multi.exec();
    return replies.map((r) => r === 'OK');
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
