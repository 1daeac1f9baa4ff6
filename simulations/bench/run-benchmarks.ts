/**
 * `npm run bench`: throughput and latency of the live path on embedded parts, printing each
 * figure with its target and ratio. Publishers run in their own processes; the broker, the
 * ingest and the embedded ClickHouse run in this one, as in `npm start`.
 *
 *   1. single-reading messages stored by the product's ingest, with the embedded broker and with
 *      Mosquitto, each against the rate the same broker delivers to a subscriber that does
 *      nothing (target ≥ 0.9), 0 lost (single-run.ts);
 *   2. packed messages: readings/s stored end to end (target ≥ 250,000), 0 lost, and the ratio
 *      to a raw insert of the same rows into the same engine, table and views, in the ingest's
 *      batches with its settings (target ≥ 0.80; and, as before, in 100k batches: raw-insert.ts),
 *      in BENCH_PACKED_ROUNDS rounds (3), each end to end then raw, the median round printed,
 *      then where a pack's time goes stage by stage (packed-breakdown.ts);
 *   3. publish → socket.io client p99 at 5,000 msg/s (target ≤ 250 ms), the whole product
 *      (`citytwin all`) in a child process;
 *   4. throughput with 1, 2 and 4 `citytwin ingest` worker processes on a shared
 *      subscription of a Mosquitto started here (docs/capacity.md).
 *
 *   6. dispatch: one road tree over the whole city (µs), a recommendation over 500 units
 *      p50/p95/p99 (target p95 ≤ 50 ms), and how often its top unit for the primary capability
 *      is the fastest found by routing every unit separately (target ≥ 95 %) (dispatch-bench.ts);
 *   7. soak: `citytwin all` under a steady 20,000 msg/s for BENCH_SOAK_MIN minutes (soak.ts).
 *   8. KPI screen: every KPI query p95 over 100M stored readings (× BENCH_SCALE), and the insert time (kpi-bench.ts).
 *  10. scale: 1,000,000 registered sensors (BENCH_SCALE_SENSORS): start-up and memory, viewport
 *      aggregate p50/p95/p99 (target p95 ≤ 300 ms), viewport → cells/points on the socket, and
 *      Chromium's time to first cells (scale-bench.ts, docs/scale.md).
 *  11. `citytwin all` as one process taking single-reading QoS 1 messages from a publisher
 *      process: received and stored rates (all-in-one-throughput.ts); then one publisher with
 *      2,000 in flight into a bare aedes process with an idle subscriber and into `citytwin all`:
 *      both rates and the ratio (target ≥ 0.90, 0 lost).
 *  12. loading the console in headless Chromium at 1920×1080: bytes over the wire with the
 *      identity, gzip and brotli, and sign-in to the first sensors drawn (console-load-bench.ts).
 *  13. starting on a city package: the default Wuhan as a package against the generated city in
 *      memory (target within ±10 %), and a package of 100,000 road segments and 100,000 sensors:
 *      time to healthy (target ≤ 60 s) and resident memory (city-start-bench.ts).
 *
 *  14. notification fan-out: 1,000 incidents at 100/s, each to 50 subscriptions, on webhooks
 *      on loopback (a receiver process checking every signature) — every subscription on its
 *      own webhook, then 10 per webhook: p95 from the incident opened to the message received
 *      (target ≤ 2 s), one request per message (the default) and batched (the channels' opt-in),
 *      beside the ceiling of the HTTP client alone at that moment (notify-bench.ts).
 *  15. a million live sensors (× BENCH_SCALE) in `citytwin all`, each reporting once a minute in
 *      gateway packs for 10 minutes (× BENCH_SCALE): 0 lost, event-loop delay p99 (target ≤ 50 ms),
 *      socket viewport cells/points p95 (≤ 100/150 ms), live deltas zoomed in, memory per sensor
 *      (live-million-bench.ts).
 *  16. the console with 100,000 live sensors at 1 Hz (SenML packs from a gateway fleet) in
 *      headless Chromium at 1920×1080: its frame rate against a bare deck.gl page drawing the
 *      same points from the same stream, in the same run (target ≥ 0.8×; console-fps-bench.ts;
 *      BENCH_FPS_SENSORS, BENCH_FPS_SECONDS).
 *
 * Options: BENCH_SCALE (default 1) multiplies message counts; BENCH_ONLY=1,2,…,16 picks runs;
 * BENCH_CONSOLE_RUNS (default 5) sign-ins of each kind in run 12;
 * BENCH_WORKERS=1,2,4 picks the worker counts of run 4.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { createIngest, MqttSource, percentile, startEmbeddedBroker, type IngestOptions } from '../../ingest/index.ts';
import { createClickHouse, dropReadingsRollup, runMigrations } from '../../storage/index.ts';
import type { DeltaMessage, SnapshotMessage } from '../../web/shared/protocol.ts';
import { decodeDelta } from '../../web/shared/delta-codec.ts';
import type { LoadOptions, LoadResult } from '../load-generator.ts';
import { measureAlarmStorm } from './alarm-storm.ts';
import { measureFusion } from './fusion-throughput.ts';
import { generateCity } from '../../twin-model/city/index.ts';
import { DEFAULT_INCIDENT_RULES } from '../../twin-model/index.ts';
import { SCENARIO_NAMES } from '../scenarios/scenario-types.ts';
import { EVALUATION_SPEED_TARGET, evaluationSpeed, timedRun, type RunTiming } from '../evaluation/evaluation-speed.ts';
import { measureDispatch } from './dispatch-bench.ts';
import { measureRestrictionsStorm } from './restrictions-bench.ts';
import { soakRun } from './soak.ts';
import { measureKpi } from './kpi-bench.ts';
import { scaleRun } from './scale-bench.ts';
import { allInOneThroughput, bareBrokerBaseline } from './all-in-one-throughput.ts';
import { singleRun, takeFromBroker } from './single-run.ts';
import { packedRun } from './packed-run.ts';
import { liveMillionRun } from './live-million-bench.ts';
import { startAllInOne } from './all-in-one-app.ts';
import { cityStartRun } from './city-start-bench.ts';
import { fmt, line, RateProbe } from './bench-report.ts';
import { consoleLoadRun, notifyRun, replayRun } from './later-runs.ts';
// The tests' launchers: a Mosquitto with the settings of docs/deployment.md, and `citytwin <role>` as a process.
import { startCityTwinProcess } from '../../test/support/citytwin-process.ts';
import { startMosquitto } from '../../test/support/mosquitto.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const ONLY = new Set((process.env.BENCH_ONLY ?? '1,2,3,4,5,6,7,8,10,11,12,13,14,15,16').split(',').map((s) => s.trim()));
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const PUBLISHER = join(import.meta.dirname, 'publisher-process.ts');

async function publishInChild(options: LoadOptions | Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [PUBLISHER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult) : reject(new Error(`publisher exited with ${code}`)),
    );
  });
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** An ingest subscribed to the broker; `firstAt()` is when its first message arrived. */
async function startIngest(url: string, clientId: string, options: IngestOptions, onFirst?: () => void) {
  const ingest = createIngest(options);
  let first = 0;
  const source = new MqttSource({
    url,
    clientId,
    onMessage: (t, p, at) => {
      if (first === 0) {
        first = performance.now();
        onFirst?.();
      }
      ingest.pipeline.handleMessage(t, p, at);
    },
  });
  await source.start();
  return { ingest, source, firstAt: () => first };
}

/** Runs 1 and 2 share one broker and engine in this process. */
async function throughputRuns(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-bench-'));
  const client = createClickHouse({ url: null, dataDir: dir });
  await runMigrations(client);
  if (process.env.BENCH_NO_MV) await dropReadingsRollup(client);
  const broker = await startEmbeddedBroker('127.0.0.1', 0);
  // The bench's subscribers stand in for the product's ingest: they log in as in-process parts,
  // so the broker waits for them (backpressure) instead of bounding what they have not read.
  const { username, password } = broker.internalCredentials;
  const trustedUrl = broker.url.replace('mqtt://', `mqtt://${username}:${password}@`);
  try {
    if (ONLY.has('1')) await singleRun({ client, scale: SCALE, publishInChild, waitUntil });

    // Run 2 as `npm start` takes packs: inside the embedded broker, spooled before each PUBACK;
    // BENCH_PACKED_SUBSCRIBED=1, the ablation: the ingest subscribed over TCP, no spool.
    const intakeRound = process.env.BENCH_PACKED_SUBSCRIBED
      ? startIngest
      : async (_url: string, clientId: string, options: IngestOptions, onFirst?: () => void) =>
          takeFromBroker(broker, client, join(dir, clientId), options, onFirst);
    if (ONLY.has('2'))
      await packedRun({ client, brokerUrl: broker.url, trustedUrl, scale: SCALE, startIngest: intakeRound, publishInChild, waitUntil });
  } finally {
    await broker.close();
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run 11b: the shape one integrator's process has: one publisher (MQTT.js, QoS 1, 2,000 in flight,
 * 5,000 sensors, single JSON readings) into `citytwin all`, against the same publisher into a
 * bare aedes in its own process with an idle QoS 1 subscriber, one after the other.
 */
async function oneIntegratorRun(messages: number): Promise<void> {
  const inFlight = 2000;
  // Rounds (BENCH_11B_ROUNDS, 3), each the bare broker then citytwin all: a load that comes or
  // goes moves both sides of one round's ratio; the median round is the figure.
  const rounds = Math.max(1, Number(process.env.BENCH_11B_ROUNDS ?? '3'));
  process.stdout.write(
    `  one publisher process, ${fmt(inFlight)} in flight, 5,000 sensors: bare aedes + idle subscriber, then citytwin all; ${rounds} rounds\n`,
  );
  const done: Array<{ ratio: number; stored: number }> = [];
  for (let r = 0; r < rounds; r++) {
    const bare = await bareBrokerBaseline(messages, inFlight);
    const all = await allInOneThroughput(messages, process.cwd(), inFlight);
    const ratio = all.storedRate / bare.deliveredRate;
    done.push({ ratio, stored: all.stored });
    process.stdout.write(
      `    round ${r + 1}: bare aedes (own process) → idle QoS 1 subscriber ${fmt(bare.deliveredRate)} msg/s (publisher ${fmt(bare.publisherRate)}); citytwin all stored ${fmt(all.storedRate)} msg/s (publisher ${fmt(all.publisherRate)}, ${fmt(all.messagesPerSpoolWrite, 1)} messages per spool write), ${fmt(all.stored)} of ${fmt(messages)}; ratio ${fmt(ratio, 2)}\n`,
    );
  }
  const mid = [...done].sort((x, y) => x.ratio - y.ratio)[Math.floor(done.length / 2)]!;
  const allStored = done.every((d) => d.stored === messages);
  line(
    '  citytwin all ÷ bare broker, median round',
    fmt(mid.ratio, 2),
    `(rounds ${done.map((d) => fmt(d.ratio, 2)).join(', ')}; target ≥ 0.90; every message stored in every round: ${allStored ? 'yes' : 'NO'})`,
    mid.ratio >= 0.9 && allStored,
  );
}

/** Password of the benchmark's throwaway admin account (its data directory is deleted afterwards). */
const BENCH_ADMIN_PASSWORD = 'bench-admin-password';

/** Run 3: the whole product in a child process, a publisher child, a console client here. */
async function latencyRun(): Promise<void> {
  const rate = 5000;
  const seconds = Math.max(5, Math.round(20 * SCALE));
  process.stdout.write(`\n3. publish → socket.io client latency at ${fmt(rate)} msg/s for ${seconds} s (citytwin all, simulator off)\n`);
  const { url, brokerUrl, stop } = await startAllInOne({ tag: 'lat', adminPassword: BENCH_ADMIN_PASSWORD, startTimeoutMs: 60_000 });
  try {
    // The stream needs a signed-in client (docs/security.md).
    const loginRes = await fetch(new URL('/api/auth/login', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: BENCH_ADMIN_PASSWORD }),
    });
    const { token } = (await loginRes.json()) as { token: string };
    const socket = connectSocket(url, { transports: ['websocket'], auth: { token } });
    const ids: string[] = [];
    const latencies: number[] = [];
    let start = Number.POSITIVE_INFINITY;
    socket.on('connect', () => socket.emit('resume', { epoch: null, lastSeq: null }));
    socket.on('snapshot', (s: SnapshotMessage) => {
      for (const x of s.sensors) ids[x.i] = x.id;
    });
    socket.on('delta', (d: DeltaMessage) => {
      const at = Date.now();
      for (const x of d.added) ids[x.i] = x.id;
      const { index, ts } = decodeDelta(d);
      index.forEach((i, k) => {
        const t = ts[k]!;
        if (t >= start && ids[i]?.startsWith('load-')) latencies.push(at - t);
      });
    });
    await waitUntil(() => socket.connected, 10_000);
    start = Date.now();
    const run = (await publishInChild({ latency: true, brokerUrl, sensors: 10_000, ratePerSec: rate, seconds })) as unknown as {
      sent: number;
      elapsedMs: number;
    };
    await new Promise((r) => setTimeout(r, 1000));
    socket.close();
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    line('messages published', fmt(run.sent), `(${fmt(run.sent / (run.elapsedMs / 1000))} msg/s achieved)`, null);
    line('readings seen by the client', fmt(latencies.length), '(a sensor updated twice within one 100 ms delta counts once)', null);
    line('publish → client p50', `${fmt(p50)} ms`, '', null);
    line('publish → client p99', `${fmt(p99)} ms`, '(target ≤ 250 ms)', p99 <= 250);
  } finally {
    await stop();
  }
}

/** Sum of one counter over several workers' /metrics. */
async function scrapeSum(urls: readonly string[], series: string): Promise<number> {
  const texts = await Promise.all(urls.map(async (u) => (await fetch(new URL('/metrics', u))).text()));
  let sum = 0;
  for (const t of texts) {
    const line = t.split('\n').find((l) => l.startsWith(`${series} `));
    sum += line ? Number(line.slice(series.length + 1)) : 0;
  }
  return sum;
}

/**
 * Run 4: `citytwin ingest` workers as separate processes on one Mosquitto with a shared
 * subscription, each with its own embedded ClickHouse (there is no ClickHouse server here),
 * the publisher in its own process too. Stored counts come from the workers' /metrics.
 *
 * Each worker count gets a broker of its own. The workers keep persistent sessions (they have a
 * worker id), and Mosquitto goes on handing a stopped member's share of a shared subscription to
 * its session until the session expires: on one broker, the stopped workers of the previous
 * count would hold a share of every later count's messages (docs/ingest.md, "Retiring a worker").
 */
async function workersRun(): Promise<void> {
  const counts = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map((s) => Number(s.trim()));
  const single = Math.round(100_000 * SCALE);
  const packed = Math.round(5_000 * SCALE);
  process.stdout.write(
    `\n4. ingest workers on a Mosquitto shared subscription, QoS 1: ${fmt(single)} single-reading messages, then ${fmt(packed)} packed messages of 100 readings\n`,
  );
  for (const n of counts) {
    const mosquitto = await startMosquitto();
    try {
      const dirs = Array.from({ length: n }, () => mkdtempSync(join(tmpdir(), 'citytwin-bench-w-')));
      const workers = await Promise.all(
        dirs.map((dir, k) =>
          startCityTwinProcess('ingest', {
            CITYTWIN_MQTT_URL: mosquitto.url,
            CITYTWIN_MQTT_SHARE_GROUP: 'bench',
            CITYTWIN_WORKER_ID: `bench-${n}-${k}`,
            CITYTWIN_HTTP_PORT: '0',
            CITYTWIN_DATA_DIR: dir,
            CITYTWIN_LOG_LEVEL: 'warn',
          }),
        ),
      );
      const urls = workers.map((w) => w.url);
      try {
        for (const [mode, messages] of [
          ['single', single],
          ['packed', packed],
        ] as const) {
          // Stored counts move a whole batch at a time (up to 20,000 rows), too coarse for a
          // slope; the steady rate is taken on the accepted count, the end-to-end rate from the
          // first accepted reading to the last one stored.
          const storedSeries =
            mode === 'single' ? 'citytwin_ingest_messages_total{outcome="stored"}' : 'citytwin_ingest_readings_total{state="stored"}';
          const acceptedSeries =
            mode === 'single' ? 'citytwin_ingest_messages_total{outcome="received"}' : 'citytwin_ingest_readings_total{state="accepted"}';
          const [storedBefore, acceptedBefore] = await Promise.all([scrapeSum(urls, storedSeries), scrapeSum(urls, acceptedSeries)]);
          let stored = 0;
          let accepted = 0;
          let firstAt = 0;
          const probe = new RateProbe(() => accepted);
          let polling = true;
          const poller = (async () => {
            while (polling) {
              [stored, accepted] = await Promise.all([scrapeSum(urls, storedSeries), scrapeSum(urls, acceptedSeries)]);
              stored -= storedBefore;
              accepted -= acceptedBefore;
              if (accepted > 0 && firstAt === 0) firstAt = performance.now();
              await new Promise((r) => setTimeout(r, 20));
            }
          })();
          const run = await publishInChild({ brokerUrl: mosquitto.url, sensors: 5000, messages, mode, readingsPerMessage: 100, qos: 1 });
          const total = mode === 'single' ? run.sent : run.readings;
          const done = await waitUntil(() => stored >= total, 120_000);
          const endToEnd = total / ((performance.now() - firstAt) / 1000);
          polling = false;
          await poller;
          probe.stop();
          const rate = probe.steadyRate(total);
          const unit = mode === 'single' ? 'msg/s' : 'rd/s';
          line(
            `${n} worker${n > 1 ? 's' : ''}, ${mode === 'single' ? 'single-reading messages' : 'packed (100 readings)'}`,
            `${fmt(endToEnd)} ${unit}`,
            `end to end (${fmt(stored)} of ${fmt(total)} stored${done ? '' : ', TIMED OUT'}); steady intake ${fmt(rate)}; publisher ${fmt(total / (run.elapsedMs / 1000))} ${unit}`,
            null,
          );
        }
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    } finally {
      await mosquitto.stop();
    }
  }
}

process.stdout.write(
  `CityTwin benchmarks (${new Date().toISOString()}, scale ${SCALE}); figures vary ±15–30% run to run on shared machines\n`,
);
if (ONLY.has('1') || ONLY.has('2')) await throughputRuns();
if (ONLY.has('3')) await latencyRun();
if (ONLY.has('4')) await workersRun();
if (ONLY.has('5')) {
  process.stdout.write('\n5. incident fusion throughput (FusionEngine: twin + correlator, the live code, one core)\n');
  const f = measureFusion(SCALE);
  line(
    'readings through the twin, each an alarm transition',
    `${fmt(f.readingsPerSec)} rd/s`,
    `(${fmt(f.alarmTransitions)} transitions, ${fmt(f.transitionsPerSec)}/s; ingest stores ≈ 40k single / ≈ 300k packed per s)`,
    null,
  );
  line(
    'hotline flood (random places and categories)',
    `${fmt(f.eventsPerSec)} ev/s`,
    `(${fmt(f.events)} reports → ${f.incidentsFromFlood} incidents; a flood must not open thousands)`,
    null,
  );
  // The alarm storm of run 16 (100,000 gauges, every 20th in alarm in even minutes): the correlator alone.
  const storm = measureAlarmStorm(10);
  line(
    `${fmt(storm.perBurst)} alarms in one second: correlator ms (CPU)`,
    `${fmt(storm.raiseMsMedian)} ms`,
    `(worst ${fmt(storm.raiseMsMax)} ms; their ${fmt(storm.perBurst)} clears ${fmt(storm.clearMsMedian)} ms, worst ${fmt(storm.clearMsMax)} ms; ${fmt(storm.incidents)} incidents held)`,
    null,
  );
  // The evaluation's own speed (npm run eval): every scenario on two held-out seeds, generated, replayed and scored.
  const city = generateCity();
  const timings: RunTiming[] = [];
  for (const name of SCENARIO_NAMES) for (const seed of [11, 12]) timings.push(timedRun(city, name, seed, DEFAULT_INCIDENT_RULES).timing);
  const ev = evaluationSpeed(timings);
  line(
    `evaluation: generate + replay + score (${ev.runs} runs, CPU)`,
    `${fmt(ev.wholeCpuX)}× real`,
    `target ≥ ${fmt(EVALUATION_SPEED_TARGET)}× (${fmt(ev.wholeCpuX / EVALUATION_SPEED_TARGET, 2)} of it; wall ${fmt(ev.wholeX)}×)`,
    ev.wholeCpuX >= EVALUATION_SPEED_TARGET,
  );
  line(
    'evaluation: replay through twin + correlator (CPU)',
    `${fmt(ev.replayCpuX)}× real`,
    `(${fmt(ev.inputsPerCpuSec)} inputs/s; wall ${fmt(ev.replayX)}×; generation ${fmt(ev.shares.generate * 100)} % of the CPU)`,
    null,
  );
}
if (ONLY.has('6')) {
  process.stdout.write('\n6. dispatch (road router, recommender; generated city, one core)\n');
  const d = measureDispatch(SCALE, [1, 2, 3, 11, 12]);
  line(
    `road tree over the whole graph (${fmt(d.nodes)} nodes, ${fmt(d.edges)} edges)`,
    `${fmt(d.treeUsP50)} µs`,
    `(p50; mean ${fmt(d.treeUsMean)} µs)`,
    null,
  );
  line(
    `recommendation, ${d.units} units, ${d.closedUnderpasses} underpasses closed, p50`,
    `${fmt(d.recommendMsP50, 2)} ms`,
    `(${fmt(d.incidents)} random incidents)`,
    null,
  );
  line('recommendation p95', `${fmt(d.recommendMsP95, 2)} ms`, 'target ≤ 50 ms', d.recommendMsP95 <= 50);
  line('recommendation p99', `${fmt(d.recommendMsP99, 2)} ms`, '', null);
  line(
    `top unit = fastest by separate routing (seeds ${d.seeds.join(',')})`,
    `${d.agree}/${d.checked} = ${fmt(d.agreeRatio * 100, 1)} %`,
    `target ≥ 95 % (${d.ties} ties by equal ETA; ${d.skippedNoNeed} incidents need no unit)`,
    d.agreeRatio >= 0.95,
  );
  process.stdout.write(
    `    under the scenarios' own restrictions: ${d.scenarioClosed} closed, ${d.scenarioSlowed} slowed edges over the replays; a quarter of the fleet busy\n`,
  );
  const storm = measureRestrictionsStorm(generateCity());
  line(
    `road restrictions of ${fmt(storm.incidents)} active floods, worked out whole`,
    `${fmt(storm.wholeMs)} ms`,
    `(${fmt(storm.closed)} edges closed)`,
    null,
  );
  line(
    'road restrictions after one incident changes (kept per incident)',
    `${fmt(storm.oneChangeMsMean, 1)} ms`,
    `target ≤ 50 ms (max ${fmt(storm.oneChangeMsMax, 1)} ms)`,
    storm.oneChangeMsMax <= 50,
  );
  for (const m of d.mismatches.slice(0, 20)) {
    process.stdout.write(
      `    differs: ${m.scenario} seed ${m.seed} ${m.incidentId} ${m.type}: recommended ${m.recommended ?? '–'} (${m.recommendedEtaS?.toFixed(1) ?? '–'} s) vs ${m.fastest ?? '–'} (${m.fastestEtaS?.toFixed(1) ?? '–'} s): ${m.why}\n`,
    );
  }
}
if (ONLY.has('7')) await soakRun();
if (ONLY.has('8')) {
  process.stdout.write(`\n8. KPI screen queries over ${fmt(100 * SCALE)}M stored readings (rollups of migration 6; kpi-bench.ts)\n`);
  const k = await measureKpi(SCALE, (l) => process.stdout.write(`${l}\n`));
  line(
    `insert ${fmt(k.readings)} readings + ${fmt(k.incidents)} incidents (in-engine)`,
    `${fmt(k.insertS, 1)} s`,
    `(${fmt(k.readings / k.insertS)} readings/s with the views)`,
    null,
  );
  for (const q of k.queries) line(`${q.name} p95`, `${fmt(q.p95, 1)} ms`, `target ≤ 200 ms (p50 ${fmt(q.p50, 1)} ms)`, q.p95 <= 200);
}
if (ONLY.has('9')) await replayRun(SCALE);
if (ONLY.has('10')) await scaleRun();
if (ONLY.has('11')) {
  // 1,000,000: the ingest stores in batches of up to a second (CITYTWIN_BATCH_MAX_DELAY_MS), and
  // the steady stored rate (10 % → 90 %, /metrics read every 250 ms) needs several of them.
  const messages = Math.round(1_000_000 * SCALE);
  process.stdout.write(
    `\n11. citytwin all taking ${fmt(messages)} single-reading QoS 1 messages (ingest inside the embedded broker, spool before PUBACK)\n`,
  );
  const r = await allInOneThroughput(messages);
  line('publisher (own process, 1,000 in flight)', `${fmt(r.publisherRate)} msg/s`, '', null);
  line('received by the ingest, steady', `${fmt(r.receivedRate)} msg/s`, '', null);
  const stored = `(${fmt(r.stored)} of ${fmt(messages)} stored; ${fmt(r.messagesPerSpoolWrite, 1)} messages per spool write)`;
  line('stored, steady', `${fmt(r.storedRate)} msg/s`, stored, r.stored === messages);
  await oneIntegratorRun(messages);
}
if (ONLY.has('12')) await consoleLoadRun();
if (ONLY.has('13')) await cityStartRun();
if (ONLY.has('14')) await notifyRun();
if (ONLY.has('15')) await liveMillionRun(SCALE);
if (ONLY.has('16')) await (await import('./console-fps-bench.ts')).consoleFpsRun();
process.stdout.write('\n');
process.exit(0);
