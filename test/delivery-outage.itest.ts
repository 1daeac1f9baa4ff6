/**
 * Delivery guarantees of the ingest (docs/ingest.md, "Delivery"), part 2: storage unavailable
 * for 60 s during a steady flow.
 *
 * Where the fault is: the embedded ClickHouse engine cannot be stopped apart from the process
 * hosting it, so the outage is INJECTED AT THE STORAGE ADAPTER — the runtime's `wrapSink` hook
 * around the real ClickHouseSink makes every insert fail for OUTAGE_MS = 60 s. Everything else
 * is real: `citytwin all` (ingest, spool, twin, web server) in this process on a real
 * Mosquitto, QoS 1 publisher, the console's socket.io stream. Queries (health pings, the
 * census) still reach the engine: it is the inserts that fail, as when a ClickHouse server
 * refuses writes; a server that is unreachable fails the inserts in the same place.
 *
 * A 4 MiB spool holds the first part of the outage (health `degraded`), then fills: the ingest
 * stops acknowledging and Mosquitto keeps the rest in the persistent session (health `down`,
 * "spool full"). `/api/health` and the status strip's `stats` on the socket must show a
 * non-ok storage state for the whole outage; afterwards the spool drains, stored == sent with
 * no duplicate row, and both are back to ok.
 */
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import { startCityTwin, type RunningCityTwin } from '../bin/runtime.ts';
import { queryRows, type StorageSink } from '../storage/index.ts';
import type { StatsMessage } from '../web/shared/protocol.ts';
import { consoleEnv, consoleFetch, openLiveView, type LiveView } from './support/console-client.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { pacedFlow } from './support/paced-flow.ts';

/** One Prometheus sample, by name and labels as printed. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

interface HealthReport {
  status: string;
  parts: Record<string, { status: string; detail?: string }>;
}

describe('storage unavailable for 60 s during a steady flow (fault injected at the StorageSink adapter)', () => {
  const dir = tempDir('delivery-outage');
  const PREFIX = 'do-';
  const RATE = 1_500;
  const OUTAGE_MS = 60_000;
  /** The outage starts after this many messages (2 s of flow) … */
  const OUTAGE_AFTER = 3_000;
  /** … and the flow goes on 8 s past its end: 70 s in all. */
  const TOTAL = RATE * 70;
  let mosquitto: Mosquitto | undefined;
  let app: RunningCityTwin | undefined;
  let live: LiveView | undefined;

  afterAll(async () => {
    live?.socket.close();
    await app?.close();
    await mosquitto?.stop();
    dir.remove();
  });

  it('spools, holds back, shows the outage on /api/health and the status strip while it lasts, drains, and stores everything once', async () => {
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
          ...consoleEnv,
          CITYTWIN_HTTP_PORT: '0',
          CITYTWIN_HTTP_HOST: '127.0.0.1',
          CITYTWIN_MQTT_URL: mosquitto.url,
          CITYTWIN_DATA_DIR: dir.path,
          CITYTWIN_WORKER_ID: 'delivery-outage',
          CITYTWIN_LOG_LEVEL: 'error',
          CITYTWIN_SENSORS: '50',
          CITYTWIN_BATCH_MAX_DELAY_MS: '100',
          // Holds part of the outage, so that both spooling and backpressure are exercised.
          CITYTWIN_SPOOL_MAX_BYTES: String(4 * 1024 * 1024),
        },
        { simulate: false },
      ),
      'all',
      undefined,
      { wrapSink },
    );
    const url = app.url!;
    const health = async (): Promise<HealthReport> => (await (await fetch(new URL('/api/health', url))).json()) as HealthReport;
    const metrics = async () => (await consoleFetch(url, '/metrics')).text();
    // The console's status strip: the `stats` pushed on the live stream.
    live = await openLiveView(url);
    await waitFor('the first stats on the console stream', () => live!.stats.length > 0);
    const strip = live.stats;

    const polls: Array<{ at: number; health: HealthReport; spool: number }> = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const [h, t] = await Promise.all([health(), metrics()]);
        polls.push({ at: Date.now(), health: h, spool: sample(t, 'citytwin_ingest_spool_bytes') ?? 0 });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'delivery-outage-publisher' });
    let outageStart = 0;
    let outageEnd = 0;
    const sending = pacedFlow(publisher, PREFIX, TOTAL, RATE, (sent) => {
      if (outageStart === 0 && sent >= OUTAGE_AFTER) {
        outage = true;
        outageStart = Date.now();
        setTimeout(() => {
          outage = false;
          outageEnd = Date.now();
        }, OUTAGE_MS);
      }
    });
    await sending;
    await publisher.endAsync();
    expect(outageEnd).toBeGreaterThan(0);
    const ingest = app.ingest!;
    // The batches sealed during the outage (one per 100 ms) are inserted one after another:
    // the drain takes 20–40 s on a shared 2-core machine; the bound is generous.
    await waitFor(
      'every message stored',
      () => ingest.pipeline.metrics.stored === TOTAL && ingest.writer.pendingMessages === 0,
      120_000,
      100,
    );
    const drainedAt = Date.now();
    // The strip and health come back: a stats push after the drain says storage ok.
    await waitFor(
      'the status strip to show storage ok again',
      () => strip.some((s) => s.serverTime > drainedAt && s.storage === 'ok' && s.storedTotal === TOTAL),
      10_000,
    );
    watching = false;
    await watcher;

    // While it lasts: from the first failed insert to the end of the outage, every health poll
    // and every stats push says so. (A 1 s margin at the start covers the first batch's timer.)
    const during = <T extends { at: number }>(xs: T[]) => xs.filter((x) => x.at > outageStart + 1_000 && x.at < outageEnd);
    const healthDuring = during(polls);
    const stripDuring = during(strip.map((s: StatsMessage) => ({ at: s.serverTime, s })));
    const ingestStates = new Set(healthDuring.map((p) => p.health.parts.ingest?.status));
    const stripStates = new Set(stripDuring.map((x) => x.s.storage));
    const spoolFull = healthDuring.filter((p) => /spool full/.test(p.health.parts.ingest?.detail ?? ''));
    const firstFull = spoolFull[0]?.at ?? 0;
    const maxSpool = Math.max(...polls.map((p) => p.spool));
    const maxLag = Math.max(...stripDuring.map((x) => x.s.ingestLagMs));
    const [row] = await queryRows<{ raw: string; keys: string }>(
      app.clickhouse,
      'SELECT count() AS raw, uniqExact(sensor_id, ts) AS keys FROM readings WHERE sensor_id LIKE {p:String}',
      { p: `${PREFIX}%` },
    );
    const after = await metrics();
    console.log(
      `[delivery] outage ${outageEnd - outageStart} ms at ${RATE} msg/s: ${failedInserts} failed inserts; health polls during it ${healthDuring.length} (ingest ${[...ingestStates].join('/')}), stats pushes ${stripDuring.length} (storage ${[...stripStates].join('/')}); spool full after ${firstFull ? firstFull - outageStart : '-'} ms, spool peak ${maxSpool} bytes, strip lag peak ${maxLag} ms; drained ${drainedAt - outageEnd} ms after the outage; stored ${row?.keys} keys, ${row?.raw} rows of ${TOTAL} sent`,
    );

    expect(failedInserts).toBeGreaterThan(0);
    // Health: never ok during the outage; spooling (degraded) first, then the full spool (down).
    expect(healthDuring.length).toBeGreaterThan(20);
    expect(healthDuring.filter((p) => p.health.parts.ingest?.status === 'ok' || p.health.status === 'ok')).toEqual([]);
    expect(ingestStates).toEqual(new Set(['degraded', 'down']));
    expect(spoolFull.length).toBeGreaterThan(0);
    expect(
      healthDuring.some(
        (p) => p.health.parts.ingest?.status === 'degraded' && /spooling; spool holds [1-9]\d* of/.test(p.health.parts.ingest.detail ?? ''),
      ),
    ).toBe(true);
    // The status strip: never ok during the outage either, both states seen, the lag growing.
    expect(stripDuring.length).toBeGreaterThan(20);
    expect(stripDuring.filter((x) => x.s.storage === 'ok')).toEqual([]);
    expect(stripStates).toEqual(new Set(['degraded', 'down']));
    expect(maxLag).toBeGreaterThan(30_000);
    // Spooled, then drained.
    expect(maxSpool).toBeGreaterThan(1024 * 1024);
    expect(sample(after, 'citytwin_ingest_spool_bytes')).toBe(0);
    expect(sample(after, 'citytwin_ingest_spool_backpressure')).toBe(0);
    // Stored == sent, no duplicate row.
    expect(Number(row?.keys)).toBe(TOTAL);
    expect(Number(row?.raw)).toBe(TOTAL);
    const final = await health();
    expect(final.status).toBe('ok');
    expect(final.parts.ingest?.status).toBe('ok');
  }, 240_000);
});
