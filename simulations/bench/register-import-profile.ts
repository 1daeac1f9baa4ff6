/**
 * The dry run of a register import without the server: a grid package of BENCH_CITY_SENSORS
 * sensors (default 100,000) written by grid-city-package.ts, its sensors.csv with one sensor
 * moved and one added checked against the stored register (checkRegisterImport, what
 * `POST /api/register/imports` runs before storage), timed per step, with the resident memory.
 * For profiling: `node --cpu-prof --import tsx simulations/bench/register-import-profile.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkRegisterImport,
  modelFromPackage,
  readPackageFiles,
  validateCityPackage,
  writePackageFiles,
} from '../../twin-model/city-package/index.ts';
import { registerOf } from '../../twin-model/index.ts';
import { gridCityFiles } from './grid-city-package.ts';

const SENSORS = Number(process.env.BENCH_CITY_SENSORS ?? '100000');
const SEGMENTS = Number(process.env.BENCH_CITY_SEGMENTS ?? '100000');

function step<T>(name: string, f: () => T): T {
  const t0 = performance.now();
  const out = f();
  const rss = process.memoryUsage().rss / 2 ** 20;
  process.stdout.write(`  ${name.padEnd(44)} ${((performance.now() - t0) / 1000).toFixed(2).padStart(7)} s   rss ${rss.toFixed(0)} MB\n`);
  return out;
}

const root = mkdtempSync(join(tmpdir(), 'citytwin-import-profile-'));
try {
  const pkg = join(root, 'gridtown');
  step('package written', () => writePackageFiles(pkg, gridCityFiles({ segments: SEGMENTS, sensors: SENSORS })));
  const files = step('package read', () => readPackageFiles(pkg));
  const model = step('package checked and loaded (as at start)', () => modelFromPackage(validateCityPackage(files).parsed!));
  const stored = registerOf(model).map((e) => ({ ...e, retired: false, updatedAt: 0 }));
  const rows = new TextDecoder().decode(files.files.get('sensors.csv')!).trimEnd().split('\n');
  const cells = rows[1]!.split(',');
  rows[1] = [cells[0], cells[1], String(Number(cells[2]) + 0.0001), ...cells.slice(3)].join(',');
  rows.push([`${cells[0]}-bench`, ...cells.slice(1)].join(','));
  const csv = `${rows.join('\n')}\n`;
  for (const round of [1, 2]) {
    const check = step(`dry run of ${rows.length - 1} rows (round ${round})`, () =>
      checkRegisterImport(files, 'sensor', csv, stored, model),
    );
    if (!check.ok) throw new Error(`refused: ${JSON.stringify(check.problems.slice(0, 3))}`);
    process.stdout.write(`    counts ${JSON.stringify(check.counts?.sensor)}\n`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
