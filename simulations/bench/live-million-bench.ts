/**
 * Bench run 15: a million live sensors in the all-in-one process (docs/scale.md,
 * docs/benchmarks.md). 1,000,000 × BENCH_SCALE water-level sensors are written into the
 * registry as run 10 writes it (scale-bench.ts), `citytwin all` starts on that directory, and
 * gateways in their own process (gateway-publisher.ts) make every sensor report once a minute
 * in SenML packs of 100 (≈16,700 readings/s at 1M), some of them alarms, for 600 × BENCH_SCALE
 * seconds (BENCH_LIVE_SENSORS and BENCH_LIVE_SECONDS set them directly). Meanwhile a socket
 * client asks for cells (zoom 10) and points (zoom 15, in columns as the console asks: the
 * time runs until the whole `points` message, attachments and all, is received and decoded), and a second
 * client stays zoomed in and counts the live deltas of its sensors. Printed with target and ratio:
 * readings stored = published, the server's event-loop delay p99 over the run (prom-client's
 * `monitorEventLoopDelay` on /metrics), the viewport answers' p95, the zoomed-in client's
 * updates, and the server's heap and resident memory per sensor. The twin alone per sensor:
 * `npx tsx simulations/bench/rules-memory.ts 1000000`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { percentile } from '../../ingest/index.ts';
import { generateCity } from '../../twin-model/city/index.ts';
import type { CellsMessage, DeltaMessage, PointsMessage, SnapshotMessage } from '../../web/shared/protocol.ts';
import { decodeDelta } from '../../web/shared/delta-codec.ts';
import { decodePoints } from '../../web/shared/points-codec.ts';
import { TSX } from '../../test/support/citytwin-process.ts';
import { BENCH_ADMIN_PASSWORD as ADMIN_PASSWORD, benchHeapNodeOptions, SEED, startBenchCity } from './bench-city.ts';
import { fmt, line } from './bench-report.ts';
import { packAccount, parseMetrics, type Scrape } from './live-million-account.ts';
import type { GatewayLoad, GatewayLoadResult } from './gateway-publisher.ts';
import { lcg } from './grid-city-package.ts';
import { rssMb, viewAt, writeRegistry } from './scale-bench.ts';

/** The run is stopped when the server's resident memory goes above this. */
const RSS_LIMIT_MB = Number(process.env.BENCH_LIVE_RSS_LIMIT_MB ?? '8192');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

function ratioTarget(value: number, target: number, unit: string): string {
  return `target ≤ ${fmt(target)} ${unit}: ratio ${fmt(value / target, 2)}`;
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
  return check();
}

function signedSocket(url: string, token: string): Socket {
  const socket = connectSocket(url, { transports: ['websocket'], auth: { token } });
  socket.on('connect', () => socket.emit('resume', { epoch: null, lastSeq: null }));
  return socket;
}

interface ProbeAnswers {
  cells: number[];
  points: number[];
  /** Sensors in each points answer. */
  sizes: number[];
}

/** Viewport tables as received: `snapshot`s, and `points` decoded into the snapshots they stand for. */
function viewportTables(socket: Socket, onTable: (s: SnapshotMessage) => void): void {
  socket.on('snapshot', onTable);
  socket.on('points', (p: PointsMessage) => onTable(decodePoints(p)));
}

/** Asks for cells and points in turn until `running()` is false; the answer times in ms and the points' sizes. */
async function viewportProbe(url: string, token: string, running: () => boolean): Promise<ProbeAnswers> {
  const socket = signedSocket(url, token);
  const snapshots: SnapshotMessage[] = [];
  const cells: CellsMessage[] = [];
  viewportTables(socket, (s) => snapshots.push(s));
  socket.on('cells', (c: CellsMessage) => cells.push(c));
  await until(() => snapshots.length > 0, 60_000);
  const sites = generateCity({ seed: SEED, sensorCount: 20_000 }).sensorSites;
  const r = lcg(15);
  const out: ProbeAnswers = { cells: [], points: [], sizes: [] };
  while (running()) {
    const s = sites[Math.floor(r() * sites.length)]!;
    const before = cells.length;
    let t = performance.now();
    socket.emit('viewport', { bbox: viewAt(s.lng, s.lat, 10), zoom: 10 });
    if (await until(() => cells.length > before, 10_000)) out.cells.push(performance.now() - t);
    await new Promise((res) => setTimeout(res, 1000));
    const snaps = snapshots.length;
    t = performance.now();
    socket.emit('viewport', { bbox: viewAt(s.lng, s.lat, 15), zoom: 15, encoding: 'columns' });
    if (await until(() => snapshots.length > snaps, 10_000)) {
      out.points.push(performance.now() - t);
      out.sizes.push(snapshots.at(-1)!.sensors.length);
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
  socket.close();
  return out;
}

/** A client zoomed in on one place for the whole run: its snapshot, and the deltas of its sensors. */
function zoomedInClient(url: string, token: string) {
  const socket = signedSocket(url, token);
  const site = generateCity({ seed: SEED, sensorCount: 20_000 }).sensorSites[0]!;
  // Only the bench's sensors report (the city's own sites stay silent with the simulator off).
  const seen = { inView: 0, deltas: 0, updates: 0, updated: new Set<number>() };
  let reporting = new Set<number>();
  let epoch: string | null = null;
  viewportTables(socket, (s: SnapshotMessage) => {
    if (s.scope !== 'viewport' || s.sensors.length === 0) return;
    epoch = s.epoch;
    reporting = new Set(s.sensors.filter((x) => x.id.startsWith('big-')).map((x) => x.i));
    seen.inView = reporting.size;
  });
  socket.on('delta', (d: DeltaMessage) => {
    if (d.epoch !== epoch) return;
    const columns = decodeDelta(d);
    seen.deltas++;
    seen.updates += columns.index.length;
    for (const i of columns.index) if (reporting.has(i)) seen.updated.add(i);
  });
  socket.on('connect', () => socket.emit('viewport', { bbox: viewAt(site.lng, site.lat, 15), zoom: 15, encoding: 'columns' }));
  return { seen, close: () => socket.close() };
}

/**
 * An idle Node process beside the server for the same time, at the same priority: its
 * event-loop delay is what the shared machine alone costs (a busy machine delays every
 * process's timers, however little it does).
 */
function idleControl(seconds: number): Promise<{ p50: number; p99: number; max: number }> {
  const script = `const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 }); h.enable();
setTimeout(() => { process.stdout.write(JSON.stringify({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 })); }, ${seconds * 1000});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(text) as { p50: number; p99: number; max: number })
        : reject(new Error(`idle control exited with ${code}`)),
    );
  });
}

function publishGateways(load: GatewayLoad): Promise<GatewayLoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [join(import.meta.dirname, 'gateway-publisher.ts'), JSON.stringify(load)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(text.trim().split('\n').at(-1)!) as GatewayLoadResult)
        : reject(new Error(`gateway publisher exited with ${code}`)),
    );
  });
}

/**
 * The server's Node options: the heap raised for the registry, and with BENCH_LIVE_CPU_PROF=<dir>
 * a V8 CPU profile of the server written into <dir> when it stops (cpu-profile-preload.mjs;
 * cpu-profile-summary.ts reads it).
 */
function serverNodeOptions(): string {
  const prof = process.env.BENCH_LIVE_CPU_PROF ? ` --import=${join(import.meta.dirname, 'cpu-profile-preload.mjs')}` : '';
  return `${benchHeapNodeOptions()}${prof}`;
}

/** With BENCH_LIVE_CPU_PROF: SIGUSR2 to the server (`pid`, node itself: no tsx wrapper), starting or writing its profile. */
function profileWindow(pid: number): void {
  if (!process.env.BENCH_LIVE_CPU_PROF) return;
  process.kill(pid, 'SIGUSR2');
}

export async function liveMillionRun(scale: number): Promise<void> {
  const sensors = Number(process.env.BENCH_LIVE_SENSORS ?? Math.round(1_000_000 * scale));
  const seconds = Number(process.env.BENCH_LIVE_SECONDS ?? Math.round(600 * scale));
  process.stdout.write(
    `\n15. ${fmt(sensors)} live sensors in citytwin all, each reporting once a minute in gateway packs, for ${fmt(seconds)} s (live-million-bench.ts)\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-live-million-'));
  let app: Awaited<ReturnType<typeof startBenchCity>> | null = null;
  try {
    const insertS = await writeRegistry(dir, sensors, 'water_level');
    line('registry rows written to ClickHouse', fmt(sensors), `(${fmt(insertS, 1)} s)`, null);
    const mqttPort = await freePort();
    const t0 = performance.now();
    app = await startBenchCity(
      dir,
      {
        CITYTWIN_MQTT_PORT: String(mqttPort),
        NODE_OPTIONS: serverNodeOptions(),
        CITYTWIN_BENCH_CPU_PROF_DIR: process.env.BENCH_LIVE_CPU_PROF ?? '',
      },
      900_000,
    );
    line('start-up, registry loaded into the twin', `${fmt((performance.now() - t0) / 1000, 1)} s`, '', null);
    await measureLive(app.url, app.child.pid!, mqttPort, sensors, seconds, () => app?.stop());
  } catch (err) {
    process.stdout.write(`  run 15 failed: ${(err as Error).message}\n${app?.output().slice(-2000) ?? ''}\n`);
    throw err;
  } finally {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function signIn(url: string): Promise<{ token: string; metrics(): Promise<Scrape>; total(): Promise<number> }> {
  const login = await fetch(new URL('/api/auth/login', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const city = [113.6, 29.9, 115.2, 31.5].join(',');
  return {
    token,
    metrics: async () => parseMetrics(await (await fetch(new URL('/metrics', url))).text()),
    total: async () => {
      const res = await fetch(new URL(`/api/sensors/aggregate?bbox=${city}&zoom=7`, url), {
        headers: { authorization: `Bearer ${token}` },
      });
      return ((await res.json()) as CellsMessage).total;
    },
  };
}

async function measureLive(
  url: string,
  pid: number,
  mqttPort: number,
  sensors: number,
  seconds: number,
  stop: () => unknown,
): Promise<void> {
  const api = await signIn(url);
  const deadline = Date.now() + 300_000;
  while ((await api.total()) < sensors && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  line('sensors counted by the grid', fmt(await api.total()), `(of ${fmt(sensors)})`, null);
  line('server resident memory, registry loaded', `${fmt(rssMb(pid))} MB`, '', null);

  const before = await api.metrics(); // also starts the event-loop delay window
  profileWindow(pid); // starts the server's CPU profile (BENCH_LIVE_CPU_PROF)
  let running = true;
  let peakRss = 0;
  let overLimit = false;
  const watch = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(pid));
    if (peakRss > RSS_LIMIT_MB && !overLimit) {
      overLimit = true;
      void stop();
    }
  }, 2000);
  const zoomed = zoomedInClient(url, api.token);
  const probe = viewportProbe(url, api.token, () => running);
  const load = { brokerUrl: `mqtt://127.0.0.1:${mqttPort}`, sensors, seconds, packSize: 100, gateways: 200, alarmEvery: 5000 };
  const control = idleControl(seconds);
  const published = await publishGateways(load).finally(() => {
    running = false;
  });
  const during = await api.metrics();
  profileWindow(pid); // and writes it
  const answers = await probe;
  clearInterval(watch);
  if (overLimit) throw new Error(`resident memory above ${fmt(RSS_LIMIT_MB)} MB: run stopped`);
  const drain = Date.now() + 300_000;
  let after = await api.metrics();
  const drainStart = Date.now();
  while (after.readings_stored - before.readings_stored < published.readings && Date.now() < drain) {
    await new Promise((r) => setTimeout(r, 1000));
    after = await api.metrics();
  }
  zoomed.close();
  const idle = await control;
  const drainS = (Date.now() - drainStart) / 1000;
  report({ sensors, seconds, published, before, during, after, answers, zoomed: zoomed.seen, peakRss, rss: rssMb(pid), idle, drainS });
}

interface Figures {
  sensors: number;
  seconds: number;
  published: GatewayLoadResult;
  before: Scrape;
  during: Scrape;
  after: Scrape;
  answers: ProbeAnswers;
  zoomed: { inView: number; deltas: number; updates: number; updated: Set<number> };
  peakRss: number;
  rss: number;
  idle: { p50: number; p99: number; max: number };
  drainS: number;
}

function report(f: Figures): void {
  const p = f.published;
  const stored = f.after.readings_stored - f.before.readings_stored;
  const packs = f.after.messages_stored - f.before.messages_stored;
  line(
    'readings published (gateway packs of 100, QoS 1)',
    fmt(p.readings),
    `(${fmt(p.packs)} packs, ${fmt(p.readings / (p.elapsedMs / 1000))} readings/s, ${fmt(p.alarmReadings)} alarm readings, ${p.errors} errors)`,
    null,
  );
  const a = packAccount(p.packs, f.before, f.after);
  line(
    'readings stored = published',
    `${fmt(stored)}`,
    `(${fmt(packs)} packs stored ${fmt(f.drainS)} s after the last publish; drain limit 300 s)`,
    stored === p.readings && packs === p.packs,
  );
  line(
    'packs lost (received, not stored, rejected nor pending)',
    fmt(a.lost),
    `(${fmt(a.rejected)} rejected, ${fmt(a.pending)} pending in the ingest, ${fmt(a.notReceived)} not yet received from the broker; target 0 lost)`,
    a.lost === 0,
  );
  const lagP99 = f.during.nodejs_eventloop_lag_p99_seconds! * 1000;
  line('server event-loop delay p99 over the run', `${fmt(lagP99, 1)} ms`, ratioTarget(lagP99, 50, 'ms'), lagP99 <= 50);
  line(
    'server event-loop delay p50 / max',
    `${fmt(f.during.nodejs_eventloop_lag_p50_seconds! * 1000, 1)} ms`,
    `(max ${fmt(f.during.nodejs_eventloop_lag_max_seconds! * 1000, 1)} ms)`,
    null,
  );
  line(
    'an idle process beside it: event-loop delay p99',
    `${fmt(f.idle.p99, 1)} ms`,
    `(p50 ${fmt(f.idle.p50, 1)}, max ${fmt(f.idle.max, 1)} ms: the machine's share; load average ${os
      .loadavg()
      .map((l) => fmt(l, 1))
      .join(' / ')})`,
    null,
  );
  const cells95 = percentile(f.answers.cells, 0.95);
  const points95 = percentile(f.answers.points, 0.95);
  line(
    `socket viewport → cells (z10), ${f.answers.cells.length} asks, p95`,
    `${fmt(cells95, 1)} ms`,
    `${ratioTarget(cells95, 100, 'ms')} (p50 ${fmt(percentile(f.answers.cells, 0.5), 1)} ms)`,
    cells95 <= 100,
  );
  line(
    `socket viewport → points (z15), ${f.answers.points.length} asks, p95`,
    `${fmt(points95, 1)} ms`,
    `${ratioTarget(points95, 150, 'ms')} (p50 ${fmt(percentile(f.answers.points, 0.5), 1)} ms; sensors per answer p50 ${fmt(percentile(f.answers.sizes, 0.5))}, max ${fmt(Math.max(0, ...f.answers.sizes))})`,
    points95 <= 150,
  );
  const z = f.zoomed;
  line(
    'zoomed-in client (z15): its reporting sensors updated',
    `${fmt(z.updated.size)} of ${fmt(z.inView)}`,
    `(${fmt(z.deltas)} deltas, ${fmt(z.updates)} updates; target: every sensor in view, the run ≥ 1 min)`,
    z.inView > 0 && (f.seconds < 60 || z.updated.size === z.inView),
  );
  const heap = f.during.nodejs_heap_size_used_bytes! + f.during.nodejs_external_memory_bytes!;
  line(
    'server heap + external per sensor, readings flowing',
    `${fmt(heap / f.sensors)} B`,
    '(whole process: twin, grid, stream, ingest)',
    null,
  );
  line(
    'server resident memory: peak / after',
    `${fmt(f.peakRss)} MB`,
    `(${fmt(f.rss)} MB after; ${fmt((f.peakRss * 1048576) / f.sensors)} B per sensor)`,
    null,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await liveMillionRun(Number(process.env.BENCH_SCALE ?? '1'));
  process.exit(0);
}
