/**
 * Ingest workers' counters on the bus. A separate `citytwin ingest` worker has no console of
 * its own, so it publishes its counters once a second on
 * `citytwin/v1/system/ingest/{workerId}/stats` (QoS 0, not retained: a stopped worker's
 * figures must not be replayed to a web node that starts later); web nodes aggregate the
 * workers they hear for the status strip and their `/metrics` (docs/deployment.md).
 */
import { z } from 'zod';
import { ID_PATTERN, SYSTEM_TOPIC_ROOT, topics } from '../twin-model/index.ts';
import type { Ingest } from './index.ts';

/** The JSON payload of one worker's stats message (version 1). */
export const ingestWorkerStatsSchema = z.object({
  v: z.literal(1),
  workerId: z.string().regex(ID_PATTERN),
  /** When the figures were taken (epoch ms, the worker's clock). */
  at: z.number().int().nonnegative(),
  startedAt: z.number().int().nonnegative(),
  received: z.number().int().nonnegative(),
  stored: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  /** Accepted or rejected, not yet written. */
  pendingMessages: z.number().int().nonnegative(),
  pendingReadings: z.number().int().nonnegative(),
  readingsAccepted: z.number().int().nonnegative(),
  readingsStored: z.number().int().nonnegative(),
  messagesPerSec: z.number().nonnegative(),
  readingsPerSec: z.number().nonnegative(),
  ingestLagMs: z.number().nonnegative(),
  storage: z.enum(['ok', 'degraded', 'down']),
});

/** One worker's figures, as published. */
export type IngestWorkerStats = z.infer<typeof ingestWorkerStatsSchema>;

/**
 * Takes a worker's figures from its running ingest. `storage` overrides the writer's own
 * state: a worker whose spool is full (backpressure) reports `down` to the status strip.
 */
export function sampleWorkerStats(
  ingest: Ingest,
  workerId: string,
  startedAt: number,
  rate: { messagesPerSec: number; readingsPerSec: number },
  now: number,
  storage?: IngestWorkerStats['storage'],
): IngestWorkerStats {
  const m = ingest.pipeline.metrics;
  const w = ingest.writer;
  const oldest = w.oldestPendingAt;
  return {
    v: 1,
    workerId,
    at: now,
    startedAt,
    received: m.received,
    stored: m.stored,
    rejected: m.rejected,
    pendingMessages: w.pendingMessages,
    pendingReadings: w.pendingRows,
    readingsAccepted: m.readingsAccepted,
    readingsStored: m.readingsStored,
    messagesPerSec: rate.messagesPerSec,
    readingsPerSec: rate.readingsPerSec,
    ingestLagMs: oldest ? Math.max(0, now - oldest) : 0,
    storage: storage ?? w.health().state,
  };
}

const STATS_PREFIX = `${SYSTEM_TOPIC_ROOT}/ingest/`;

/** The worker id of a stats topic, or null when `topic` is not one. */
export function parseIngestStatsTopic(topic: string): string | null {
  if (!topic.startsWith(STATS_PREFIX) || !topic.endsWith('/stats')) return null;
  const id = topic.slice(STATS_PREFIX.length, topic.length - '/stats'.length);
  return ID_PATTERN.test(id) && topics.ingestStats(id) === topic ? id : null;
}

/** What a web node shows for all ingest workers together. */
export interface IngestClusterSummary {
  /** Workers heard within `staleAfterMs`. */
  liveWorkers: number;
  /** Workers heard before that (still counted in the totals). */
  staleWorkers: number;
  received: number;
  stored: number;
  rejected: number;
  pendingMessages: number;
  pendingReadings: number;
  readingsAccepted: number;
  readingsStored: number;
  /** Sum over live workers. */
  messagesPerSec: number;
  readingsPerSec: number;
  /** Largest over live workers. */
  ingestLagMs: number;
  /** Worst over live workers; `down` when no worker is live. */
  storage: 'ok' | 'degraded' | 'down';
}

export interface IngestStatsAggregatorOptions {
  /** A worker silent this long no longer counts as live. @default 10000 */
  staleAfterMs?: number;
  /** A worker silent this long is forgotten, totals included. @default 3600000 */
  forgetAfterMs?: number;
}

/**
 * Keeps the last figures of each worker and sums them. Totals include stale workers (their
 * messages were really received and stored); rates, lag and storage health only live ones.
 * Messages are broker input, so each one is validated; a bad one is counted and ignored.
 */
export class IngestStatsAggregator {
  private readonly workers = new Map<string, { stats: IngestWorkerStats; heardAt: number }>();
  /** Stats messages that failed validation (bad topic or payload). */
  invalid = 0;
  private readonly staleAfterMs: number;
  private readonly forgetAfterMs: number;

  constructor(options: IngestStatsAggregatorOptions = {}) {
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 3_600_000;
  }

  /** Takes one message from the system topic; returns false when it is not valid worker stats. */
  accept(topic: string, payload: Uint8Array, heardAt: number): boolean {
    const id = parseIngestStatsTopic(topic);
    let parsed: IngestWorkerStats | null = null;
    if (id !== null) {
      try {
        const r = ingestWorkerStatsSchema.safeParse(JSON.parse(Buffer.from(payload).toString('utf8')));
        if (r.success && r.data.workerId === id) parsed = r.data;
      } catch {
        parsed = null;
      }
    }
    if (!parsed || id === null) {
      this.invalid++;
      return false;
    }
    this.workers.set(id, { stats: parsed, heardAt });
    return true;
  }

  /** Ids of the workers currently known. */
  workerIds(): string[] {
    return [...this.workers.keys()];
  }

  summary(now: number): IngestClusterSummary {
    const s: IngestClusterSummary = {
      liveWorkers: 0,
      staleWorkers: 0,
      received: 0,
      stored: 0,
      rejected: 0,
      pendingMessages: 0,
      pendingReadings: 0,
      readingsAccepted: 0,
      readingsStored: 0,
      messagesPerSec: 0,
      readingsPerSec: 0,
      ingestLagMs: 0,
      storage: 'ok',
    };
    const rank = { ok: 0, degraded: 1, down: 2 } as const;
    for (const [id, { stats: w, heardAt }] of this.workers) {
      const silentFor = now - heardAt;
      if (silentFor > this.forgetAfterMs) {
        this.workers.delete(id);
        continue;
      }
      s.received += w.received;
      s.stored += w.stored;
      s.rejected += w.rejected;
      s.pendingMessages += w.pendingMessages;
      s.pendingReadings += w.pendingReadings;
      s.readingsAccepted += w.readingsAccepted;
      s.readingsStored += w.readingsStored;
      if (silentFor > this.staleAfterMs) {
        s.staleWorkers++;
        continue;
      }
      s.liveWorkers++;
      s.messagesPerSec += w.messagesPerSec;
      s.readingsPerSec += w.readingsPerSec;
      s.ingestLagMs = Math.max(s.ingestLagMs, w.ingestLagMs);
      if (rank[w.storage] > rank[s.storage]) s.storage = w.storage;
    }
    if (s.liveWorkers === 0) s.storage = 'down';
    return s;
  }
}
