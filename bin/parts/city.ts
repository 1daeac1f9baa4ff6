/**
 * The city the product runs: a city package (CITYTWIN_CITY, a folder or `.zip`) loaded through
 * `loadCityPackage`, or — without it — the generated schematic Wuhan WRITTEN as a package into
 * the data directory (`<data dir>/city/wuhan-<seed>-<sensors>/`, rewritten only when what the
 * generator writes differs) and loaded through the same loader. A package with any error stops
 * start-up with one report listing every problem (`CityPackageError`), before anything starts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { cityBasemap, generateCity } from '../../twin-model/city/index.ts';
import { cityPackageFiles, loadCityPackage, writePackageFiles } from '../../twin-model/city-package/index.ts';
import { generateFleet } from '../../twin-model/dispatch/index.ts';
import type { CityBasemap, CityModel } from '../../twin-model/index.ts';
import type { CityTwinConfig } from '../config.ts';
import { type PartContext, partLog } from './context.ts';

export interface CityPart {
  model: CityModel;
  basemap: () => CityBasemap | null;
  /** The package the city was loaded from (a folder or `.zip`). */
  packagePath: string;
  /** How the package was found: given (CITYTWIN_CITY), written now (the default city), or reused as written before. */
  origin: 'configured' | 'written' | 'reused';
  /** Milliseconds spent reading, checking and building the city (and writing the default package). */
  loadMs: number;
}

/** Where the default city's package lives in the data directory. */
export function defaultCityDir(config: Pick<CityTwinConfig, 'dataDir' | 'citySeed' | 'sensorCount'>): string {
  return join(config.dataDir, 'city', `wuhan-${config.citySeed}-${config.sensorCount}`);
}

/**
 * The city part of a role, first of all its parts: nothing has started when a bad package
 * throws. Logs what was loaded.
 */
export function startCity(ctx: PartContext): CityPart {
  const city = ctx.hooks.city ? ctx.hooks.city(ctx.config) : cityModel(ctx.config);
  const m = city.model;
  const units = m.units?.length ?? 0;
  const sensors = m.sensorSites.length + (m.declaredSensorSites?.length ?? 0);
  partLog(ctx, 'city')(
    'info',
    `city ${m.id ?? '(unnamed)'} "${m.name?.en ?? ''}" (${m.timezone ?? 'no time zone'}) from ${city.packagePath} (${city.origin}, ${city.loadMs} ms): ${m.districts.length} districts, ${m.graph.edges.length} road edges, ${sensors} sensors, ${units} units, ${m.sources.length} sources`,
  );
  return city;
}

/**
 * The city of this start: CITYTWIN_CITY's package, else the generated default written as a
 * package and loaded back. Throws `CityPackageError` (its report lists every problem) for a
 * package that cannot be loaded.
 */
export function cityModel(config: CityTwinConfig): CityPart {
  const started = performance.now();
  if (config.cityPackage) {
    const model = loadCityPackage(config.cityPackage);
    return part(model, config.cityPackage, 'configured', started);
  }
  const generated = generateCity({ seed: config.citySeed, sensorCount: config.sensorCount });
  const dir = defaultCityDir(config);
  const written = writeIfChanged(dir, cityPackageFiles(generated, { fleet: generateFleet(generated) }));
  const model = loadCityPackage(dir);
  // What the format does not carry, kept from the generator: the functional zones and landmark
  // labels (drawn on the base map) and the hand-drawn outline (which the package's union of
  // districts and water matches on 99.7 % of the city: docs/city-packages.md).
  model.zones = generated.zones;
  if (generated.landmarks) model.landmarks = generated.landmarks;
  model.outline = generated.outline;
  return part(model, dir, written ? 'written' : 'reused', started);
}

/**
 * The generated city as started before city packages (no package written or read): the
 * start-up bench's baseline.
 */
export function generatedCityPart(config: CityTwinConfig): CityPart {
  const started = performance.now();
  const model = generateCity({ seed: config.citySeed, sensorCount: config.sensorCount });
  return part(model, '(generated in memory)', 'written', started);
}

function part(model: CityModel, packagePath: string, origin: CityPart['origin'], started: number): CityPart {
  let basemap: CityBasemap | null = null;
  return {
    model,
    packagePath,
    origin,
    loadMs: Math.round(performance.now() - started),
    basemap: () => {
      if (!basemap) basemap = cityBasemap(model);
      return basemap;
    },
  };
}

/** Every file under `dir` (forward-slash paths), or null when `dir` does not exist. */
function filesUnder(dir: string): Map<string, Buffer> | null {
  if (!existsSync(dir)) return null;
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.set(relative(dir, full).split(sep).join('/'), readFileSync(full));
    }
  };
  walk(dir);
  return out;
}

/**
 * Writes `files` as the package folder `dir` unless it already holds exactly them (same paths,
 * same bytes). A changed package is written beside and swapped in, so a crash mid-write never
 * leaves half a package. Returns whether it wrote.
 */
function writeIfChanged(dir: string, files: ReadonlyMap<string, string>): boolean {
  const present = filesUnder(dir);
  if (present && present.size === files.size) {
    let same = true;
    for (const [path, text] of files) {
      const have = present.get(path);
      if (!have?.equals(Buffer.from(text))) {
        same = false;
        break;
      }
    }
    if (same) return false;
  }
  const target = resolve(dir);
  const next = `${target}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  writePackageFiles(next, files);
  if (existsSync(target) && statSync(target).isDirectory()) {
    const old = `${target}.old-${process.pid}`;
    renameSync(target, old);
    renameSync(next, target);
    rmSync(old, { recursive: true, force: true });
  } else {
    mkdirSync(resolve(target, '..'), { recursive: true });
    renameSync(next, target);
  }
  return true;
}
