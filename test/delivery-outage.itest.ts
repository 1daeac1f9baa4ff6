/**
 * Delivery guarantees of the ingest (docs/ingest.md, "Delivery"), part 2: a storage outage
 * during a steady flow. The embedded engine cannot be stopped apart from the process hosting
 * it, so the fault is INJECTED AT THE STORAGE ADAPTER (the runtime's `wrapSink` hook around
 * the real ClickHouseSink): every insert fails for OUTAGE_MS (a few seconds instead of the
 * issue's 60 s, to keep the suite fast; the code path is the same, the writer only retries
 * longer). A 1 MiB spool fills during the outage, so backpressure is exercised too.
 * /api/health and the status strip's `storage` show the state; after the outage the spool
 * drains and stored == sent, with no duplicate row.
 */
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import { startCityTwin, type RunningCityTwin } from '../bin/runtime.ts';
import { queryRows, type StorageSink } from '../ingest/index.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { pacedFlow } from './support/paced-flow.ts';

/** One Prometheus sample, by name and labels as printed. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}


describe('storage outage during a steady flow (fault injected at the StorageSink adapter)', () => {
  const dir = tempDir('delivery-outage');
  const PREFIX = 'do-';
  const TOTAL = 40_000;
  const OUTAGE_MS = 6_000;
  let mosquitto: Mosquitto | undefined;
  let app: RunningCityTwin | undefined;

  afterAll(async () => {
    await app?.close();
    await mosquitto?.stop();
    dir.remove();
  });

  it('spools, applies backpressure, shows the state, drains, and stores everything once', async () => {
    mosquitto = await startMosquitto();
    let outage = false;
    let failedInserts = 0;
    const wrapSink = (sink: StorageSink): StorageSink => ({
      write: async (batch) => {
        if (outage) {
          failedInserts++;
          throw new Error('injected outage: ClickHouse cannot take inserts');
        }
        await sink.write(batch);
      },
    });
    app = await startCityTwin(
      loadConfig(
        {
          CITYTWIN_HTTP_PORT: '0',
          CITYTWIN_HTTP_HOST: '127.0.0.1',
          CITYTWIN_MQTT_URL: mosquitto.url,
          CITYTWIN_DATA_DIR: dir.path,
          CITYTWIN_WORKER_ID: 'delivery-outage',
          CITYTWIN_LOG_LEVEL: 'error',
          CITYTWIN_BATCH_MAX_DELAY_MS: '100',
          // Small, so that the outage fills it and backpressure is exercised.
          CITYTWIN_SPOOL_MAX_BYTES: String(1024 * 1024),
        },
        { simulate: false },
      ),
      'ingest',
      undefined,
      { wrapSink },
    );
    const health = async () => (await (await fetch(new URL('/api/health', app!.ops!.url))).json()) as { status: string; parts: Record<string, { status: string; detail?: string }> };
    const publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'delivery-outage-publisher' });
    const seen = { degraded: false, down: false, stripDegraded: false, stripDown: false, maxSpool: 0 };
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const h = await health();
        if (h.parts.ingest?.status === 'degraded') seen.degraded = true;
        if (h.parts.ingest?.status === 'down' && /spool full/.test(h.parts.ingest.detail ?? '')) seen.down = true;
        const s = app!.stats().storage;
        if (s === 'degraded') seen.stripDegraded = true;
        if (s === 'down') seen.stripDown = true;
        const t = await (await fetch(new URL('/metrics', app!.ops!.url))).text();
        seen.maxSpool = Math.max(seen.maxSpool, sample(t, 'citytwin_ingest_spool_bytes') ?? 0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    let outageStarted = 0;
    const sending = pacedFlow(publisher, PREFIX, TOTAL, 4_000, (sent) => {
      if (outageStarted === 0 && sent >= 4_000) {
        outage = true;
        outageStarted = Date.now();
        setTimeout(() => (outage = false), OUTAGE_MS);
      }
    });
    await sending;
    await publisher.endAsync();
    const ingest = app.ingest!;
    await waitFor('every message stored', () => ingest.pipeline.metrics.stored === TOTAL && ingest.writer.pendingMessages === 0, 60_000, 100);
    watching = false;
    await watcher;
    const [row] = await queryRows<{ raw: string; keys: string }>(
      app.clickhouse,
      "SELECT count() AS raw, uniqExact(sensor_id, ts) AS keys FROM readings WHERE sensor_id LIKE {p:String}",
      { p: `${PREFIX}%` },
    );
    console.log(`[delivery] outage ${OUTAGE_MS} ms: ${failedInserts} failed inserts, spool peak ${seen.maxSpool} bytes, health degraded ${seen.degraded}, backpressure (down) ${seen.down}; stored ${row?.keys} keys, ${row?.raw} rows`);
    expect(failedInserts).toBeGreaterThan(0);
    expect(seen.degraded || seen.down).toBe(true);
    expect(seen.down).toBe(true);
    expect(seen.stripDown || seen.stripDegraded).toBe(true);
    expect(seen.maxSpool).toBeGreaterThan(0);
    expect(Number(row?.keys)).toBe(TOTAL);
    expect(Number(row?.raw)).toBe(TOTAL);
    expect((await health()).status).toBe('ok');
  }, 180_000);
});
