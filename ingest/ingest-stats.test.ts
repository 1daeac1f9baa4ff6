import { describe, expect, it } from 'vitest';
import { topics } from '../twin-model/index.ts';
import { workerStats } from '../test/support/worker-stats.ts';
import { IngestStatsAggregator, parseIngestStatsTopic, type IngestWorkerStats } from './ingest-stats.ts';

const send = (a: IngestStatsAggregator, s: IngestWorkerStats, at: number, topic = topics.ingestStats(s.workerId)) =>
  a.accept(topic, Buffer.from(JSON.stringify(s)), at);

describe('ingest worker stats on the system topic', () => {
  it('parses only well-formed stats topics', () => {
    expect(parseIngestStatsTopic('citytwin/v1/system/ingest/w-1/stats')).toBe('w-1');
    expect(parseIngestStatsTopic('citytwin/v1/system/ingest/a/b/stats')).toBeNull();
    expect(parseIngestStatsTopic('citytwin/v1/system/ingest//stats')).toBeNull();
    expect(parseIngestStatsTopic('citytwin/v1/sensors/w-1/data')).toBeNull();
  });

  it('sums totals over workers and rates, lag and health over live ones', () => {
    const a = new IngestStatsAggregator({ staleAfterMs: 5000 });
    expect(send(a, workerStats('w1'), 0)).toBe(true);
    expect(send(a, workerStats('w2', { received: 20, stored: 18, ingestLagMs: 90, storage: 'degraded' }), 4000)).toBe(true);
    expect(a.summary(4000)).toMatchObject({
      liveWorkers: 2,
      staleWorkers: 0,
      received: 30,
      stored: 25,
      rejected: 4,
      messagesPerSec: 10,
      ingestLagMs: 90,
      storage: 'degraded',
    });
    // w1 goes silent: its totals stay, its rate and lag no longer count.
    expect(a.summary(6000)).toMatchObject({ liveWorkers: 1, staleWorkers: 1, received: 30, messagesPerSec: 5 });
  });

  it('replaces a worker’s figures with its latest message', () => {
    const a = new IngestStatsAggregator();
    send(a, workerStats('w1', { received: 10 }), 0);
    send(a, workerStats('w1', { received: 50 }), 1000);
    expect(a.summary(1000).received).toBe(50);
  });

  it('reports storage down when no worker is live, and forgets long-silent workers', () => {
    const a = new IngestStatsAggregator({ staleAfterMs: 10, forgetAfterMs: 100 });
    expect(a.summary(0)).toMatchObject({ liveWorkers: 0, storage: 'down' });
    send(a, workerStats('w1'), 0);
    expect(a.summary(50)).toMatchObject({ staleWorkers: 1, received: 10, storage: 'down' });
    expect(a.summary(200)).toMatchObject({ staleWorkers: 0, received: 0 });
    expect(a.workerIds()).toEqual([]);
  });

  it('ignores and counts invalid messages (broker input is untrusted)', () => {
    const a = new IngestStatsAggregator();
    expect(a.accept(topics.ingestStats('w1'), Buffer.from('{not json'), 0)).toBe(false);
    expect(send(a, workerStats('w2'), 0, topics.ingestStats('w1'))).toBe(false); // id in payload ≠ topic
    expect(send(a, { ...workerStats('w1'), received: -1 }, 0)).toBe(false);
    expect(a.accept('citytwin/v1/system/other', Buffer.from('{}'), 0)).toBe(false);
    expect(a.invalid).toBe(4);
    expect(a.summary(0).liveWorkers).toBe(0);
  });
});
