/**
 * Bench run 13: starting on a city package (docs/city-packages.md, docs/benchmarks.md).
 *
 * 1. The default city: `citytwin all` (no simulator) on a fresh data directory, started
 *    as shipped — the generated Wuhan written as a package and loaded through the package
 *    loader — against the generated city built in memory as it was started before city packages
 *    (city-start-process.ts `generated`), alternately BENCH_CITY_ROUNDS times (default 3); then
 *    the package start again on its data directory (the package reused). Time from spawning the
 *    process to `GET /api/health` answering 200, medians; target: the package start within ±10 %
 *    of the baseline.
 * 2. A big package: a street grid of BENCH_CITY_SEGMENTS road segments (default 100,000) and
 *    BENCH_CITY_SENSORS sensors (default 100,000) written by grid-city-package.ts, `citytwin
 *    all` started on it with CITYTWIN_CITY: time to healthy (target ≤ 60 s) and the process's
 *    resident memory, then a restart on the same data directory (the registers unchanged).
 * 3. Registers at run time on that package: its whole sensors.csv (BENCH_CITY_SENSORS rows) with
 *    one sensor moved and one added, through `POST /api/register/imports` as a dry run and then
 *    applied — each request's time and the process's resident memory after it. Target: a dry run
 *    and an apply of 100,000 rows each ≤ 10 s (an admin waits on the answer; the whole package is
 *    checked and loaded again, as a start does in well under a minute).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePackageFiles } from '../../twin-model/city-package/index.ts';
import { gridCityFiles } from './grid-city-package.ts';
import { rssMb } from './scale-bench.ts';

const ROUNDS = Number(process.env.BENCH_CITY_ROUNDS ?? '3');
const SEGMENTS = Number(process.env.BENCH_CITY_SEGMENTS ?? '100000');
const SENSORS = Number(process.env.BENCH_CITY_SENSORS ?? '100000');
const RUNNER = join(import.meta.dirname, 'city-start-process.ts');
/** Longest wait for one start (a loaded machine). */
const START_TIMEOUT_MS = 600_000;

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function line(name: string, value: string, target: string, ok: boolean | null): void {
  const verdict = ok === null ? '' : ok ? '  ok' : '  BELOW TARGET';
  process.stdout.write(`  ${name.padEnd(52)} ${value.padStart(16)}   ${target}${verdict}\n`);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Started {
  child: ChildProcess;
  /** Seconds from spawning the process to the first 200 of /api/health. */
  healthyS: number;
  status: string;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `args` and waits until its console answers /api/health with 200. */
async function startUntilHealthy(args: string[], env: Record<string, string>): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: {
      ...process.env,
      CITYTWIN_HTTP_PORT: '0',
      CITYTWIN_MQTT_PORT: '0',
      CITYTWIN_SIMULATE: '0',
      CITYTWIN_LOG_LEVEL: 'warn',
      CITYTWIN_ADMIN_PASSWORD: 'bench-admin-password-1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  let url: string | null = null;
  let status = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`citytwin exited with ${child.exitCode}:\n${out}`);
    url ??= /CityTwin console: (\S+)/.exec(out)?.[1] ?? null;
    if (url) {
      const res = await fetch(new URL('/api/health', url)).catch(() => null);
      if (res?.status === 200) {
        status = ((await res.json()) as { status: string }).status;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!status) {
    child.kill('SIGKILL');
    throw new Error(`citytwin was not healthy within ${START_TIMEOUT_MS / 1000} s:\n${out}`);
  }
  const healthyS = (performance.now() - t0) / 1000;
  return {
    child,
    healthyS,
    status,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function timedStart(mode: 'package' | 'generated', dataDir: string): Promise<number> {
  const started = await startUntilHealthy([RUNNER, mode], { CITYTWIN_DATA_DIR: dataDir });
  await started.stop();
  return started.healthyS;
}

const BENCH_PASSWORD = 'bench-admin-password-1';

/** Part 3: the package's sensors.csv, one sensor moved and one added, dry-run and applied through the API. */
async function registerImportRun(pkg: string, dataDir: string): Promise<void> {
  const started = await startUntilHealthy(['bin/citytwin.ts', 'all'], {
    CITYTWIN_DATA_DIR: dataDir,
    CITYTWIN_CITY: pkg,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${process.env.BENCH_CITY_HEAP_MB ?? '4096'}`.trim(),
  });
  try {
    const base = /CityTwin console: (\S+)/.exec(started.output())![1]!;
    const login = await fetch(new URL('/api/auth/login', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: BENCH_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const rows = readFileSync(join(pkg, 'sensors.csv'), 'utf8').trimEnd().split('\n');
    // The second row moved by about 10 m; a copy of it under a new id added.
    const cells = rows[1]!.split(',');
    const moved = [...cells];
    moved[2] = String(Number(cells[2]) + 0.0001);
    rows[1] = moved.join(',');
    rows.push([`${cells[0]}-bench`, ...cells.slice(1)].join(','));
    const csv = `${rows.join('\n')}\n`;
    for (const dryRun of [true, false]) {
      const t0 = performance.now();
      const res = await fetch(new URL(`/api/register/imports?dryRun=${dryRun}`, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ entity: 'sensor', csv, reason: 'bench' }),
      });
      const body = (await res.json()) as { ok?: boolean; counts?: Record<string, number>; error?: string };
      const s = (performance.now() - t0) / 1000;
      const what = dryRun ? 'dry run' : 'apply';
      const counts = body.counts ? `+${body.counts.added} ~${body.counts.moved}` : (body.error ?? String(res.status));
      line(
        `sensors.csv of ${fmt(rows.length - 1)} rows: ${what}`,
        `${fmt(s, 1)} s`,
        `target ≤ 10 s: ratio ${fmt(s / 10, 2)} (${counts})`,
        res.ok && s <= 10,
      );
      line(`sensors.csv of ${fmt(rows.length - 1)} rows: memory after the ${what}`, `${fmt(rssMb(started.child.pid!))} MB`, '', null);
    }
  } finally {
    await started.stop();
  }
}

export async function cityStartRun(): Promise<void> {
  process.stdout.write('\n13. Starting on a city package (city-start-bench.ts)\n');
  const root = mkdtempSync(join(tmpdir(), 'citytwin-city-start-'));
  try {
    // 1. The default Wuhan: as a package against the generated city in memory.
    const generated: number[] = [];
    const written: number[] = [];
    const reused: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      generated.push(await timedStart('generated', join(root, `generated-${r}`)));
      const dir = join(root, `package-${r}`);
      written.push(await timedStart('package', dir));
      reused.push(await timedStart('package', dir));
    }
    // BENCH_CITY_ROUNDS=0 leaves this part out.
    if (ROUNDS > 0) {
      const base = median(generated);
      line(
        'Wuhan generated in memory (before packages)',
        `${fmt(base, 2)} s`,
        `(median of ${ROUNDS}: ${generated.map((s) => fmt(s, 2)).join(', ')})`,
        null,
      );
      for (const [name, runs] of [
        ['Wuhan as a package, written now', written],
        ['Wuhan as a package, reused', reused],
      ] as const) {
        const ratio = median(runs) / base;
        line(
          name,
          `${fmt(median(runs), 2)} s`,
          `target within ±10 % of the baseline: ratio ${fmt(ratio, 2)} (${runs.map((s) => fmt(s, 2)).join(', ')})`,
          ratio >= 0.9 && ratio <= 1.1,
        );
      }
    }

    // 2. A big package.
    const pkg = join(root, 'gridtown');
    const t0 = performance.now();
    writePackageFiles(pkg, gridCityFiles({ segments: SEGMENTS, sensors: SENSORS }));
    line('grid package written', `${fmt(SEGMENTS)} roads`, `${fmt(SENSORS)} sensors (${fmt((performance.now() - t0) / 1000, 1)} s)`, null);
    const dataDir = join(root, 'gridtown-data');
    for (const [name, what] of [
      ['first start (registers applied)', 'first'],
      ['restart (registers unchanged)', 'again'],
    ] as const) {
      const started = await startUntilHealthy(['bin/citytwin.ts', 'all'], {
        CITYTWIN_DATA_DIR: dataDir,
        CITYTWIN_CITY: pkg,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${process.env.BENCH_CITY_HEAP_MB ?? '4096'}`.trim(),
      });
      const rss = rssMb(started.child.pid!);
      await started.stop();
      line(
        `${name}: to healthy`,
        `${fmt(started.healthyS, 1)} s`,
        `target ≤ 60 s: ratio ${fmt(started.healthyS / 60, 2)} (health ${started.status})`,
        started.healthyS <= 60,
      );
      line(`${name}: memory`, `${fmt(rss)} MB`, what === 'first' ? '(process and its children, once healthy)' : '', null);
    }
    await registerImportRun(pkg, dataDir);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await cityStartRun();
