/**
 * Bench run 11: the whole product in one process (`citytwin all`: embedded broker, in-process
 * ingest, embedded ClickHouse, twin, web server; simulator off) taking single-reading QoS 1
 * messages as fast as a publisher in its own process sends them. Prints the steady received and
 * stored rates read from the product's /metrics, and the publisher's own rate.
 *
 * {@link bareBrokerBaseline} is the same publisher into a bare aedes in its own process
 * (bare-broker-process.ts) with an idle QoS 1 subscriber here: what one integrator's process
 * gets from an MQTT broker that does nothing else; run 11 prints the product's stored rate as a
 * ratio of it. `tsx simulations/bench/all-in-one-throughput.ts [checkout]` measures another
 * checkout's `citytwin all` with this publisher (to compare two versions in one run).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { startAllInOne } from './all-in-one-app.ts';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const PUBLISHER = join(import.meta.dirname, 'publisher-process.ts');
const BARE_BROKER = join(import.meta.dirname, 'bare-broker-process.ts');
const ADMIN_PASSWORD = 'bench-admin-password-1';

/** One Prometheus sample by name and labels. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

export interface AllInOneResult {
  messages: number;
  publisherRate: number;
  receivedRate: number;
  storedRate: number;
  stored: number;
  /** Messages per spool write (the group write's grouping), NaN when the product does not say. */
  messagesPerSpoolWrite: number;
}

/** The slope between 10 % and 90 % of `total` in one column of time-stamped samples. */
function steadyRate(samples: ReadonlyArray<readonly number[]>, column: number, total: number): number {
  const at = (share: number) => samples.find((s) => s[column]! >= share * total);
  const a = at(0.1);
  const b = at(0.9);
  return a && b && b[0]! > a[0]! ? (b[column]! - a[column]!) / ((b[0]! - a[0]!) / 1000) : Number.NaN;
}

/** The bench's publisher process: `messages` single-reading QoS 1 messages over 5,000 sensors. */
async function publishSingle(brokerUrl: string, messages: number, maxInFlight: number): Promise<{ sent: number; elapsedMs: number }> {
  return new Promise((resolveRun, reject) => {
    const options = { brokerUrl, sensors: 5000, messages, mode: 'single', qos: 1, maxInFlight };
    const child = spawn(TSX, [PUBLISHER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolveRun(JSON.parse(text.trim().split('\n').at(-1)!) as { sent: number; elapsedMs: number })
        : reject(new Error(`publisher exited with ${code}`)),
    );
  });
}

export interface BareBrokerResult {
  publisherRate: number;
  /** Steady rate the idle subscriber received. */
  deliveredRate: number;
  delivered: number;
}

/**
 * The baseline of run 11: the same publisher into a bare aedes in its own process, an idle QoS 1
 * subscriber (counting, nothing else) in this one.
 */
export async function bareBrokerBaseline(messages: number, maxInFlight: number): Promise<BareBrokerResult> {
  const broker = spawn(TSX, [BARE_BROKER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      let text = '';
      broker.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /\{"url":"([^"]+)"\}/.exec(text);
        if (m) resolveUrl(m[1]!);
      });
      broker.once('exit', (code) => reject(new Error(`bare broker exited with ${code}`)));
    });
    const idle = await mqtt.connectAsync(url, { clientId: 'citytwin-bench-idle-subscriber' });
    let delivered = 0;
    idle.on('message', () => delivered++);
    await idle.subscribeAsync('citytwin/v1/#', { qos: 1 });
    const samples: number[][] = [];
    const timer = setInterval(() => samples.push([performance.now(), delivered]), 10);
    const run = await publishSingle(url, messages, maxInFlight);
    const until = Date.now() + 60_000;
    while (delivered < run.sent && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    clearInterval(timer);
    samples.push([performance.now(), delivered]);
    await idle.endAsync();
    return { publisherRate: run.sent / (run.elapsedMs / 1000), deliveredRate: steadyRate(samples, 1, run.sent), delivered };
  } finally {
    broker.kill('SIGTERM');
  }
}

/** Measures `citytwin all` of the checkout in `appDir` (default: this one). */
export async function allInOneThroughput(messages: number, appDir = process.cwd(), maxInFlight = 1000): Promise<AllInOneResult> {
  const { url, brokerUrl, stop } = await startAllInOne({ tag: 'all', adminPassword: ADMIN_PASSWORD, appDir, startTimeoutMs: 120_000 });
  try {
    const samples: Array<[number, number, number]> = [];
    let polling = true;
    let spoolWrites = Number.NaN;
    const poll = (async () => {
      while (polling) {
        const text = await (await fetch(new URL('/metrics', url))).text();
        if (text.includes('citytwin_ingest_spool_writes_total ')) spoolWrites = sample(text, 'citytwin_ingest_spool_writes_total');
        samples.push([
          performance.now(),
          sample(text, 'citytwin_ingest_messages_total{outcome="received"}'),
          sample(text, 'citytwin_ingest_messages_total{outcome="stored"}'),
        ]);
        // Each scrape costs the product ≈ 2.5 ms of its event loop (prom-client's collection): at
        // 10 a second that was ≈ 5 % of the thread being measured, which the bare broker never pays.
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const run = await publishSingle(brokerUrl, messages, maxInFlight);
    const until = Date.now() + 60_000;
    while ((samples.at(-1)?.[2] ?? 0) < messages && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    polling = false;
    await poll;
    const steady = (column: 1 | 2) => steadyRate(samples, column, messages);
    return {
      messages,
      publisherRate: run.sent / (run.elapsedMs / 1000),
      receivedRate: steady(1),
      storedRate: steady(2),
      stored: samples.at(-1)?.[2] ?? 0,
      messagesPerSpoolWrite: (samples.at(-1)?.[1] ?? 0) / spoolWrites,
    };
  } finally {
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const appDir = resolve(process.argv[2] ?? process.cwd());
  const messages = Math.round(200_000 * Number(process.env.BENCH_SCALE ?? '1'));
  const r = await allInOneThroughput(messages, appDir);
  process.stdout.write(
    `11. citytwin all (${appDir}), ${r.messages} single-reading QoS 1 messages: publisher ${Math.round(r.publisherRate)} msg/s, received ${Math.round(r.receivedRate)} msg/s, stored ${Math.round(r.storedRate)} msg/s steady; stored ${r.stored} of ${r.messages}\n`,
  );
}
