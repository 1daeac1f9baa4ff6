/**
 * An ingest worker's figures as it publishes them on its stats topic (`IngestWorkerStats`, v1),
 * for the aggregator's tests (ingest/ingest-stats) and the cluster metrics' (bin/metrics).
 */
import type { IngestWorkerStats } from '../../ingest/index.ts';

/** Worker `workerId`'s figures at 1 s: 10 received, 7 stored, 2 rejected, 40 ms behind, storage ok; `over` replaces any. */
export function workerStats(workerId: string, over: Partial<IngestWorkerStats> = {}): IngestWorkerStats {
  return {
    v: 1,
    workerId,
    at: 1000,
    startedAt: 0,
    received: 10,
    stored: 7,
    rejected: 2,
    pendingMessages: 1,
    pendingReadings: 1,
    readingsAccepted: 8,
    readingsStored: 7,
    messagesPerSec: 5,
    readingsPerSec: 5,
    ingestLagMs: 40,
    storage: 'ok',
    ...over,
  };
}
