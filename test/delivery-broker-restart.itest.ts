/**
 * Delivery guarantees of the ingest (docs/ingest.md, "Delivery"), part 3: the broker restarts
 * during a steady flow.
 *
 * All real: a Mosquitto started here with persistence on, a `citytwin ingest` process (its
 * own embedded ClickHouse, a persistent MQTT session through CITYTWIN_WORKER_ID) and a paced
 * QoS 1 publisher with a session of its own that reconnects. Mid-flow Mosquitto gets SIGTERM
 * (it writes its persistence file: sessions, the ingest's subscription, queued and in-flight
 * messages), stays down for a few seconds and is started again on the same port with the same
 * file. The publisher keeps publishing meanwhile (mqtt.js holds QoS 1 messages until it is
 * connected again); the ingest reconnects and resumes its session.
 *
 * Checked: `/api/health` of the worker reports the broker down (503) for as long as it is
 * down, and ok afterwards; every reading sent is stored; no reading is stored twice except a
 * publisher's own retransmission after the connection died (counted here on the publisher's
 * socket: the only source of a second copy, which ReplacingMergeTree collapses, see "Limits
 * of the guarantee"). The store is read once the worker has exited (one process per data dir).
 */
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouse, queryRows } from '../storage/index.ts';
import { startCityTwinProcess, type CityTwinProcess } from './support/citytwin-process.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { pacedFlow } from './support/paced-flow.ts';

/** One Prometheus sample, by name and labels as printed. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

interface HealthPoll {
  at: number;
  code: number;
  broker: string;
  status: string;
}

describe('Mosquitto restart (persistence on) during a steady flow', () => {
  const dir = tempDir('delivery-broker');
  const PREFIX = 'dbr-';
  const RATE = 2_000;
  const TOTAL = RATE * 30;
  const DOWN_MS = 5_000;
  let mosquitto: Mosquitto | undefined;
  let worker: CityTwinProcess | undefined;
  let publisher: mqtt.MqttClient | undefined;

  afterAll(async () => {
    publisher?.end(true);
    await worker?.stop();
    await mosquitto?.stop();
    dir.remove();
  });

  it('reconnects, resumes the sessions, reports the outage on /api/health, and stores every reading once', async () => {
    mosquitto = await startMosquitto({ persistence: true });
    const port = await freePort();
    worker = await startCityTwinProcess('ingest', {
      CITYTWIN_MQTT_URL: mosquitto.url,
      CITYTWIN_WORKER_ID: 'broker-restart-ingest',
      CITYTWIN_HTTP_PORT: String(port),
      CITYTWIN_HTTP_HOST: '127.0.0.1',
      CITYTWIN_DATA_DIR: dir.path,
      CITYTWIN_LOG_LEVEL: 'info',
      CITYTWIN_BATCH_MAX_DELAY_MS: '100',
    });
    const workerUrl = worker.url;
    const metrics = async () => (await fetch(new URL('/metrics', workerUrl))).text();

    // A gateway-like publisher: its own persistent session, reconnecting every 500 ms.
    publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'broker-restart-publisher', clean: false, reconnectPeriod: 500 });
    let publishPackets = 0;
    /** Connections after the first (connectAsync has resolved on the first). */
    let publisherReconnects = 0;
    publisher.on('packetsend', (p) => {
      if (p.cmd === 'publish') publishPackets++;
    });
    publisher.on('connect', () => publisherReconnects++);
    publisher.on('error', () => {
      /* reconnects by itself */
    });

    const polls: HealthPoll[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        try {
          const res = await fetch(new URL('/api/health', workerUrl));
          const h = (await res.json()) as { status: string; parts: Record<string, { status: string }> };
          polls.push({ at: Date.now(), code: res.status, broker: h.parts.broker?.status ?? '?', status: h.status });
        } catch (err) {
          // The worker is always up here; a failed poll is recorded as such and fails the checks below.
          polls.push({ at: Date.now(), code: 0, broker: `unreachable: ${(err as Error).message}`, status: '?' });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    let brokerCycle: Promise<void> | null = null;
    let haltedAt = 0;
    let restartedAt = 0;
    let stoppedAfter = 0;
    await pacedFlow(publisher, PREFIX, TOTAL, RATE, (sent) => {
      if (brokerCycle === null && sent >= TOTAL / 3) {
        stoppedAfter = sent;
        brokerCycle = (async () => {
          await mosquitto!.halt();
          haltedAt = Date.now();
          await new Promise((r) => setTimeout(r, DOWN_MS));
          await mosquitto!.restart();
          restartedAt = Date.now();
        })();
      }
    });
    // Every publish acknowledged, by the restarted broker for those it did not have.
    await brokerCycle;
    expect(restartedAt).toBeGreaterThan(haltedAt);

    let last = -1;
    let pendingNow = -1;
    let quietSince = Date.now();
    const drained = waitFor(
      'the worker to store what the broker kept and the publisher resent',
      async () => {
        const t = await metrics();
        const received = sample(t, 'citytwin_ingest_messages_total{outcome="received"}') ?? 0;
        const pending = sample(t, 'citytwin_ingest_pending_messages') ?? 1;
        pendingNow = pending;
        if (received !== last) {
          last = received;
          quietSince = Date.now();
        }
        return received >= TOTAL && pending === 0 && Date.now() - quietSince > 2000;
      },
      60_000,
      250,
    );
    const ok = await drained.then(
      () => true,
      () => false,
    );
    watching = false;
    await watcher;
    if (!ok)
      console.log(
        `[delivery] not drained: received ${last}, pending ${pendingNow}, publisher sent ${publishPackets} publish packets; worker log:\n${worker.output().slice(-3000)}`,
      );
    expect(ok).toBe(true);
    const metricsText = await metrics();
    await publisher.endAsync();
    expect(await worker.stop()).toBe(0);

    const store = createClickHouse({ url: null, dataDir: dir.path });
    const [row] = await queryRows<{ raw: string; keys: string; final: string; span: string; misplaced: string; letters: string }>(
      store,
      `SELECT count() AS raw, uniqExact(sensor_id, ts) AS keys,
              (SELECT count() FROM readings FINAL WHERE sensor_id LIKE {p:String}) AS final,
              max(toUnixTimestamp64Milli(ts)) - min(toUnixTimestamp64Milli(ts)) AS span,
              countIf(sensor_id != concat({prefix:String}, toString((toUnixTimestamp64Milli(ts) - (SELECT min(toUnixTimestamp64Milli(ts)) FROM readings WHERE sensor_id LIKE {p:String})) % 500))) AS misplaced,
              (SELECT count() FROM dead_letters) AS letters
       FROM readings WHERE sensor_id LIKE {p:String}`,
      { p: `${PREFIX}%`, prefix: PREFIX },
    );
    await store.close();
    const c = {
      raw: Number(row?.raw),
      keys: Number(row?.keys),
      final: Number(row?.final),
      span: Number(row?.span),
      misplaced: Number(row?.misplaced),
      letters: Number(row?.letters),
    };
    const resent = publishPackets - TOTAL;
    const down = polls.filter((p) => p.at > haltedAt + 1_500 && p.at < restartedAt);
    const afterwards = polls.filter((p) => p.at > restartedAt + 3_000);
    console.log(
      `[delivery] broker stopped after ${stoppedAfter} of ${TOTAL} sent, down ${restartedAt - haltedAt} ms; publisher reconnected ${publisherReconnects}× and retransmitted ${resent} publishes; worker received ${last}, redeliveries dropped ${sample(metricsText, 'citytwin_ingest_redeliveries_dropped_total')}; health polls while down ${down.length} (${[...new Set(down.map((p) => `${p.code} broker ${p.broker}`))].join(', ')}); stored ${c.keys} keys, ${c.raw} rows, ${c.final} after FINAL`,
    );
    expect(worker.output()).toMatch(/subscribed to/);
    expect(publisherReconnects).toBeGreaterThanOrEqual(1);
    // The outage on /api/health while it lasts (503, broker down), ok once it is back.
    expect(down.length).toBeGreaterThan(3);
    expect(down.filter((p) => p.broker !== 'down' || p.code !== 503 || p.status !== 'down')).toEqual([]);
    expect(afterwards.length).toBeGreaterThan(0);
    expect(afterwards.filter((p) => p.broker !== 'ok')).toEqual([]);
    // Every reading sent is stored: exactly the TOTAL keys of the flow, each on its sensor.
    expect(c.keys).toBe(TOTAL);
    expect(c.final).toBe(TOTAL);
    expect(c.span).toBe(TOTAL - 1);
    expect(c.misplaced).toBe(0);
    expect(c.letters).toBe(0);
    // No duplicate row beyond what the publisher itself sent twice.
    expect(resent).toBeGreaterThanOrEqual(0);
    expect(c.raw - c.keys).toBeLessThanOrEqual(resent);
  }, 150_000);
});
