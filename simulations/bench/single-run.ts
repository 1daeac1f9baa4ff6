/**
 * Bench run 1: single-reading messages (QoS 1, 5,000 sensors, the bench's publisher in its own
 * process) stored by the product's ingest — the write-ahead spool, the pipeline, the batch
 * writer into the embedded engine, wired as bin/parts/ingest.ts wires them — in the two ways it
 * is deployed, each against what the same broker delivers to an idle QoS 1 subscriber in the
 * same run (target ≥ 0.90, 0 lost):
 *
 * - a. the embedded broker (`npm start`): the ingest takes each publish before its PUBACK
 *   (`DurableIntake.take`, one spool write per event-loop turn), no TCP hop; the idle
 *   subscriber is a connection to the same broker in this process;
 * - b. an external broker (Mosquitto in its own process, `CITYTWIN_MQTT_URL`): the ingest
 *   subscribed (`MqttSource` + `DurableIntake.handle`), as `citytwin ingest` runs.
 *
 * Then where a message's CPU goes, stage by stage (packed-breakdown.ts). docs/benchmarks.md,
 * "Run 1".
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  createIngest,
  DurableIntake,
  type EmbeddedBroker,
  type IngestOptions,
  MqttSource,
  Spool,
  startEmbeddedBroker,
} from '../../ingest/index.ts';
import { ClickHouseSink, countLoadReadings, type StorageClient, truncateReadings } from '../../storage/index.ts';
import { MOSQUITTO_BIN, startMosquitto } from '../../test/support/mosquitto.ts';
import type { LoadOptions, LoadResult } from '../load-generator.ts';
import { fmt, line, RateProbe } from './bench-report.ts';
import { printBreakdown, singleBreakdown } from './packed-breakdown.ts';

/** What run 1 takes from the bench's harness (run-benchmarks.ts). */
export interface SingleRunParts {
  client: StorageClient;
  scale: number;
  publishInChild(options: LoadOptions | Record<string, unknown>): Promise<LoadResult>;
  waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean>;
}

const SENSORS = 5000;
const PREFIX = 'citytwin/v1/sensors';

/** The product's ingest on a spool of its own, as bin/parts/ingest.ts builds it. */
export function spooledIngest(client: StorageClient, dir: string, options: IngestOptions = {}) {
  const spool = Spool.open(join(dir, 'spool'), { maxBytes: 256 * 1024 * 1024 });
  const ingest = createIngest({
    sink: process.env.BENCH_NULL ? { write: async () => {} } : new ClickHouseSink(client, { distributed: false }),
    // The product's batch limits (createIngest's defaults, CITYTWIN_BATCH_MAX_ROWS) unless set here.
    ...(process.env.BENCH_ROWS ? { batchMaxRows: Number(process.env.BENCH_ROWS) } : {}),
    batchMaxDelayMs: Number(process.env.BENCH_DELAY ?? 200),
    ...options,
    onBatchSealed: (batch) => {
      batch.id = spool.seal();
    },
    onBatchStored: (batch) => spool.stored(batch.id),
  });
  const intake = new DurableIntake({ spool, pipeline: ingest.pipeline, writer: ingest.writer });
  return { ingest, spool, intake };
}

/**
 * The product's ingest taking the embedded broker's publishes before their PUBACKs, as
 * `citytwin all` does (bin/parts/ingest.ts, `takeFromBroker`). `stop()` detaches it (later
 * publishes go to subscribers only) and closes its spool; `firstAt()` is when it took its first.
 */
export function takeFromBroker(
  broker: EmbeddedBroker,
  client: StorageClient,
  dir: string,
  options: IngestOptions = {},
  onFirst?: () => void,
) {
  const { ingest, spool, intake } = spooledIngest(client, dir, options);
  let first = 0;
  broker.setIntake({
    prefix: 'citytwin/v1/',
    handle: (topic, payload, at, packetId, redelivery) => {
      if (first === 0) {
        first = performance.now();
        onFirst?.();
      }
      return intake.take(topic, payload, at, packetId, redelivery);
    },
  });
  const stop = async () => {
    // No topic starts with a NUL: nothing is taken any more.
    broker.setIntake({ prefix: '\u0000', handle: () => undefined });
    spool.close();
  };
  return { ingest, source: { stop }, firstAt: () => first };
}

/** What an idle QoS 1 subscriber of `url` receives while the publisher sends `messages`. */
async function idleRate(parts: SingleRunParts, url: string, publishUrl: string, messages: number): Promise<number> {
  const idle = await mqtt.connectAsync(url, { clientId: `citytwin-bench-idle-${process.pid}` });
  let got = 0;
  let first = 0;
  let last = 0;
  idle.on('message', () => {
    if (got === 0) first = performance.now();
    got++;
    last = performance.now();
  });
  await idle.subscribeAsync('citytwin/v1/#', { qos: 1 });
  const probe = new RateProbe(() => got);
  const run = await parts.publishInChild({
    brokerUrl: publishUrl,
    sensors: SENSORS,
    messages,
    mode: 'single',
    qos: 1,
    topicPrefix: PREFIX,
  });
  await parts.waitUntil(() => got >= run.sent, 30_000);
  probe.stop();
  await idle.endAsync();
  const rate = probe.steadyRate(run.sent);
  line(
    '  broker → idle subscriber (steady)',
    `${fmt(rate)} msg/s`,
    `(${fmt(got)} of ${fmt(run.sent)} delivered; whole run ${fmt(got / ((last - first) / 1000))} msg/s)`,
    null,
  );
  return rate;
}

/**
 * Publishes `messages` into `publishUrl` with the ingest taking them (`attach` connects it and
 * returns how to detach); prints the stored rate against `baseRate`, the loss and the inserts.
 */
async function storedRate(
  parts: SingleRunParts,
  publishUrl: string,
  messages: number,
  baseRate: number,
  ingest: ReturnType<typeof spooledIngest>['ingest'],
  detach: () => Promise<void>,
): Promise<void> {
  const m = ingest.pipeline.metrics;
  let first = 0;
  const probe = new RateProbe(() => {
    if (first === 0 && m.received > 0) first = performance.now();
    return m.stored;
  });
  const run = await parts.publishInChild({
    brokerUrl: publishUrl,
    sensors: SENSORS,
    messages,
    mode: 'single',
    qos: 1,
    topicPrefix: PREFIX,
  });
  await parts.waitUntil(() => m.received >= run.sent, 60_000);
  await ingest.writer.flush();
  const storedAt = performance.now();
  probe.stop();
  await detach();
  const rate = probe.steadyRate(run.sent);
  const inTable = await countLoadReadings(parts.client);
  const ratio = rate / baseRate;
  line(
    '  published → stored (steady)',
    `${fmt(rate)} msg/s`,
    `ratio to the idle subscriber ${fmt(ratio, 2)} (target ≥ 0.90)`,
    ratio >= 0.9,
  );
  const wholeRun = m.stored / ((storedAt - first) / 1000);
  line('  published → stored (whole run, incl. last batch)', `${fmt(wholeRun)} msg/s`, `ratio ${fmt(wholeRun / baseRate, 2)}`, null);
  line(
    '  lost (sent − rows in ClickHouse)',
    fmt(run.sent - inTable),
    `(sent ${fmt(run.sent)}, stored ${fmt(inTable)}, rejected ${fmt(m.rejected)}; target 0)`,
    run.sent === inTable,
  );
  line('  insert p95 per batch', `${fmt(m.writeP95())} ms`, `(${m.batchesWritten} batches)`, null);
  await truncateReadings(parts.client);
}

/** a. The embedded broker, the ingest taking each publish before its PUBACK. */
async function embeddedShape(parts: SingleRunParts, messages: number, dir: string): Promise<void> {
  process.stdout.write('  a. embedded broker (npm start): the ingest takes each publish before its PUBACK\n');
  const broker = await startEmbeddedBroker('127.0.0.1', 0);
  const { username, password } = broker.internalCredentials;
  const trustedUrl = broker.url.replace('mqtt://', `mqtt://${username}:${password}@`);
  try {
    const baseRate = await idleRate(parts, trustedUrl, broker.url, messages);
    const { ingest, source } = takeFromBroker(broker, parts.client, join(dir, 'a'));
    await storedRate(parts, broker.url, messages, baseRate, ingest, source.stop);
  } finally {
    await broker.close();
  }
}

/** b. Mosquitto in its own process, the ingest subscribed. */
async function externalShape(parts: SingleRunParts, messages: number, dir: string): Promise<void> {
  process.stdout.write('  b. external broker (Mosquitto, own process): the ingest subscribed, PUBACKs after the turn’s spool write\n');
  if (!existsSync(MOSQUITTO_BIN)) {
    line('  skipped', '–', `(no ${MOSQUITTO_BIN}: apt-get install mosquitto)`, null);
    return;
  }
  const mosquitto = await startMosquitto();
  try {
    const baseRate = await idleRate(parts, mosquitto.url, mosquitto.url, messages);
    const { ingest, spool, intake } = spooledIngest(parts.client, join(dir, 'b'));
    const source = new MqttSource({
      url: mosquitto.url,
      clientId: 'citytwin-bench-ingest',
      onMessage: (topic, payload, at) => ingest.pipeline.handleMessage(topic, payload, at),
      handleGrouped: (topic, payload, at, packetId) => intake.takeGrouped(topic, payload, at, packetId),
    });
    await source.start();
    await storedRate(parts, mosquitto.url, messages, baseRate, ingest, async () => {
      await source.stop();
      spool.close();
    });
  } finally {
    await mosquitto.stop();
  }
}

export async function singleRun(parts: SingleRunParts): Promise<void> {
  const messages = Math.round(150_000 * parts.scale);
  process.stdout.write(
    `\n1. single-reading messages, QoS 1, ${fmt(messages)} messages over 5,000 sensors (the product's ingest: spool, pipeline, embedded ClickHouse)\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-bench-single-'));
  try {
    await embeddedShape(parts, messages, dir);
    await externalShape(parts, messages, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printBreakdown(await singleBreakdown(parts.client, Math.min(messages, 100_000)), 'message');
  await truncateReadings(parts.client);
}
