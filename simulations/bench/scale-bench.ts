/**
 * Bench run 10: the console with BENCH_SCALE_SENSORS (default 1,000,000) registered sensors
 * (docs/scale.md, docs/benchmarks.md).
 *
 * 1. The registry is written straight into the embedded ClickHouse `sensors` table of a fresh
 *    data directory: positions scattered around the generated city's sensor sites (so the
 *    density follows the city), kinds and sources from those sites, every 20th sensor with its
 *    own classification.
 * 2. `citytwin all` starts on that directory in its own process (no simulator): the twin loads
 *    the registry from ClickHouse at start. Start-up time and the process's resident memory are
 *    measured.
 * 3. `GET /api/sensors/aggregate` over ≥ 200 random viewports at zooms 9–13 (a 1280×800 map):
 *    p50/p95/p99 from the twin's grid (target p95 ≤ 300 ms), and over fewer viewports from the
 *    ClickHouse registry (`source=registry`).
 * 4. The socket: time from `viewport` to `cells` (zoomed out) and to the viewport's snapshot
 *    (zoomed in).
 * 5. Headless Chromium (when /usr/bin/chromium and a built console exist): sign-in page to the
 *    first cells drawn.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { percentile } from '../../ingest/index.ts';
import { createClickHouse, runMigrations } from '../../storage/index.ts';
import { generateCity } from '../../twin-model/city/index.ts';
import type { CellsMessage, SnapshotMessage } from '../../web/shared/protocol.ts';
import { BENCH_ADMIN_PASSWORD as ADMIN_PASSWORD, benchHeapNodeOptions, SEED, startBenchCity } from './bench-city.ts';
import { lcg } from './grid-city-package.ts';

const SENSORS = Number(process.env.BENCH_SCALE_SENSORS ?? '1000000');
const VIEWPORTS = Number(process.env.BENCH_SCALE_VIEWPORTS ?? '240');

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function line(name: string, value: string, target: string, ok: boolean | null): void {
  const verdict = ok === null ? '' : ok ? '  ok' : '  BELOW TARGET';
  process.stdout.write(`  ${name.padEnd(52)} ${value.padStart(16)}   ${target}${verdict}\n`);
}

/**
 * Writes `n` registry rows (`big-0 …`) into the `sensors` table of the embedded engine at
 * `dataDir`; every sensor of `kind` when given, else of its site's kind.
 */
export async function writeRegistry(dataDir: string, n: number, kind?: string): Promise<number> {
  const client = createClickHouse({ url: null, dataDir });
  await runMigrations(client);
  const city = generateCity({ seed: SEED, sensorCount: 20_000 });
  const sites = city.sensorSites;
  const r = lcg(7);
  const classes = ['public', 'internal', 'sensitive'];
  const started = performance.now();
  const now = Date.now();
  const BATCH = 100_000;
  for (let from = 0; from < n; from += BATCH) {
    const rows: unknown[][] = [];
    for (let i = from; i < Math.min(n, from + BATCH); i++) {
      const site = sites[i % sites.length]!;
      // Within ≈1 km of a site: the city's density, not a uniform square.
      const lng = site.lng + (r() - 0.5) * 0.02;
      const lat = site.lat + (r() - 0.5) * 0.016;
      const own = i % 20 === 0 ? classes[i % 3]! : '';
      rows.push([`big-${i}`, kind ?? site.kind, lng, lat, '', '', site.district ?? '', site.sourceId ?? '', own, 0, now]);
    }
    await client.insert({ table: 'sensors', values: rows, format: 'JSONCompactEachRow' });
  }
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  return seconds;
}

/** Resident memory of `pid` and its descendants (tsx runs the product in a child node process). */
export function rssMb(pid: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  let kb = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
    todo.push(...(children.get(p) ?? []));
  }
  return kb / 1024;
}

/** The bbox a 1280×800 map shows at `zoom` around (lng, lat). */
export function viewAt(lng: number, lat: number, zoom: number): [number, number, number, number] {
  const degPerPx = 360 / (256 * 2 ** zoom);
  const halfW = 640 * degPerPx;
  const halfH = 400 * degPerPx * Math.cos((lat * Math.PI) / 180);
  return [lng - halfW, lat - halfH, lng + halfW, lat + halfH];
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

export async function scaleRun(): Promise<void> {
  process.stdout.write(`\n10. The console with ${fmt(SENSORS)} registered sensors (scale-bench.ts)\n`);
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-scale-'));
  let app: Awaited<ReturnType<typeof startBenchCity>> | null = null;
  try {
    const insertS = await writeRegistry(dir, SENSORS);
    line('registry rows written to ClickHouse', fmt(SENSORS), `(${fmt(insertS, 1)} s, ${fmt(SENSORS / insertS)} rows/s)`, null);

    const t0 = performance.now();
    app = await startBenchCity(dir, { NODE_OPTIONS: benchHeapNodeOptions() }, 600_000);
    const startS = (performance.now() - t0) / 1000;
    const url = app.url;
    const pid = app.child.pid!;
    line('start-up, registry loaded into the twin', `${fmt(startS, 1)} s`, '(process start to console URL)', null);
    const login = await fetch(new URL('/api/auth/login', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const get = async (path: string): Promise<CellsMessage> => {
      // A keep-alive connection the server closed while idle fails once: ask again on a new one.
      const res = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } }).catch(() =>
        fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } }),
      );
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as CellsMessage;
    };
    // The first delta indexes the registry into the grid: wait until the whole city is counted.
    const city: [number, number, number, number] = [113.6, 29.9, 115.2, 31.5];
    const deadline = Date.now() + 120_000;
    let whole = await get(`/api/sensors/aggregate?bbox=${city.join(',')}&zoom=7`);
    while (whole.total < SENSORS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      whole = await get(`/api/sensors/aggregate?bbox=${city.join(',')}&zoom=7`);
    }
    line('sensors counted by the grid (whole city)', fmt(whole.total), `(of ${fmt(SENSORS)} registered)`, whole.total === SENSORS);
    line('server resident memory', `${fmt(rssMb(pid))} MB`, '(whole process: engine, twin, grid)', null);

    const r = lcg(99);
    const sites = generateCity({ seed: SEED, sensorCount: 20_000 }).sensorSites;
    const views = Array.from({ length: VIEWPORTS }, () => {
      const site = sites[Math.floor(r() * sites.length)]!;
      const zoom = 9 + r() * 4;
      return { bbox: viewAt(site.lng, site.lat, zoom), zoom };
    });
    const twinMs: number[] = [];
    let cellsSeen = 0;
    for (const v of views) {
      const [answer, ms] = await timed(() =>
        get(`/api/sensors/aggregate?bbox=${v.bbox.map((x) => x.toFixed(5)).join(',')}&zoom=${v.zoom.toFixed(2)}`),
      );
      twinMs.push(ms);
      cellsSeen += answer.cells.length;
    }
    const p95 = percentile(twinMs, 0.95);
    line(
      `aggregate route, ${VIEWPORTS} viewports z9–13, p50`,
      `${fmt(percentile(twinMs, 0.5), 1)} ms`,
      `(${fmt(cellsSeen / VIEWPORTS)} cells per answer)`,
      null,
    );
    line('aggregate route p95', `${fmt(p95, 1)} ms`, '(target ≤ 300 ms)', p95 <= 300);
    line('aggregate route p99', `${fmt(percentile(twinMs, 0.99), 1)} ms`, '', null);

    const regMs: number[] = [];
    for (const v of views.slice(0, 40)) {
      const [, ms] = await timed(() =>
        get(`/api/sensors/aggregate?bbox=${v.bbox.map((x) => x.toFixed(5)).join(',')}&zoom=${v.zoom.toFixed(2)}&source=registry`),
      );
      regMs.push(ms);
    }
    line(
      'registry aggregate from ClickHouse (40), p50',
      `${fmt(percentile(regMs, 0.5), 1)} ms`,
      '(source=registry: counts without states)',
      null,
    );
    line('registry aggregate from ClickHouse p95', `${fmt(percentile(regMs, 0.95), 1)} ms`, '', null);

    // The socket: viewport → cells, viewport → points.
    const socket = connectSocket(url, { transports: ['websocket'], auth: { token } });
    const snapshots: SnapshotMessage[] = [];
    const cells: CellsMessage[] = [];
    socket.on('connect', () => socket.emit('resume', { epoch: null, lastSeq: null }));
    socket.on('snapshot', (s: SnapshotMessage) => snapshots.push(s));
    socket.on('cells', (c: CellsMessage) => cells.push(c));
    const until = async (check: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!check() && Date.now() < end) await new Promise((res) => setTimeout(res, 2));
      return check();
    };
    await until(() => snapshots.length > 0, 30_000);
    line(
      'first answer to resume',
      snapshots[0]?.scope === 'viewport' ? 'viewport table' : 'whole table',
      '(above the threshold: no full snapshot)',
      snapshots[0]?.scope === 'viewport' && snapshots[0].sensors.length === 0,
    );
    const centre = sites[0]!;
    const cellMs: number[] = [];
    const pointMs: number[] = [];
    const pointCounts: number[] = [];
    for (let k = 0; k < 20; k++) {
      const s = sites[Math.floor(r() * sites.length)]!;
      const before = cells.length;
      let t = performance.now();
      socket.emit('viewport', { bbox: viewAt(s.lng, s.lat, 10), zoom: 10 });
      if (await until(() => cells.length > before, 10_000)) cellMs.push(performance.now() - t);
      const snaps = snapshots.length;
      t = performance.now();
      socket.emit('viewport', { bbox: viewAt(s.lng, s.lat, 15), zoom: 15 });
      if (await until(() => snapshots.length > snaps, 10_000)) {
        pointMs.push(performance.now() - t);
        pointCounts.push(snapshots.at(-1)!.sensors.length);
      }
    }
    socket.close();
    line(
      'socket viewport → cells (z10), p50',
      `${fmt(percentile(cellMs, 0.5), 1)} ms`,
      `(p95 ${fmt(percentile(cellMs, 0.95), 1)} ms)`,
      null,
    );
    line(
      'socket viewport → points snapshot (z15), p50',
      `${fmt(percentile(pointMs, 0.5), 1)} ms`,
      `(p95 ${fmt(percentile(pointMs, 0.95), 1)} ms; ${fmt(percentile(pointCounts, 0.5))} sensors in view)`,
      null,
    );
    void centre;

    await browserFirstCells(url);
    line('server resident memory after the runs', `${fmt(rssMb(pid))} MB`, '', null);
  } catch (err) {
    process.stdout.write(`  run 10 failed: ${(err as Error).message}\n${app?.output().slice(-2000) ?? ''}\n`);
    throw err;
  } finally {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sign-in page → first cells drawn, in headless Chromium; skipped (and said so) without a browser or a built console. */
async function browserFirstCells(url: string): Promise<void> {
  if (!existsSync('/usr/bin/chromium') || !existsSync('dist/web/index.html')) {
    line('Chromium: time to first cells', 'not measured', '(needs /usr/bin/chromium and npm run build:web)', null);
    return;
  }
  const { launchChromium } = await import('../../test/support/browser.ts');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    const t0 = performance.now();
    await page.getByTestId('login-submit').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="scale-mode"]')?.getAttribute('data-mode') === 'cells',
      undefined,
      { timeout: 60_000 },
    );
    const frames = await page.evaluate(() =>
      (window as unknown as { __citytwin: { deckRenderCount(): number } }).__citytwin.deckRenderCount(),
    );
    await page.waitForFunction(
      (f) => (window as unknown as { __citytwin: { deckRenderCount(): number } }).__citytwin.deckRenderCount() > f,
      frames,
      { timeout: 30_000 },
    );
    const ms = performance.now() - t0;
    const shown = await page.getByTestId('scale-mode').getAttribute('data-total');
    line('Chromium: sign-in to first cells drawn', `${fmt(ms)} ms`, `(${fmt(Number(shown))} sensors in view as cells)`, null);
    await page.screenshot({ path: 'test-results/scale-bench-cells.png' });
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await scaleRun();
