/**
 * `npm run bench` run 7, "soak": the whole product (`citytwin all`: embedded aedes broker,
 * ingest with its write-ahead spool, embedded ClickHouse, twin and web server, simulator off)
 * in a child process receives a steady flow of single-reading QoS 1 messages from publisher
 * processes for BENCH_SOAK_MIN minutes. Every 30 s it prints elapsed time, sent, stored, the
 * ingest lag (pending messages, age of the oldest unstored one), RSS and heap of the CityTwin
 * process and the spool's unstored bytes; at the end stored == sent (counted in ClickHouse
 * after the process has exited), the largest and last RSS and lag, and whether memory grew
 * (least-squares slope of RSS over the second half of the run).
 *
 * Options: BENCH_SOAK_MIN (default 20), BENCH_SOAK_RATE (msg/s in total, default 20000),
 * BENCH_SOAK_PUBLISHERS (default 2), BENCH_SOAK_REPORT_S (default 30).
 *
 * This file also runs in three other places, chosen by CITYTWIN_SOAK_ROLE:
 *   - `publisher`: a paced QoS 1 publisher process (own sensors, unique timestamps) that
 *     prints its progress as JSON lines;
 *   - `memory-probe`: preloaded into the CityTwin process (`node --import`), prints its
 *     `process.memoryUsage()` as one line every second (the product exposes no heap figures);
 *   - `census`: opens the data directory after the CityTwin process exited and prints the
 *     stored row counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROLE = process.env.CITYTWIN_SOAK_ROLE;
const SELF = join(import.meta.dirname, 'soak.ts');

// --- child roles -----------------------------------------------------------------------

/** Inside the CityTwin process: memory figures on stdout, one line a second. */
function memoryProbe(): void {
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    process.stdout.write(
      `[soak-memory] ${JSON.stringify({ at: Date.now(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers })}\n`,
    );
  }, 1000);
  timer.unref();
}

interface PublisherOptions {
  brokerUrl: string;
  /** This publisher's sensors are load-<offset> … load-<offset + sensors − 1>. */
  offset: number;
  sensors: number;
  ratePerSec: number;
  seconds: number;
  /** Publishes awaiting their PUBACK at most; beyond it the publisher falls behind (and says so). */
  maxInFlight: number;
}

/**
 * A paced QoS 1 publisher: message n goes to sensor `offset + n % sensors` with the timestamp
 * `start + ⌊n / sensors⌋` ms (unique per sensor, so every message is one stored row). Prints
 * `{"sent":…,"acked":…}` every second and a final `{"done":true,…}`.
 */
async function publisher(o: PublisherOptions): Promise<void> {
  const mqtt = await import('mqtt');
  const { loadSensorId } = await import('../load-generator.ts');
  const client = await mqtt.connectAsync(o.brokerUrl, {
    // Not `citytwin-…`: the broker keeps that prefix for the product's own parts.
    clientId: `soak-${o.offset}-${process.pid}`,
    clean: true,
    reconnectPeriod: 1000,
  });
  client.on('error', () => {
    /* counted through publish callbacks */
  });
  const topics = Array.from({ length: o.sensors }, (_, s) => `citytwin/v1/sensors/${loadSensorId(o.offset + s)}/data`);
  const total = Math.round(o.ratePerSec * o.seconds);
  const baseTs = Date.now() - Math.ceil(total / o.sensors) - 1000;
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const progress = setInterval(
    () =>
      process.stdout.write(
        `${JSON.stringify({ sent, acked, errors, inFlight, behind: Math.max(0, Math.min(total, Math.floor(((performance.now() - t0) * o.ratePerSec) / 1000)) - sent) })}\n`,
      ),
    1000,
  );
  const onAck = (err?: Error): void => {
    inFlight--;
    if (err) errors++;
    else acked++;
  };
  // Bounded: each turn publishes what is due (at most the window allows) and sleeps 5 ms, until
  // the run's time is up. A publisher that falls behind (the broker acknowledges too slowly)
  // does not go on after that: what it could not send is reported as `behind`, not made up.
  const endAt = t0 + o.seconds * 1000;
  while (sent < total && performance.now() < endAt) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * o.ratePerSec) / 1000) + 1);
    while (sent < due && inFlight < o.maxInFlight) {
      const s = sent % o.sensors;
      const ts = baseTs + Math.floor(sent / o.sensors);
      inFlight++;
      client.publish(topics[s]!, `{"ts":${ts},"values":{"water_level_cm":${(sent % 997) / 10}}}`, { qos: 1 }, onAck);
      sent++;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const deadline = Date.now() + 600_000;
  while (acked + errors < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  clearInterval(progress);
  await client.endAsync();
  process.stdout.write(`${JSON.stringify({ done: true, sent, acked, errors, behind: total - sent, elapsedMs: performance.now() - t0 })}\n`);
}

/** After the CityTwin process exited: what its embedded ClickHouse holds. */
async function census(dataDir: string): Promise<void> {
  const { createClickHouse, loadCensus } = await import('../../storage/index.ts');
  const client = createClickHouse({ url: null, dataDir });
  const found = await loadCensus(client);
  await client.close();
  process.stdout.write(`${JSON.stringify(found)}\n`);
}

if (ROLE === 'memory-probe') memoryProbe();
else if (ROLE === 'publisher') {
  await publisher(JSON.parse(process.argv[2] ?? '{}') as PublisherOptions);
  process.exit(0);
} else if (ROLE === 'census') {
  await census(process.argv[2] ?? '');
  process.exit(0);
}

// --- the run -----------------------------------------------------------------------------

export interface SoakSample {
  elapsedS: number;
  sent: number;
  acked: number;
  stored: number;
  pending: number;
  lagS: number;
  rssBytes: number;
  heapUsedBytes: number;
  spoolBytes: number;
  /** 1-minute load average of the machine (other jobs share it). */
  load: number;
}

export interface SoakResult {
  minutes: number;
  rate: number;
  samples: SoakSample[];
  sent: number;
  storedRows: number;
  storedKeys: number;
  /** MB per minute, least squares over the second half. */
  rssSlopeMbPerMin: number;
  heapSlopeMbPerMin: number;
  /** Set when the CityTwin process died during the run. */
  crashed: { code: number | null; signal: string | null; elapsedS: number } | null;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const MB = 1024 * 1024;

/** One Prometheus sample by name and labels as printed (0 if absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

const SOAK_ADMIN_PASSWORD = 'bench-soak-admin-password';

/** Run 7. Prints as it goes; returns the figures. */
export async function soakRun(): Promise<SoakResult> {
  const minutes = Number(process.env.BENCH_SOAK_MIN ?? '20');
  const rate = Number(process.env.BENCH_SOAK_RATE ?? '20000');
  const publishers = Number(process.env.BENCH_SOAK_PUBLISHERS ?? '2');
  const reportS = Number(process.env.BENCH_SOAK_REPORT_S ?? '30');
  const sensorsPerPublisher = 10_000;
  const seconds = Math.round(minutes * 60);
  process.stdout.write(
    `\n7. soak: citytwin all (embedded broker and ClickHouse, simulator off) under ${fmt(rate)} msg/s of single-reading QoS 1 messages from ${publishers} publisher processes for ${fmt(minutes, 1)} min (${fmt(publishers * sensorsPerPublisher)} sensors)\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-bench-soak-'));
  // One process (node with tsx as a loader, not the tsx CLI, whose child would hold the memory).
  const app = spawn(process.execPath, ['--import', 'tsx', '--import', SELF, 'bin/citytwin.ts', 'all'], {
    env: {
      ...process.env,
      CITYTWIN_SOAK_ROLE: 'memory-probe',
      CITYTWIN_HTTP_PORT: '0',
      CITYTWIN_MQTT_PORT: '0',
      CITYTWIN_HTTP_HOST: '127.0.0.1',
      CITYTWIN_SIMULATE: '0',
      CITYTWIN_SENSORS: '100',
      CITYTWIN_DATA_DIR: dir,
      // info: the start-up lines name the console and the embedded broker.
      CITYTWIN_LOG_LEVEL: 'info',
      CITYTWIN_WORKER_ID: 'soak',
      CITYTWIN_ADMIN_PASSWORD: SOAK_ADMIN_PASSWORD,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let memory = { rss: 0, heapUsed: 0 };
  let tail = '';
  app.stdout!.on('data', (d: Buffer) => {
    tail += d.toString();
    const lines = tail.split('\n');
    tail = lines.pop() ?? '';
    for (const l of lines) {
      if (l.startsWith('[soak-memory] ')) memory = JSON.parse(l.slice(14)) as typeof memory;
      else if (out.length < 100_000) out += `${l}\n`;
    }
  });
  app.stderr!.on('data', (d: Buffer) => {
    if (out.length < 100_000) out += d.toString();
  });
  const pubs: ChildProcess[] = [];
  try {
    const ok = await waitUntil(() => /CityTwin console: (\S+)/.test(out) && /embedded MQTT broker on (\S+)/.test(out), 120_000);
    if (!ok) throw new Error(`citytwin did not start:\n${out}`);
    const url = /CityTwin console: (\S+)/.exec(out)![1]!;
    const brokerUrl = /embedded MQTT broker on (\S+)/.exec(out)![1]!;
    const loginRes = await fetch(new URL('/api/auth/login', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: SOAK_ADMIN_PASSWORD }),
    });
    const { token } = (await loginRes.json()) as { token: string };
    const metrics = async () => {
      const t = await (await fetch(new URL('/metrics', url), { headers: { authorization: `Bearer ${token}` } })).text();
      return {
        stored: sample(t, 'citytwin_ingest_messages_total{outcome="stored"}'),
        received: sample(t, 'citytwin_ingest_messages_total{outcome="received"}'),
        rejected: sample(t, 'citytwin_ingest_messages_total{outcome="rejected"}'),
        pending: sample(t, 'citytwin_ingest_pending_messages'),
        lagS: sample(t, 'citytwin_ingest_lag_seconds'),
        spoolBytes: sample(t, 'citytwin_ingest_spool_bytes'),
      };
    };

    // Publishers: each its own sensors, its share of the rate.
    const progress = Array.from({ length: publishers }, () => ({ sent: 0, acked: 0, errors: 0, behind: 0, done: false }));
    let publisherFailed: string | null = null;
    for (let p = 0; p < publishers; p++) {
      const options: PublisherOptions = {
        brokerUrl,
        offset: p * sensorsPerPublisher,
        sensors: sensorsPerPublisher,
        ratePerSec: rate / publishers,
        seconds,
        maxInFlight: 2000,
      };
      const child = spawn(process.execPath, ['--import', 'tsx', SELF, JSON.stringify(options)], {
        env: { ...process.env, CITYTWIN_SOAK_ROLE: 'publisher' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith('{')) Object.assign(progress[p]!, JSON.parse(l));
      });
      // A publisher that dies (refused by the broker, a crash) ends the run: it would only wait.
      child.once('exit', (code) => {
        if (code !== 0 && !progress[p]!.done) publisherFailed ??= `publisher ${p} exited with code ${code} before it was done`;
      });
      pubs.push(child);
    }
    const sum = (k: 'sent' | 'acked' | 'errors' | 'behind') => progress.reduce((a, x) => a + x[k], 0);

    const t0 = Date.now();
    const samples: SoakSample[] = [];
    const take = async (): Promise<SoakSample> => {
      const m = await metrics();
      const s: SoakSample = {
        elapsedS: (Date.now() - t0) / 1000,
        sent: sum('sent'),
        acked: sum('acked'),
        stored: m.stored,
        pending: m.pending,
        lagS: m.lagS,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        spoolBytes: m.spoolBytes,
        load: loadavg()[0] ?? 0,
      };
      samples.push(s);
      return s;
    };
    process.stdout.write(
      `  ${'elapsed'.padStart(7)} ${'sent'.padStart(12)} ${'stored'.padStart(12)} ${'stored/s'.padStart(9)} ${'pending'.padStart(9)} ${'lag'.padStart(7)} ${'RSS'.padStart(8)} ${'heap'.padStart(8)} ${'spool'.padStart(9)} ${'load'.padStart(5)}\n`,
    );
    let previous = { at: 0, stored: 0 };
    const print = (s: SoakSample) => {
      const perSec = s.elapsedS > previous.at ? (s.stored - previous.stored) / (s.elapsedS - previous.at) : 0;
      previous = { at: s.elapsedS, stored: s.stored };
      process.stdout.write(
        `  ${`${fmt(s.elapsedS)} s`.padStart(7)} ${fmt(s.sent).padStart(12)} ${fmt(s.stored).padStart(12)} ${fmt(perSec).padStart(9)} ${fmt(s.pending).padStart(9)} ${`${fmt(s.lagS, 1)} s`.padStart(7)} ${`${fmt(s.rssBytes / MB)} MB`.padStart(8)} ${`${fmt(s.heapUsedBytes / MB)} MB`.padStart(8)} ${`${fmt(s.spoolBytes / 1024)} KiB`.padStart(9)} ${fmt(s.load, 1).padStart(5)}${sum('behind') > 0 ? `  (publishers ${fmt(sum('behind'))} behind schedule)` : ''}\n`,
      );
    };
    // Bounded: one sample per second until every publisher is done (or the run is 3× late).
    let nextReport = reportS;
    const hardStop = t0 + seconds * 3000 + 120_000;
    // A crash of the product ends the run early: it is reported with the figures up to then.
    const crash: { info: { code: number | null; signal: string | null; elapsedS: number } | null } = { info: null };
    let stopping = false;
    app.once('exit', (code, signal) => {
      if (!stopping) crash.info = { code, signal, elapsedS: (Date.now() - t0) / 1000 };
    });
    const alive = () => crash.info === null;
    while (alive() && progress.some((p) => !p.done) && Date.now() < hardStop) {
      if (publisherFailed) throw new Error(`soak stopped: ${publisherFailed}`);
      await new Promise((r) => setTimeout(r, 1000));
      const s = await take().catch(() => null);
      if (s && s.elapsedS >= nextReport) {
        print(s);
        nextReport += reportS;
      }
    }
    const sent = sum('acked');
    let code: number | null;
    if (alive()) {
      const drained = await waitUntil(
        async () => {
          const m = await metrics();
          return m.stored + m.rejected >= sent && m.pending === 0;
        },
        600_000,
        500,
      );
      print(await take());
      const final = await metrics();
      process.stdout.write(
        `  publishers done: ${fmt(sent)} acknowledged by the broker (${fmt(sum('errors'))} errors); CityTwin received ${fmt(final.received)}, stored ${fmt(final.stored)}, rejected ${fmt(final.rejected)}${drained ? '' : ', NOT DRAINED within 10 min'}\n`,
      );
      // Stop the product (it stores what is pending), then count rows in its store.
      stopping = true;
      app.kill('SIGTERM');
      code = await exited(app);
    } else {
      const c = crash.info!;
      for (const p of pubs) p.kill('SIGTERM');
      const lastSample = samples.at(-1);
      process.stdout.write(
        `  THE CITYTWIN PROCESS DIED after ${fmt(c.elapsedS)} s (exit code ${c.code}, signal ${c.signal}); last sample: ${fmt(lastSample?.stored ?? 0)} stored of ${fmt(lastSample?.sent ?? 0)} sent. Its last output:\n${out
          .split('\n')
          .slice(-15)
          .map((l) => `    ${l}`)
          .join('\n')}\n`,
      );
      code = c.code;
    }
    const counted = await new Promise<{ raw: number; keys: number; deadLetters: number }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', SELF, dir], {
        env: { ...process.env, CITYTWIN_SOAK_ROLE: 'census' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', (c) =>
        c === 0 ? resolve(JSON.parse(text.trim().split('\n').at(-1)!)) : reject(new Error(`census exited with ${c}`)),
      );
    });

    const during = samples.filter((s) => s.elapsedS <= seconds);
    const secondHalf = during.filter((s) => s.elapsedS >= seconds / 2);
    const rssSlope = slope(secondHalf.map((s) => [s.elapsedS / 60, s.rssBytes / MB] as const));
    const heapSlope = slope(secondHalf.map((s) => [s.elapsedS / 60, s.heapUsedBytes / MB] as const));
    const maxBy = (k: keyof SoakSample) => during.reduce((a, s) => Math.max(a, s[k]), 0);
    const last = during.at(-1);
    const line = (name: string, value: string, note = '') => process.stdout.write(`  ${name.padEnd(52)} ${value.padStart(16)}   ${note}\n`);
    line(
      crash.info ? 'stored before the crash / acknowledged to publishers' : 'stored == sent (rows in ClickHouse after exit)',
      `${fmt(counted.raw)} / ${fmt(sent)}`,
      `${crash.info ? `the process died after ${fmt(crash.info.elapsedS)} s (${crash.info.signal ?? `exit ${crash.info.code}`})` : counted.raw === sent && counted.keys === sent ? 'ok' : 'MISMATCH'} (${fmt(counted.keys)} distinct keys, ${counted.deadLetters} dead letters, exit code ${code})`,
    );
    line(
      'RSS max / last (during the flow)',
      `${fmt(maxBy('rssBytes') / MB)} / ${fmt((last?.rssBytes ?? 0) / MB)} MB`,
      `heap used max ${fmt(maxBy('heapUsedBytes') / MB)} MB`,
    );
    line(
      'ingest lag max / last',
      `${fmt(maxBy('lagS'), 1)} / ${fmt(last?.lagS ?? 0, 1)} s`,
      `pending max ${fmt(maxBy('pending'))} / last ${fmt(last?.pending ?? 0)} messages; spool max ${fmt(maxBy('spoolBytes') / 1024)} KiB`,
    );
    const grew = rssSlope > 1;
    line(
      'RSS slope over the second half',
      `${fmt(rssSlope, 2)} MB/min`,
      `heap ${fmt(heapSlope, 2)} MB/min; ${grew ? 'memory GREW' : 'no growth (≤ 1 MB/min)'}`,
    );
    line(
      'offered / achieved over the run',
      `${fmt(rate)} / ${fmt(sent / ((last?.elapsedS ?? seconds) || 1))} msg/s`,
      `(achieved = acknowledged by the broker per second of the flow; mean load average ${fmt(during.reduce((x, y) => x + y.load, 0) / Math.max(1, during.length), 1)} on ${availableParallelism()} cores)`,
    );
    return {
      minutes,
      rate,
      samples,
      sent,
      storedRows: counted.raw,
      storedKeys: counted.keys,
      rssSlopeMbPerMin: rssSlope,
      heapSlopeMbPerMin: heapSlope,
      crashed: crash.info,
    };
  } finally {
    for (const p of pubs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    if (app.exitCode === null && app.signalCode === null) {
      app.kill('SIGTERM');
      await exited(app);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
