/**
 * `generateCity`: the deterministic generator of the schematic, offline Wuhan city model.
 *
 * The geography (outline, 13 districts, functional zones, Yangtze and Han, lakes, bridges,
 * tunnels, rings and arterials) is hand-drawn, identical for every seed and built once per
 * process; the seed drives the
 * street graph, the underpasses, the synthetic assets and the sensor sites. Pure: no clock,
 * no `Math.random()`, no I/O — the same options always give the same model.
 */
import type { CityModel, GenerateCityOptions, Landmark } from './city-types.ts';
import { geography } from './city-geography.ts';
import { generatedProjection } from './geometry.ts';
import { buildRoadGraph } from './road-graph.ts';
import { createSiteEnv, markUnderpasses, placeAssets } from './city-sites.ts';
import { placeSensorSites } from './sensor-sites.ts';
import { citySources } from './city-sources.ts';
import { LANDMARK_SPECS } from './wuhan-geography.ts';
import { createRandom } from '../random.ts';

/** Seed used when none is given. */
export const DEFAULT_CITY_SEED = 2026;
/** Sensor sites generated when no count is given. */
export const DEFAULT_SENSOR_COUNT = 3000;
/** Upper bound on `sensorCount` (the generator's spacing rules are tuned up to this). */
export const MAX_SENSOR_COUNT = 20_000;

/**
 * Generates the schematic city model.
 *
 * @param options.seed - any 32-bit integer; @default 2026
 * @param options.sensorCount - number of sensor sites spread over all sensor kinds (every kind
 *   gets at least one when the count is at least the number of kinds); @default 3000
 * @throws RangeError when an option is not an integer in range.
 */
export function generateCity(options: GenerateCityOptions = {}): CityModel {
  const seed = options.seed ?? DEFAULT_CITY_SEED;
  const sensorCount = options.sensorCount ?? DEFAULT_SENSOR_COUNT;
  if (!Number.isInteger(seed) || seed < -0x8000_0000 || seed > 0xffff_ffff) {
    throw new RangeError(`generateCity: seed must be a 32-bit integer, got ${String(seed)}`);
  }
  if (!Number.isInteger(sensorCount) || sensorCount < 0 || sensorCount > MAX_SENSOR_COUNT) {
    throw new RangeError(`generateCity: sensorCount must be an integer from 0 to ${MAX_SENSOR_COUNT}, got ${String(sensorCount)}`);
  }
  const rnd = createRandom(seed);
  const geo = geography();
  const built = buildRoadGraph(
    geo,
    rnd.fork('road-graph'),
    LANDMARK_SPECS.map((l) => l.at),
  );
  const env = createSiteEnv(geo, built);
  const underpasses = markUnderpasses(env, rnd.fork('underpasses'));
  const assets = placeAssets(env, underpasses, rnd.fork('assets'));
  const sensorSites = placeSensorSites(env, assets, sensorCount, rnd.fork('sensor-sites'));
  const landmarks: Landmark[] = LANDMARK_SPECS.map((l) => ({
    id: l.id,
    nameZh: l.nameZh,
    nameEn: l.nameEn,
    lng: l.at[0],
    lat: l.at[1],
  }));
  const [w, s, e, n] = geo.outlineIndex.bbox;
  return {
    seed,
    bbox: [w, s, e, n],
    // Copies: the geography is shared between calls, the model is the caller's to keep.
    outline: structuredClone(geo.outline),
    districts: structuredClone(geo.districts),
    zones: structuredClone(geo.zones),
    rivers: structuredClone(geo.rivers),
    lakes: structuredClone(geo.lakes),
    roads: structuredClone(geo.trunk.map((t) => t.road)),
    graph: built.graph,
    assets,
    sources: citySources(),
    sensorSites,
    landmarks,
    source: 'generated',
    id: 'wuhan',
    name: { zh: '武汉（示意）', en: 'Wuhan (schematic)' },
    timezone: 'Asia/Shanghai',
    // The Yangtze–Han confluence; zoom 10 shows the central districts.
    center: [114.3, 30.6],
    zoom: 10,
    // Summer storms over the core between Hankou and Wuchang, where most underpasses lie.
    storms: { centre: [114.3, 30.58], area: [114.2, 30.5, 114.42, 30.66] },
    // Measured in the generator's own projection (base-map labels, scenario jitter), as drawn.
    projection: generatedProjection(),
  };
}
