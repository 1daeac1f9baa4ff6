/**
 * Writes imported layers as a city package folder (city-packages.md): city.json, the GeoJSON
 * layers (RFC 7946 FeatureCollections, one feature per line so large layers are written as a
 * stream and diff well), sources.csv with one public source (the OpenStreetMap data itself),
 * and header-only sensors.csv and units.csv for the city to fill in.
 *
 * The import's only writer to the file system.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CityPackageLayers, Feature } from './osm-package-types.ts';

/** CSV headers of the city-package contract (RFC 4180, UTF-8). */
export const SOURCES_CSV_HEADER = 'id,name_zh,name_en,department,classification';
export const SENSORS_CSV_HEADER = 'id,kind,lng,lat,source,name_zh,name_en,asset,external_ids';
export const UNITS_CSV_HEADER = 'id,kind,lng,lat,name_zh,name_en,capabilities';
/** The one source every imported package starts with; ODbL asks that the data be attributed. */
export const OSM_SOURCE_ROW = 'openstreetmap,开放街道地图,OpenStreetMap,"© OpenStreetMap contributors, ODbL 1.0",public';

/** The files written, in order. */
export const PACKAGE_FILES = [
  'city.json',
  'districts.geojson',
  'roads.geojson',
  'water.geojson',
  'assets.geojson',
  'buildings.geojson',
  'sources.csv',
  'sensors.csv',
  'units.csv',
] as const;

/** Thrown when the output folder cannot be used; the message names it. */
export class PackageWriteError extends Error {}

/**
 * Writes the package into `dir` (created if missing). A folder that already holds files is
 * refused unless `overwrite` is set, so an import never mixes into another package.
 */
export async function writeCityPackage(dir: string, layers: CityPackageLayers, options: { overwrite?: boolean } = {}): Promise<string[]> {
  await checkOutputFolder(dir, options.overwrite ?? false);
  await mkdir(dir, { recursive: true });
  await writeText(join(dir, 'city.json'), `${JSON.stringify(layers.city, null, 2)}\n`);
  await writeFeatures(join(dir, 'districts.geojson'), layers.districts);
  await writeFeatures(join(dir, 'roads.geojson'), layers.roads);
  await writeFeatures(join(dir, 'water.geojson'), layers.water);
  await writeFeatures(join(dir, 'assets.geojson'), layers.assets);
  await writeFeatures(join(dir, 'buildings.geojson'), layers.buildings);
  await writeText(join(dir, 'sources.csv'), `${SOURCES_CSV_HEADER}\n${OSM_SOURCE_ROW}\n`);
  await writeText(join(dir, 'sensors.csv'), `${SENSORS_CSV_HEADER}\n`);
  await writeText(join(dir, 'units.csv'), `${UNITS_CSV_HEADER}\n`);
  return PACKAGE_FILES.map((f) => join(dir, f));
}

/**
 * Refuses a folder that already holds files (unless `overwrite`) or a path that is a file;
 * a folder that does not exist yet is fine. Call it before a long import to fail early.
 */
export async function checkOutputFolder(dir: string, overwrite: boolean): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info) return;
  if (!info.isDirectory()) throw new PackageWriteError(`output ${JSON.stringify(dir)} is a file; give a folder for the city package`);
  const existing = await readdir(dir);
  if (existing.length > 0 && !overwrite) {
    throw new PackageWriteError(
      `output folder ${JSON.stringify(dir)} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}); choose an empty or new folder, or pass --force to overwrite`,
    );
  }
}

/** Writes beside the target and renames, so a reader never sees half a file. */
async function writeText(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, 'utf8');
  await rename(`${path}.tmp`, path);
}

async function writeFeatures(path: string, features: readonly Feature<object>[]): Promise<void> {
  const out = createWriteStream(`${path}.tmp`, { encoding: 'utf8' });
  const failed = once(out, 'error').then(([err]) => {
    throw err as Error;
  });
  failed.catch(() => undefined); // observed by the races below; never an unhandled rejection
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  await write('{"type":"FeatureCollection","features":[');
  for (let i = 0; i < features.length; i++) await write(`${i === 0 ? '\n' : ',\n'}${JSON.stringify(features[i])}`);
  await write('\n]}\n');
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  await rename(`${path}.tmp`, path);
}
