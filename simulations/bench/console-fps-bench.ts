/**
 * Bench run 16: the console's frame rate with 100,000 live sensors (BENCH_FPS_SENSORS), each
 * reporting once a second, against a bare deck.gl page drawing the same points with the same
 * updates, in the same run (docs/benchmarks.md).
 *
 * 1. The registry (scale-bench.ts `writeRegistry`) is written into a fresh data directory and
 *    `citytwin all` starts on it in its own process, with the viewport threshold above the
 *    registry so that every console gets the whole table and its deltas (docs/scale.md).
 * 2. A gateway fleet (gateway-publisher.ts, its own process) sends every sensor's reading once a
 *    second in SenML packs of 100 on the gateway topic; every 20th sensor goes into alarm in even
 *    minutes and back in odd ones.
 * 3. Headless Chromium at 1920×1080, one tab (same origin, same session), alternating short
 *    windows under the same load: the console (signed in, all sensors in the table), then the
 *    reference page — deck.gl alone, one ScatterplotLayer on binary attributes, fed by the same
 *    socket stream — then the console again, and so on (BENCH_FPS_ROUNDS rounds). In each
 *    window: page frames (requestAnimationFrame), deck.gl redraws and deltas per second. A
 *    page's frame rate follows the deltas it receives, so every window is printed with its
 *    deltas/s, and the ratio is taken over the rounds (console frames ÷ bare frames, summed),
 *    with how far apart the two pages' delta rates were. Target: console ≥ 0.8 × the bare page.
 *
 * Knobs: BENCH_FPS_SENSORS (100,000), BENCH_FPS_SECONDS (length of one window, 15),
 * BENCH_FPS_ROUNDS (console/bare pairs, 3), BENCH_FPS_PERIOD_S (seconds between two readings of a
 * sensor, 1), BENCH_FPS_PROFILE=1 (where the console's main
 * thread spends 5 s, and the share of it in DOM work), BENCH_FPS_TRACE=1 (the console first with
 * nothing arriving, then with the fleet streaming: 5 s of frames and deck.gl redraws, then 5 s of
 * every browser thread by trace event — the GPU process's too, browser-trace.ts),
 * BENCH_FPS_PIN (on unless 0: the server and the fleet on CPU 0, the browser on CPU 1, so the
 * page being drawn does not take the server's CPU — cpu-pinning.ts), BENCH_FPS_PARTS=1 (before
 * the fleet starts: the console drawing every layer again on each frame, as it draws and with
 * one part left out at a time, then the bare page the same way; frames, redraws and the CPU
 * time of the graphics process and the renderer per redraw).
 *
 * Before each window the page waits (up to a minute) until its newest reading is at most 2 s
 * old, then (up to another minute) until 2 s take in the fleet's rate within 20 %, so that no
 * window measures a backlog the server or the fleet is still working off.
 *
 * Each window prints the readings per second the page took in and the CPU share of the
 * browser's graphics process and renderers; the ratio is given a verdict only when the two
 * pages took in readings within 20 % of each other (MAX_INTAKE_GAP).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { printThreadUse, traceAllThreads } from './browser-trace.ts';
import { printProfile } from './page-profile.ts';
import { fmt, line } from './bench-report.ts';
import type { GatewayLoad, GatewayLoadResult } from './gateway-publisher.ts';
import { rssMb, writeRegistry } from './scale-bench.ts';
import { canPin, chromiumLauncher, cpuByProcessType, cpuSince, pinTree } from './cpu-pinning.ts';
import { freePort } from '../../test/support/fixtures.ts';
import { BENCH_ADMIN_PASSWORD as ADMIN_PASSWORD, startBenchCity } from './bench-city.ts';

const SENSORS = Number(process.env.BENCH_FPS_SENSORS ?? '100000');
const WINDOW_S = Number(process.env.BENCH_FPS_SECONDS ?? '15');
const ROUNDS = Number(process.env.BENCH_FPS_ROUNDS ?? '3');
/**
 * Seconds between two readings of one sensor (BENCH_FPS_PERIOD_S, 1). On two cores the
 * all-in-one server, on the one core the browser leaves it and sharing it with the fleet, takes
 * in fewer than 100,000 readings a second: at 1 Hz it falls behind and the pages get uneven
 * trickles (no verdict); a longer period keeps both pages fed alike.
 */
const PERIOD_S = Number(process.env.BENCH_FPS_PERIOD_S ?? '1');
const TARGET_RATIO = 0.8;
/** The windows are compared only when the two pages took in readings within this share of each other. */
const MAX_INTAKE_GAP = 0.2;
/** …and only when the bare page's newest reading was at most this old (s) at the end of each of its windows. */
const MAX_BARE_AGE_S = 10;
/** Before a window: the page's newest reading at most this old (ms), waited for at most CATCH_UP_MS. */
const CAUGHT_UP_MS = 2_000;
const CATCH_UP_MS = 60_000;
/** Then at most this many 2 s samples until the page takes in the fleet's rate (within MAX_INTAKE_GAP). */
const STEADY_SAMPLES = 30;

interface FrameCounts {
  fps: number;
  deckFps: number;
  /** Deltas (console: applied by the stream; bare page: received) per second. */
  deltasPerS: number;
  /**
   * Sensor readings those deltas carried, per second. The server sends one delta per 100 ms with
   * every reading of that time, so a busier machine sends fewer, bigger deltas: the readings, not
   * the deltas, say how much a page took in.
   */
  readingsPerS: number;
  /** Deltas the server numbered over the window, per second (the page's last `seq` moved by as much). */
  seqPerS: number;
  /** Age of the newest reading the page had taken in at the window's end (s): how far behind it was. */
  dataAgeS: number;
  /** Share of one core the browser's graphics process used over the window (0–1; NaN if not known). */
  gpuShare: number;
  /** The same for the page's renderer process. */
  rendererShare: number;
}

/** Builds the reference page with Vite into a temporary directory (served under /bench-bare/). */
async function buildBarePage(): Promise<string> {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'citytwin-bare-deck-'));
  await build({
    configFile: false,
    root: resolve('simulations/bench/bare-deck'),
    base: '/bench-bare/',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  return outDir;
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Counts frames over `seconds` through the DevTools protocol (the console's CSP does not apply to it). */
async function countFrames(page: Page, seconds: number, counters: string): Promise<FrameCounts> {
  const cpu0 = browserCpu();
  const cdp = await page.context().newCDPSession(page);
  const evaluated = (await cdp.send('Runtime.evaluate', {
    awaitPromise: true,
    returnByValue: true,
    expression: `(async () => {
      const read = () => (${counters});
      let raf = 0;
      let running = true;
      const loop = () => { raf++; if (running) requestAnimationFrame(loop); };
      requestAnimationFrame(loop);
      const c0 = read();
      await new Promise((r) => setTimeout(r, ${seconds * 1000}));
      running = false;
      const c1 = read();
      return {
        raf,
        deck: c1.deck - c0.deck,
        deltas: c1.deltas - c0.deltas,
        readings: c1.readings - c0.readings,
        seq: c1.seq - c0.seq,
        age: c1.age,
      };
    })()`,
  })) as { result: { value: { raf: number; deck: number; deltas: number; readings: number; seq: number; age: number } } };
  const v = evaluated.result.value;
  return {
    fps: v.raf / seconds,
    deckFps: v.deck / seconds,
    deltasPerS: v.deltas / seconds,
    readingsPerS: v.readings / seconds,
    seqPerS: v.seq / seconds,
    dataAgeS: v.age / 1000,
    gpuShare: cpuMs(cpu0, browserCpu(), 'gpu-process') / (seconds * 1000),
    rendererShare: cpuMs(cpu0, browserCpu(), 'renderer') / (seconds * 1000),
  };
}

/**
 * Frames per second while the page draws every layer again on each frame (`redraw` a page
 * expression), nothing arriving: how many redraws the graphics process manages, i.e. one
 * redraw's cost (1 / rate).
 */
async function forcedRedraws(
  page: Page,
  seconds: number,
  redraw: string,
  renders: string,
): Promise<{ fps: number; deckFps: number; gpuMsPerRedraw: number; rendererMsPerRedraw: number }> {
  const cpu0 = browserCpu();
  const v = (await page.evaluate(`(async () => {
    let raf = 0;
    let running = true;
    const loop = () => { raf++; ${redraw}; if (running) requestAnimationFrame(loop); };
    requestAnimationFrame(loop);
    const d0 = ${renders};
    await new Promise((r) => setTimeout(r, ${seconds * 1000}));
    running = false;
    return { raf, deck: ${renders} - d0 };
  })()`)) as { raf: number; deck: number };
  const used = cpu0 && browserCpu() ? cpuSince(cpu0, browserCpu()!) : null;
  const per = (type: string) => (used && v.deck > 0 ? (used.get(type) ?? 0) / v.deck : Number.NaN);
  return { fps: v.raf / seconds, deckFps: v.deck / seconds, gpuMsPerRedraw: per('gpu-process'), rendererMsPerRedraw: per('renderer') };
}

/** The drawings BENCH_FPS_PARTS=1 compares: the console as it draws, and with one part or more left out. */
const PROBES: readonly { name: string; parts: Record<string, boolean>; mapHidden?: boolean }[] = [
  { name: 'console as drawn', parts: {} },
  { name: 'no rims', parts: { rims: false } },
  { name: 'no antialiasing', parts: { antialiasing: false } },
  { name: 'no billboarding', parts: { billboard: false } },
  { name: 'no top layer', parts: { top: false } },
  { name: 'no rings, units, cells', parts: { extra: false } },
  { name: 'base map canvas hidden', parts: {}, mapHidden: true },
  { name: 'all of these left out', parts: { rims: false, antialiasing: false, billboard: false, top: false, extra: false } },
  { name: 'console as drawn (again)', parts: {} },
];

/** BENCH_FPS_PARTS=1: one redraw's cost, forced every frame with nothing arriving, by part left out, and the bare page's. */
async function redrawParts(page: Page, url: string, seconds: number): Promise<void> {
  process.stdout.write(`    forced redraws, nothing arriving, ${seconds} s each (load average ${loadAvg()}):\n`);
  for (const probe of PROBES) {
    await page.evaluate((parts) => window.__citytwin!.drawProbe(parts), probe.parts);
    // Through the CSSOM (the console's CSP allows no inline style sheet).
    const mapVisibility = (hidden: boolean) =>
      page.evaluate((h) => {
        const canvas = document.querySelector<HTMLCanvasElement>('.maplibregl-canvas');
        if (canvas) canvas.style.visibility = h ? 'hidden' : '';
      }, hidden);
    if (probe.mapHidden) await mapVisibility(true);
    await new Promise((r) => setTimeout(r, 1000));
    const r = await forcedRedraws(page, seconds, 'window.__citytwin.redrawSensors()', 'window.__citytwin.deckRenderCount()');
    printRedraws(probe.name, r);
    if (probe.mapHidden) await mapVisibility(false);
  }
  await page.evaluate(() => window.__citytwin!.drawProbe({}));
  await openBare(page, url, false);
  const r = await forcedRedraws(page, seconds, 'window.__bare.redrawNow()', 'window.__bare.renders');
  printRedraws('bare deck.gl page', r);
}

function printRedraws(name: string, r: Awaited<ReturnType<typeof forcedRedraws>>): void {
  process.stdout.write(
    `      ${name.padEnd(28)} ${fmt(r.fps, 1).padStart(5)} frames/s, ${fmt(r.deckFps, 1).padStart(5)} deck.gl redraws/s; ` +
      `CPU per redraw: graphics process ${fmt(r.gpuMsPerRedraw)} ms, renderer ${fmt(r.rendererMsPerRedraw)} ms (load ${loadAvg()})\n`,
  );
}

/** The browser's process id (its launcher's), once launched. */
let browserPid: number | null = null;

/** CPU ms so far by browser process type, or null when the browser's process is not known. */
function browserCpu(): Map<string, number> | null {
  return browserPid === null ? null : cpuByProcessType(browserPid);
}

/** CPU ms the browser's processes of `type` used between two readings (NaN if not known). */
function cpuMs(before: Map<string, number> | null, after: Map<string, number> | null, type: string): number {
  if (!before || !after) return Number.NaN;
  return cpuSince(before, after).get(type) ?? Number.NaN;
}

/** The machine's 1-minute load average (the machine may be shared: printed with each figure). */
function loadAvg(): string {
  return loadavg()[0]!.toFixed(1);
}

/** Starts the gateway fleet; `stop()` ends it (SIGTERM) and answers what it sent. */
function startLoad(brokerUrl: string, maxSeconds: number, cpu: number | null): { stop(): Promise<GatewayLoadResult> } {
  // Node itself, not the tsx command: tsx SIGKILLs a child that does not acknowledge the relayed
  // SIGTERM within about 30 ms (a busy publisher), and its last line, the result, is lost.
  const child = spawn(
    cpu === null ? process.execPath : 'taskset',
    [
      ...(cpu === null ? [] : ['-c', String(cpu), process.execPath]),
      '--import',
      'tsx',
      'simulations/bench/gateway-publisher.ts',
      JSON.stringify({
        brokerUrl,
        sensors: SENSORS,
        seconds: maxSeconds,
        packSize: 100,
        gateways: 1_000,
        alarmEvery: 20,
        periodS: PERIOD_S,
      } satisfies GatewayLoad),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  return {
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`gateway publisher exited with ${code}: ${err.slice(-1000)}`);
      return JSON.parse(out.trim().split('\n').at(-1)!) as GatewayLoadResult;
    },
  };
}

const CONSOLE_COUNTERS = `{
  deck: window.__citytwin.deckRenderCount(),
  deltas: window.__citytwin.streamCounters().deltasApplied,
  readings: window.__citytwin.streamCounters().readingsApplied,
  seq: window.__citytwin.lastSeq(),
  age: window.__citytwin.freshness().dataAgeMs ?? NaN,
}`;
const BARE_COUNTERS = `{
  deck: window.__bare.renders,
  deltas: window.__bare.deltas,
  readings: window.__bare.readings,
  seq: window.__bare.seq,
  age: Date.now() - window.__bare.dataTime,
}`;

/** Responses of 400 and over the tab got (method, status, URL, body), printed with each opening of the console. */
const httpErrors: string[] = [];

function watchResponses(page: Page): void {
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const head = `${r.status()} ${r.request().method()} ${r.url().slice(0, 160)}`;
    void r
      .text()
      .catch(() => '')
      .then((body) => httpErrors.push(`${head} ${body.slice(0, 200)}`));
  });
  page.on('requestfailed', (r) => httpErrors.push(`failed ${r.method()} ${r.url().slice(0, 160)}: ${r.failure()?.errorText ?? ''}`));
}

/** Signs in on the console's login page and waits for every sensor drawn (and deltas applied, unless `flowing` is false). */
async function signIn(page: Page, url: string, flowing = true): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-username').fill('admin');
  await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
  await page.getByTestId('login-submit').click();
  await consoleReady(page, flowing);
}

/**
 * BENCH_FPS_TRACE=1: the console's frames and deck.gl redraws over `seconds`, then a trace of
 * every thread of the browser over as long (browser-trace.ts).
 */
async function traceWindow(browser: Browser, page: Page, title: string, seconds: number): Promise<void> {
  const c = await countFrames(page, seconds, CONSOLE_COUNTERS);
  process.stdout.write(
    `    ${title}: ${fmt(c.fps, 1)} frames/s, ${fmt(c.deckFps, 1)} deck.gl redraws/s, ${fmt(c.deltasPerS, 1)} deltas/s (${fmt(c.readingsPerS)} readings/s)\n`,
  );
  printThreadUse(
    `${title}, every thread of the browser over ${seconds} s, busy share and self time by event:`,
    await traceAllThreads(browser, seconds),
  );
}

/** The console again (the session is kept), every sensor drawn and readings flowing. */
async function openConsole(page: Page, url: string, flowing = true): Promise<void> {
  // Not the load event: with the fleet saturating the server, the page's last resources can take
  // longer than a navigation timeout; the console being ready (below) is what counts.
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 180_000 });
  await consoleReady(page, flowing);
}

async function consoleReady(page: Page, flowing = true): Promise<void> {
  const t0 = Date.now();
  await page
    .waitForFunction((n) => window.__citytwin?.ready === true && window.__citytwin.drawnCount() >= n, SENSORS, {
      timeout: 180_000,
    })
    .finally(async () => {
      // How the opening went: how long, and what the stream did meanwhile.
      const state = await page
        .evaluate(() => ({ drawn: window.__citytwin?.drawnCount() ?? 0, counters: window.__citytwin?.streamCounters() ?? null }))
        .catch(() => null);
      process.stdout.write(`    console opened in ${fmt((Date.now() - t0) / 1000, 1)} s: ${JSON.stringify(state)}\n`);
      // Whether the server answered HTTP meanwhile (an opening that never connected: the server or the page?).
      const h0 = Date.now();
      const health = await fetch(new URL('/api/health', page.url()), { signal: AbortSignal.timeout(30_000) })
        .then((r) => `${r.status}`)
        .catch((e: Error) => e.name);
      process.stdout.write(`    server health: ${health} in ${fmt((Date.now() - h0) / 1000, 1)} s\n`);
      for (const e of httpErrors.splice(0)) process.stdout.write(`    response: ${e}\n`);
    });
  if (flowing) await readingsFlowing(page);
}

/** Readings flowing before counting: deltas arrive. */
async function readingsFlowing(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__citytwin!.streamCounters().deltasApplied > 10, undefined, { timeout: 120_000 });
  await caughtUp(page, 'console');
}

/**
 * Waits (at most CATCH_UP_MS) until the page's newest reading is at most CAUGHT_UP_MS old: a
 * window that starts while the server is still working off a backlog (the fleet's first
 * seconds, a minute's alarms) measures the backlog, not the page. Prints how long it took.
 */
async function caughtUp(page: Page, which: 'console' | 'bare'): Promise<void> {
  const t0 = Date.now();
  // Functions, not strings: the console's CSP allows no evaluation of strings.
  const waited =
    which === 'console'
      ? page.waitForFunction((max) => (window.__citytwin?.freshness().dataAgeMs ?? Number.POSITIVE_INFINITY) <= max, CAUGHT_UP_MS, {
          timeout: CATCH_UP_MS,
          polling: 250,
        })
      : page.waitForFunction(
          (max) => Date.now() - ((window as unknown as { __bare?: { dataTime: number } }).__bare?.dataTime ?? 0) <= max,
          CAUGHT_UP_MS,
          { timeout: CATCH_UP_MS, polling: 250 },
        );
  const ok = await waited.then(() => '').catch((err: Error) => err.message.split('\n')[0] ?? 'failed');
  // Fresh is not enough: after a stall (the page's opening costs the server a snapshot) the fleet
  // publishes what it owes with current times, and the page takes in more than the fleet's rate
  // until it has caught up. The window starts once 2 s take in within 20 % of that rate.
  const offered = SENSORS / PERIOD_S;
  const readings = () =>
    page.evaluate((w) => {
      const win = window as unknown as { __citytwin?: { streamCounters(): { readingsApplied: number } }; __bare?: { readings: number } };
      return w === 'console' ? (win.__citytwin?.streamCounters().readingsApplied ?? 0) : (win.__bare?.readings ?? 0);
    }, which);
  let rate = Number.NaN;
  for (let k = 0; k < STEADY_SAMPLES && ok === ''; k++) {
    const r0 = await readings();
    await new Promise((r) => setTimeout(r, 2_000));
    rate = ((await readings()) - r0) / 2;
    if (Math.abs(rate - offered) <= offered * MAX_INTAKE_GAP) break;
  }
  process.stdout.write(
    `    ${ok === '' ? 'caught up' : `still behind (${ok})`} after ${fmt((Date.now() - t0) / 1000, 1)} s (newest reading ≤ ${CAUGHT_UP_MS / 1000} s old; ` +
      `${fmt(rate)} readings/s taken in over the last 2 s against ${fmt(offered)} offered)\n`,
  );
}

/** The reference page, every sensor in its layer and (unless `flowing` is false) deltas arriving. */
async function openBare(page: Page, url: string, flowing = true): Promise<void> {
  await page.goto(new URL('/bench-bare/index.html', url).toString(), { waitUntil: 'domcontentloaded', timeout: 180_000 });
  await page
    .waitForFunction(
      (n) => {
        const bare = (window as unknown as { __bare?: { ready: boolean; sensors: number } }).__bare;
        return bare?.ready === true && bare.sensors >= n;
      },
      SENSORS,
      { timeout: 180_000 },
    )
    .catch(async (err: Error) => {
      const bare = await page.evaluate('JSON.stringify(window.__bare ?? null)').catch(() => 'not known');
      throw new Error(`${err.message.split('\n')[0]} (the bare page: ${String(bare)})`);
    });
  if (!flowing) return;
  await page.waitForFunction(() => (window as unknown as { __bare: { deltas: number } }).__bare.deltas > 10, undefined, {
    timeout: 120_000,
  });
  await caughtUp(page, 'bare');
}

/** One window's figures, printed as soon as it is measured (a later window that fails leaves them). */
function printWindow(k: number, w: { page: 'console' | 'bare'; counts: FrameCounts }): void {
  line(
    `window ${k}, ${w.page === 'bare' ? 'bare deck.gl' : 'console'}: frames / redraws per s`,
    `${fmt(w.counts.fps, 1)} / ${fmt(w.counts.deckFps, 1)}`,
    `(${fmt(w.counts.deltasPerS, 1)} deltas/s ${w.page === 'bare' ? 'received' : 'applied'} of ${fmt(w.counts.seqPerS, 1)} sent, ` +
      `${fmt(w.counts.readingsPerS)} readings/s, newest ${fmt(w.counts.dataAgeS, 1)} s old at the end; ` +
      `CPU: graphics process ${fmt(w.counts.gpuShare * 100)} %, renderers ${fmt(w.counts.rendererShare * 100)} % of a core; load ${loadAvg()})`,
    null,
  );
}

export async function consoleFpsRun(): Promise<void> {
  process.stdout.write(
    `\n16. The console with ${fmt(SENSORS)} live sensors, each reporting every ${fmt(PERIOD_S, PERIOD_S % 1 === 0 ? 0 : 1)} s, against bare deck.gl (console-fps-bench.ts)\n`,
  );
  if (!existsSync('/usr/bin/chromium') || !existsSync('dist/web/index.html')) {
    line('console frame rate', 'not measured', '(needs /usr/bin/chromium and npm run build:web)', null);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-fps-'));
  const bareDir = await buildBarePage();
  const mqttPort = await freePort();
  let app: Awaited<ReturnType<typeof startBenchCity>> | null = null;
  let load: ReturnType<typeof startLoad> | null = null;
  const { chromium } = await import('playwright-core');
  const { CHROMIUM, CHROMIUM_ARGS } = await import('../../test/support/browser.ts');
  // The reference page is served by the bench (route.fulfill), which Chromium's local network
  // access checks count as a public page reaching a loopback socket: they are off for this
  // browser, for both pages alike.
  // Pinned (BENCH_FPS_PIN, on unless 0): the server and the fleet on core 0, the browser on core 1 (cpu-pinning.ts).
  const pinned = process.env.BENCH_FPS_PIN !== '0' && canPin();
  process.stdout.write(
    pinned
      ? '    pinned: the server and the gateway fleet on CPU 0, the browser (every process of it) on CPU 1\n'
      : '    not pinned: the server, the fleet and the browser share the cores\n',
  );
  const launcherDir = mkdtempSync(join(tmpdir(), 'citytwin-fps-browser-'));
  const launcher = chromiumLauncher(launcherDir, CHROMIUM, pinned ? 1 : null);
  const browser = await chromium.launch({
    executablePath: launcher.executable,
    args: [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'],
  });
  const pageErrors: string[] = [];
  try {
    // Water levels (the fleet reports centimetres): every 20th sensor in alarm in even minutes.
    await writeRegistry(dir, SENSORS, 'water_level');
    browserPid = Number(readFileSync(launcher.pidFile, 'utf8').trim()) || null;
    app = await startBenchCity(dir, { CITYTWIN_MQTT_PORT: String(mqttPort), CITYTWIN_VIEWPORT_THRESHOLD: String(SENSORS * 2) }, 300_000);
    if (pinned) pinTree(app.child.pid!, 0);
    const url = app.url;
    const traced = Boolean(process.env.BENCH_FPS_TRACE);
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    watchResponses(page);
    await page.route('**/bench-bare/**', async (route) => {
      const path = new URL(route.request().url()).pathname.replace(/^\/bench-bare\//, '');
      const file = join(bareDir, path || 'index.html');
      if (!file.startsWith(bareDir) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({ status: 200, contentType: MIME[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
    });
    // Parts: one redraw's cost by part, nothing arriving (the fleet not started); then the console again.
    const parts = Boolean(process.env.BENCH_FPS_PARTS);
    if (parts) {
      await signIn(page, url, false);
      await redrawParts(page, url, 8);
      await openConsole(page, url, false);
    }
    // Traced: the console first with nothing arriving (the fleet not started), then streaming.
    if (traced) {
      if (!parts) await signIn(page, url, false);
      await traceWindow(browser, page, 'console, nothing arriving', 5);
    }
    // The load runs through both windows and the waits around them (stopped after the last).
    load = startLoad(`mqtt://127.0.0.1:${mqttPort}`, 900, pinned ? 0 : null);
    if (traced || parts) await readingsFlowing(page);
    else await signIn(page, url);
    const drawn = await page.evaluate(() => window.__citytwin!.drawnCount());
    if (process.env.BENCH_FPS_PROFILE) await printProfile(page, 5);
    if (traced) await traceWindow(browser, page, 'console, readings arriving', 5);
    // Alternating windows under the same load: console, bare, console, bare…
    const windows: { page: 'console' | 'bare'; counts: FrameCounts }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) await openConsole(page, url);
      windows.push({ page: 'console', counts: await countFrames(page, WINDOW_S, CONSOLE_COUNTERS) });
      printWindow(windows.length, windows.at(-1)!);
      await openBare(page, url);
      windows.push({ page: 'bare', counts: await countFrames(page, WINDOW_S, BARE_COUNTERS) });
      printWindow(windows.length, windows.at(-1)!);
    }
    const rss = rssMb(app.child.pid!);
    // The windows are measured: a publisher that does not report what it sent does not lose them.
    const sent = await load.stop().catch((err: Error) => err);

    line('sensors drawn by the console', fmt(drawn), `(${fmt(SENSORS)} bench sensors and the city's own; 1920×1080)`, drawn >= SENSORS);
    if (sent instanceof Error) line('readings published (QoS 1)', 'not known', `(${sent.message.slice(0, 80)})`, null);
    else
      line(
        'readings published (QoS 1)',
        fmt(sent.readings),
        `(${fmt(SENSORS / PERIOD_S)}/s offered for ${fmt(sent.elapsedMs / 1000)} s: ${fmt(sent.readings / (sent.elapsedMs / 1000))}/s taken; ${sent.errors} errors)`,
        sent.errors === 0,
      );
    const sum = (which: 'console' | 'bare', key: keyof FrameCounts) =>
      windows.filter((w) => w.page === which).reduce((n, w) => n + w.counts[key], 0);
    const ratio = sum('bare', 'fps') > 0 ? sum('console', 'fps') / sum('bare', 'fps') : 0;
    const deltaRatio = sum('bare', 'deltasPerS') > 0 ? sum('console', 'deltasPerS') / sum('bare', 'deltasPerS') : 0;
    const consoleReadings = sum('console', 'readingsPerS') / ROUNDS;
    const bareReadings = sum('bare', 'readingsPerS') / ROUNDS;
    // How far apart the two pages' intake was: |console − bare| over the larger of the two.
    const apart =
      Math.max(consoleReadings, bareReadings) > 0 ? Math.abs(consoleReadings - bareReadings) / Math.max(consoleReadings, bareReadings) : 1;
    // The reference page behind by more than MAX_BARE_AGE_S at a window's end: the server did not
    // keep up with the fleet, and both pages were fed a trickle — not the bench's 1 Hz case.
    const bareBehind = Math.max(...windows.filter((w) => w.page === 'bare').map((w) => w.counts.dataAgeS));
    const fed = bareBehind <= MAX_BARE_AGE_S;
    const comparable = apart <= MAX_INTAKE_GAP && fed;
    line('deltas/s, console ÷ bare', fmt(deltaRatio, 2), '', null);
    line(
      'readings/s taken in, console / bare (mean of the windows)',
      `${fmt(consoleReadings)} / ${fmt(bareReadings)}`,
      `(${fmt(apart * 100)} % apart; comparable within ${fmt(MAX_INTAKE_GAP * 100)} %)`,
      null,
    );
    if (comparable)
      line(
        `console frame rate ÷ bare deck.gl, ${ROUNDS} rounds of ${WINDOW_S} s`,
        fmt(ratio, 2),
        `target ≥ ${TARGET_RATIO}`,
        ratio >= TARGET_RATIO,
      );
    else
      line(
        `console frame rate ÷ bare deck.gl, ${ROUNDS} rounds of ${WINDOW_S} s`,
        fmt(ratio, 2),
        apart > MAX_INTAKE_GAP
          ? `no verdict: the pages took in readings ${fmt(apart * 100)} % apart (more than ${fmt(MAX_INTAKE_GAP * 100)} %)`
          : `no verdict: the bare page was ${fmt(bareBehind, 1)} s behind (more than ${MAX_BARE_AGE_S} s): the server did not keep up`,
        null,
      );
    line('server resident memory', `${fmt(rss)} MB`, '', null);
  } catch (err) {
    process.stdout.write(`  run 16 failed: ${(err as Error).message}\n${app?.output().slice(-2000) ?? ''}\n`);
    process.stdout.write(`  page errors: ${pageErrors.slice(0, 5).join(' | ') || 'none'}\n`);
    process.stdout.write(`  responses: ${httpErrors.slice(0, 10).join(' | ') || 'none of 400 or over'}\n`);
    throw err;
  } finally {
    await load?.stop().catch(() => undefined);
    await browser.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(launcherDir, { recursive: true, force: true });
    rmSync(bareDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await consoleFpsRun();
