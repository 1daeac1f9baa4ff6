import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { IngestMetrics, IngestStatsAggregator } from '../../ingest/index.ts';
import { workerStats } from '../../test/support/worker-stats.ts';
import { topics } from '../../twin-model/index.ts';
import { registerIngestClusterMetrics, registerIngestMetrics, registerSpoolMetrics } from './ingest-families.ts';
import { counterBy } from './metric-registry.ts';

/** The exposition of what `register` puts into a fresh registry. */
async function exposition(register: (r: Registry) => void): Promise<string> {
  const registry = new Registry();
  register(registry);
  return registry.metrics();
}

describe('the ingest families', () => {
  it('read the counters at scrape time, per outcome, topic, reason and source', async () => {
    const m = new IngestMetrics();
    m.countReceived('sensor_data');
    m.countAccepted('gw-a');
    m.countReceived('unknown');
    m.countRejected('unknown_topic', 'unknown');
    const gauges = { pendingMessages: () => 1, ingestLagMs: () => 250, storageUp: () => true };
    const before = await exposition((r) => registerIngestMetrics(r, m, gauges));
    expect(before).toContain('citytwin_ingest_messages_total{outcome="received"} 2\n');
    expect(before).toContain('citytwin_ingest_messages_received_total{topic="sensor_data"} 1\n');
    expect(before).toContain('citytwin_ingest_rejected_total{reason="unknown_topic",source="unknown"} 1\n');
    expect(before).toContain('citytwin_ingest_source_messages_total{source="gw-a",outcome="received"} 1\n');
    expect(before).toContain('citytwin_ingest_lag_seconds 0.25\n');
    expect(before).toContain('citytwin_storage_up 1\n');
    expect(before).toMatch(/^# HELP citytwin_ingest_messages_total MQTT messages by outcome/m);

    const registry = new Registry();
    registerIngestMetrics(registry, m, gauges);
    m.countBatch(1, 0, 1, 0, 10, 5, new Map([['gw-a', 1]]));
    const after = await registry.metrics();
    expect(after).toContain('citytwin_ingest_messages_total{outcome="stored"} 1\n');
    expect(after).toContain('citytwin_ingest_source_messages_total{source="gw-a",outcome="stored"} 1\n');
  });

  it('show the spool and its backpressure', async () => {
    const spool = { pendingBytes: 4096, maxBytes: 8192, replayedMessages: 3, duplicatesDropped: 2, writes: 7 };
    const text = await exposition((r) => registerSpoolMetrics(r, spool, () => true));
    expect(text).toContain('citytwin_ingest_spool_bytes 4096\n');
    expect(text).toContain('citytwin_ingest_spool_backpressure 1\n');
    expect(text).toContain('citytwin_ingest_spool_replayed_messages_total 3\n');
    expect(text).toContain('citytwin_ingest_redeliveries_dropped_total 2\n');
    expect(text).toContain('citytwin_ingest_spool_writes_total 7\n');
  });

  it("sum the workers' figures on a web node", async () => {
    const a = new IngestStatsAggregator();
    for (const id of ['w1', 'w2']) a.accept(topics.ingestStats(id), Buffer.from(JSON.stringify(workerStats(id))), 0);
    const text = await exposition((r) => registerIngestClusterMetrics(r, () => a.summary(0)));
    expect(text).toContain('citytwin_ingest_messages_total{outcome="stored"} 14\n');
    expect(text).toContain('citytwin_ingest_lag_seconds 0.04\n');
    expect(text).toContain('citytwin_ingest_workers{state="live"} 2\n');
    expect(text).toContain('citytwin_storage_up 1\n');
  });
});

describe('labelled families', () => {
  it('escape label values a device chose (quotes, backslashes, newlines)', async () => {
    const text = await exposition((r) =>
      counterBy(r, 'citytwin_test_total', 'A test family.', ['client'], () => [[{ client: 'gw "a"\\\nb' }, 1]]),
    );
    expect(text).toContain('citytwin_test_total{client="gw \\"a\\"\\\\\\nb"} 1\n');
  });

  it('drop a label value that is gone at the next scrape', async () => {
    let samples: Array<readonly [{ status: string }, number]> = [[{ status: 'available' }, 2]];
    const registry = new Registry();
    counterBy(registry, 'citytwin_test_total', 'A test family.', ['status'], () => samples);
    expect(await registry.metrics()).toContain('citytwin_test_total{status="available"} 2\n');
    samples = [[{ status: 'busy' }, 1]];
    const text = await registry.metrics();
    expect(text).not.toContain('available');
    expect(text).toContain('citytwin_test_total{status="busy"} 1\n');
  });
});
