/**
 * MQTT → ingest → embedded ClickHouse, on the embedded aedes broker: good messages are
 * stored, every kind of bad input is dead-lettered with its reason, and
 * received = stored + rejected.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingRow, readingRowsOf } from '../storage/storage-batch.ts';
import { createIngest, MqttSource, startEmbeddedBroker, type EmbeddedBroker, type Ingest } from '../ingest/index.ts';
import { createClickHouse, MIGRATIONS, queryRows, runMigrations } from '../storage/index.ts';
import { tempDir, waitFor } from './support/fixtures.ts';

const dir = tempDir('ingest');
const client = createClickHouse({ url: null, dataDir: dir.path });
let broker: EmbeddedBroker;
let ingest: Ingest;
let source: MqttSource;
let publisher: mqtt.MqttClient;

/** What the first run of the migrations applied on the fresh store. */
let firstRun: number[];

beforeAll(async () => {
  firstRun = await runMigrations(client);
  broker = await startEmbeddedBroker('127.0.0.1', 0);
  ingest = createIngest({ client, batchMaxRows: 500, batchMaxDelayMs: 50 });
  source = new MqttSource({ url: broker.url, clientId: 'ingest-test', onMessage: (t, p, at) => ingest.pipeline.handleMessage(t, p, at) });
  await source.start();
  publisher = await mqtt.connectAsync(broker.url, { clientId: 'pub-test' });
});

afterAll(async () => {
  await publisher?.endAsync();
  await source?.stop();
  await ingest?.writer.close(10_000);
  await broker?.close();
  await client.close();
  dir.remove();
});

describe('ingest on embedded parts', () => {
  it('applies every migration once on a fresh store, in version order, and none again', async () => {
    // Versions are numbered by the work that adds them, so the list is not in version order.
    expect(firstRun).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect(await runMigrations(client)).toEqual([]);
  });

  it('stores native and SenML readings, meta, events and positions; dead-letters bad input', async () => {
    const now = Date.now();
    const good: Array<[string, string | Buffer]> = [
      [
        'citytwin/v1/sensors/wl-1/meta',
        JSON.stringify({ kind: 'water_level', lng: 114.3, lat: 30.55, source: 'swj', classification: 'public' }),
      ],
      ['citytwin/v1/sensors/wl-1/data', JSON.stringify({ ts: now, values: { water_level_cm: 12.5 } })],
      [
        'citytwin/v1/sensors/wl-1/data',
        JSON.stringify([
          { bn: 'wl-1:', bt: now / 1000 - 60, n: 'water_level_cm', u: 'cm', v: 10 },
          { n: 'water_level_cm', t: 30, v: 11 },
        ]),
      ],
      ['citytwin/v1/metrics/hall-1/data', JSON.stringify({ ts: now, values: { queue_length: 7, online_applications: 3 } })],
      [
        'citytwin/v1/events/hotline',
        JSON.stringify({ id: 'c1', ts: now, type: 'citizen_report', lng: 114.3, lat: 30.5, category: 'waterlogging' }),
      ],
      ['citytwin/v1/units/pump-1/position', JSON.stringify({ ts: now, lng: 114.3, lat: 30.5, speed: 30 })],
    ];
    const bad: Array<[string, string | Buffer, string]> = [
      ['citytwin/v1/sensors/wl-1/data', '{"ts":', 'invalid_json'],
      ['citytwin/v1/sensors/wl-1/data', JSON.stringify({ ts: now, values: { water_level_cm: 'NaN' } }), 'non_finite'],
      ['citytwin/v1/sensors/wl-1/data', Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'invalid_utf8'],
      ['citytwin/v1/sensors/wl-1/data', JSON.stringify({ values: { water_level_cm: 1 } }), 'bad_time'],
      ['citytwin/v1/sensors/bad$id/data', JSON.stringify({ ts: now, values: { water_level_cm: 1 } }), 'bad_id'],
      ['citytwin/v1/whatever/x', '{}', 'unknown_topic'],
      ['citytwin/v1/sensors/wl-1/data', 'x'.repeat(300 * 1024), 'too_large'],
    ];
    for (const [t, p] of good) await publisher.publishAsync(t, p, { qos: 1 });
    for (const [t, p] of bad) await publisher.publishAsync(t, p, { qos: 1 });
    const total = good.length + bad.length;
    const m = ingest.pipeline.metrics;
    await waitFor('all messages stored or rejected', () => m.stored + m.rejected === total && ingest.writer.pendingMessages === 0);
    expect(m.received).toBe(total);
    expect(m.rejected).toBe(bad.length);
    await ingest.writer.flush();
    const readings = await queryRows<{ sensor_id: string; metric: string; value: number }>(
      client,
      'SELECT sensor_id, metric, value FROM readings FINAL ORDER BY sensor_id, metric, ts',
    );
    expect(readings).toEqual([
      { sensor_id: 'hall-1', metric: 'online_applications', value: 3 },
      { sensor_id: 'hall-1', metric: 'queue_length', value: 7 },
      { sensor_id: 'wl-1', metric: 'water_level_cm', value: 10 },
      { sensor_id: 'wl-1', metric: 'water_level_cm', value: 11 },
      { sensor_id: 'wl-1', metric: 'water_level_cm', value: 12.5 },
    ]);
    const letters = await queryRows<{ reason: string; payload_encoding: string; payload_bytes: number; plen: number }>(
      client,
      'SELECT reason, payload_encoding, payload_bytes, length(payload) AS plen FROM dead_letters ORDER BY received_at, reason',
    );
    expect(letters.map((l) => l.reason).sort()).toEqual(bad.map((b) => b[2]).sort());
    expect(letters.find((l) => l.reason === 'invalid_utf8')?.payload_encoding).toBe('base64');
    const big = letters.find((l) => l.reason === 'too_large');
    expect(big?.payload_bytes).toBe(300 * 1024);
    expect(big?.plen).toBe(4096);
    const [counts] = await queryRows<{ s: string; e: string; p: string; r1m: string; latest: string }>(
      client,
      `SELECT (SELECT count() FROM sensors FINAL) AS s, (SELECT count() FROM events) AS e, (SELECT count() FROM unit_positions) AS p,
              (SELECT sum(n) FROM readings_1m) AS r1m, (SELECT count() FROM (SELECT sensor_id, metric FROM readings_1m GROUP BY sensor_id, metric)) AS latest`,
    );
    // The embedded engine returns 64-bit integers as JSON numbers, a server as strings.
    expect(Object.fromEntries(Object.entries(counts!).map(([k, v]) => [k, Number(v)]))).toEqual({ s: 1, e: 1, p: 1, r1m: 5, latest: 3 });
  });

  it('does not store a retried batch twice', async () => {
    const now = Date.now();
    const batch = {
      id: 'retry-test-1',
      readings: readingRowsOf([readingRow('sensor', 'dup-1', 'pm25', now, 5, now)]),
      texts: [],
      sensors: [],
      deadLetters: [],
      events: [],
      positions: [],
      capWarnings: [],
      messages: 1,
      rejectedMessages: 0,
      oldestReceivedAt: now,
      rows: 1,
      acceptedBySource: new Map([['unknown', 1]]),
    };
    const { ClickHouseSink } = await import('../storage/index.ts');
    const sink = new ClickHouseSink(client);
    await sink.write(batch);
    await sink.write(batch);
    const [row] = await queryRows<{ c: string; n: string }>(
      client,
      "SELECT count() AS c, (SELECT sum(n) FROM readings_1m WHERE sensor_id = 'dup-1') AS n FROM readings WHERE sensor_id = 'dup-1'",
    );
    expect({ c: Number(row?.c), n: Number(row?.n) }).toEqual({ c: 1, n: 1 });
  });
});
