/**
 * Bench run 1: single-reading messages (QoS 1, 5,000 sensors, the bench's publisher in its own
 * process) stored by the product's ingest — the write-ahead spool, the pipeline, the batch
 * writer into the embedded engine, wired as bin/parts/ingest.ts wires them — in the two ways it
 * is deployed, each against what the same broker delivers to an idle QoS 1 subscriber in the
 * same run (target ≥ 0.90, 0 lost):
 *
 * - a. the embedded broker (`npm start`): the ingest takes each publish before its PUBACK
 *   (`DurableIntake.take`, one spool write per event-loop turn, or per millisecond under load), no TCP hop; the idle
 *   subscriber is a connection to the same broker in this process;
 * - b. an external broker (Mosquitto in its own process, `CITYTWIN_MQTT_URL`): the ingest
 *   subscribed (`MqttSource` `handleGrouped` + `DurableIntake.takeGrouped`), as `citytwin ingest` runs.
 *
 * Each shape runs BENCH_SINGLE_ROUNDS rounds (3), each the idle subscriber then the ingest, and
 * prints every round's ratio and the median round's (a load that comes or goes moves both sides
 * of one round). Then where a message's CPU goes, stage by stage (packed-breakdown.ts).
 * docs/benchmarks.md, "Run 1".
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
    ...(process.env.BENCH_DELAY ? { batchMaxDelayMs: Number(process.env.BENCH_DELAY) } : {}),
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

/** The shapes to run (BENCH_SINGLE_SHAPES, default `a,b`). */
const SHAPES = new Set((process.env.BENCH_SINGLE_SHAPES ?? 'a,b').split(',').map((x) => x.trim()));

/** Rounds of each shape (BENCH_SINGLE_ROUNDS): the idle subscriber, then the ingest, in turn. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_SINGLE_ROUNDS ?? '3'));

/** One measurement: the steady rate (10 % → 90 %), the whole run's, what was sent. */
interface Measured {
  steady: number;
  whole: number;
  sent: number;
}

/** The bench's publisher, single readings over 5,000 sensors, into `brokerUrl`. */
function publish(parts: SingleRunParts, brokerUrl: string, messages: number): Promise<LoadResult> {
  return parts.publishInChild({ brokerUrl, sensors: SENSORS, messages, mode: 'single', qos: 1, topicPrefix: PREFIX });
}

/** What an idle QoS 1 subscriber of `url` receives while the publisher sends `messages`. */
async function idleRate(parts: SingleRunParts, url: string, publishUrl: string, messages: number): Promise<Measured> {
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
  const run = await publish(parts, publishUrl, messages);
  await parts.waitUntil(() => got >= run.sent, 30_000);
  probe.stop();
  await idle.endAsync();
  return { steady: probe.steadyRate(run.sent), whole: got / ((last - first) / 1000), sent: run.sent };
}

interface StoredMeasure extends Measured {
  inTable: number;
  rejected: number;
  insertP95: number;
  batches: number;
}

/** Publishes `messages` into `publishUrl` with `ingest` taking them; `detach` after the last is stored. */
async function storedRate(
  parts: SingleRunParts,
  publishUrl: string,
  messages: number,
  ingest: ReturnType<typeof spooledIngest>['ingest'],
  detach: () => Promise<void>,
): Promise<StoredMeasure> {
  const m = ingest.pipeline.metrics;
  let first = 0;
  const probe = new RateProbe(() => {
    if (first === 0 && m.received > 0) first = performance.now();
    return m.stored;
  });
  const run = await publish(parts, publishUrl, messages);
  await parts.waitUntil(() => m.received >= run.sent, 60_000);
  await ingest.writer.flush();
  const storedAt = performance.now();
  probe.stop();
  await detach();
  const inTable = await countLoadReadings(parts.client);
  await truncateReadings(parts.client);
  return {
    steady: probe.steadyRate(run.sent),
    whole: m.stored / ((storedAt - first) / 1000),
    sent: run.sent,
    inTable,
    rejected: m.rejected,
    insertP95: m.writeP95(),
    batches: m.batchesWritten,
  };
}

/**
 * ROUNDS rounds of one shape, each the idle subscriber then the ingest (a load that comes or
 * goes moves both sides of a round's ratio); prints every round and the median round's ratio.
 */
async function rounds(label: string, idle: () => Promise<Measured>, stored: (round: number) => Promise<StoredMeasure>): Promise<void> {
  const done: Array<{ idle: Measured; stored: StoredMeasure; ratio: number }> = [];
  const cpuUs = (c: NodeJS.CpuUsage) => c.user + c.system;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    const i = await idle();
    const c1 = process.cpuUsage();
    const s = await stored(r);
    const c2 = process.cpuUsage();
    const ratio = s.steady / i.steady;
    const cpu = `this process's CPU per message: idle ${fmt((cpuUs(c1) - cpuUs(c0)) / i.sent, 1)} µs, ingest ${fmt((cpuUs(c2) - cpuUs(c1)) / s.sent, 1)} µs`;
    done.push({ idle: i, stored: s, ratio });
    process.stdout.write(
      `    round ${r + 1}: idle subscriber ${fmt(i.steady)} msg/s, stored ${fmt(s.steady)} msg/s (steady; whole run ${fmt(s.whole)}), ratio ${fmt(ratio, 2)}; ${fmt(s.inTable)} of ${fmt(s.sent)} in the table, insert p95 ${fmt(s.insertP95)} ms over ${s.batches} batches; ${cpu}; load ${fmt(loadavg()[0]!, 1)}\n`,
    );
  }
  const mid = [...done].sort((x, y) => x.ratio - y.ratio)[Math.floor(done.length / 2)]!;
  line(
    `  ${label}: stored ÷ idle subscriber, median round`,
    fmt(mid.ratio, 2),
    `(rounds ${done.map((d) => fmt(d.ratio, 2)).join(', ')}; target ≥ 0.90)`,
    mid.ratio >= 0.9,
  );
  const sent = done.reduce((n, d) => n + d.stored.sent, 0);
  const inTable = done.reduce((n, d) => n + d.stored.inTable, 0);
  const rejected = done.reduce((n, d) => n + d.stored.rejected, 0);
  line(
    `  ${label}: lost (sent − rows in ClickHouse), every round`,
    fmt(sent - inTable),
    `(sent ${fmt(sent)}, stored ${fmt(inTable)}, rejected ${fmt(rejected)}; target 0)`,
    sent === inTable,
  );
}

/** a. The embedded broker, the ingest taking each publish before its PUBACK. */
async function embeddedShape(parts: SingleRunParts, messages: number, dir: string): Promise<void> {
  process.stdout.write('  a. embedded broker (npm start): the ingest takes each publish before its PUBACK\n');
  const broker = await startEmbeddedBroker('127.0.0.1', 0);
  const { username, password } = broker.internalCredentials;
  const trustedUrl = broker.url.replace('mqtt://', `mqtt://${username}:${password}@`);
  try {
    await rounds(
      'a',
      () => idleRate(parts, trustedUrl, broker.url, messages),
      (r) => {
        const { ingest, source } = takeFromBroker(broker, parts.client, join(dir, `a-${r}`));
        return storedRate(parts, broker.url, messages, ingest, source.stop);
      },
    );
  } finally {
    await broker.close();
  }
}

/** b. Mosquitto in its own process, the ingest subscribed. */
async function externalShape(parts: SingleRunParts, messages: number, dir: string): Promise<void> {
  process.stdout.write('  b. external broker (Mosquitto, own process): the ingest subscribed, PUBACKs after their group’s spool write\n');
  if (!existsSync(MOSQUITTO_BIN)) {
    line('  skipped', '–', `(no ${MOSQUITTO_BIN}: apt-get install mosquitto)`, null);
    return;
  }
  const mosquitto = await startMosquitto();
  try {
    await rounds(
      'b',
      () => idleRate(parts, mosquitto.url, mosquitto.url, messages),
      async (r) => {
        const { ingest, spool, intake } = spooledIngest(parts.client, join(dir, `b-${r}`));
        const source = new MqttSource({
          url: mosquitto.url,
          clientId: 'citytwin-bench-ingest',
          onMessage: (topic, payload, at) => ingest.pipeline.handleMessage(topic, payload, at),
          handleGrouped: (topic, payload, at, packetId) => intake.takeGrouped(topic, payload, at, packetId),
        });
        await source.start();
        return storedRate(parts, mosquitto.url, messages, ingest, async () => {
          await source.stop();
          spool.close();
        });
      },
    );
  } finally {
    await mosquitto.stop();
  }
}

export async function singleRun(parts: SingleRunParts): Promise<void> {
  // 600,000: with batches sealed by the product's 1 s time limit, 150,000 (≈ 2 s) gave the
  // steady window (10 % → 90 % stored) one or two batches to measure.
  const messages = Math.round(600_000 * parts.scale);
  process.stdout.write(
    `\n1. single-reading messages, QoS 1, ${fmt(messages)} messages over 5,000 sensors (the product's ingest: spool, pipeline, embedded ClickHouse); ${ROUNDS} rounds a shape, each the idle subscriber then the ingest\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-bench-single-'));
  try {
    if (SHAPES.has('a')) await embeddedShape(parts, messages, dir);
    if (SHAPES.has('b')) await externalShape(parts, messages, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printBreakdown(await singleBreakdown(parts.client, Math.min(messages, 100_000)), 'message');
  await truncateReadings(parts.client);
}
