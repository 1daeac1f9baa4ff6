/**
 * `validateCityPackage`: checks every file of a package and every reference between files,
 * and lists EVERY problem (not the first) with its file, line or feature index, field, value
 * and what is allowed. When there is no error it also returns the parsed package, which
 * `modelFromPackage` turns into the domain's CityModel. Pure: works on {@link PackageFiles}.
 *
 * The checks, in order: the file list; city.json (ids, IANA time zone); districts (their
 * bounding box, widened by {@link EXTENT_MARGIN_M}, is the city's extent every other position
 * must fall in; districts on both sides of ±180° longitude are refused); assets; roads (classes, referenced assets, a connected routing graph, one-way
 * traps); water; buildings; then the registers (check-registers.ts): vocabulary.json (SenML
 * units, no redefinition of v1 kinds); sources.csv; sensors.csv (kind known, source and asset
 * exist, external ids unique); units.csv (unit kinds, capabilities, stations); rules/. Files
 * are read through package-reader.ts.
 */
import type { Building } from '../city/city-types.ts';
import {
  checkKpiTargets,
  checkRules,
  checkSensors,
  checkSources,
  checkUnits,
  checkVocabulary,
  type PlaceChecks,
} from './check-registers.ts';
import { checkCentre, geographyOf, type Geography } from './check-geography.ts';
import { polygonsOf, positionsOf } from './geojson.ts';
import { checkCaseRouting } from './check-case-routing.ts';
import {
  ALARM_RULES_FILE,
  CASE_ROUTING_FILE,
  INCIDENT_RULES_DIR,
  PACKAGE_LAYOUT,
  type PackageFiles,
  isIgnorableFile,
} from './package-files.ts';
import { valueAt } from '../quote-value.ts';
import { PackageReader, Problems, nameOf } from './package-reader.ts';
import { emptySummary, type PackageProblem, type PackageReport, type PackageSummary } from './package-report.ts';
import {
  assetPropsSchema,
  buildingPropsSchema,
  cityJsonSchema,
  districtPropsSchema,
  roadPropsSchema,
  waterPropsSchema,
  type CityJson,
} from './package-schemas.ts';
import type { ParsedAsset, ParsedDistrict, ParsedPackage, ParsedWater } from './parsed-package.ts';
import { buildRoadNetwork, type RoadNetwork, type RoadSegment } from './road-network.ts';

export { EXTENT_MARGIN_M } from './check-geography.ts';

/** Whether a zone name is a valid IANA time zone (the ICU database of the runtime). */
export function isIanaTimeZone(zone: string): boolean {
  // Only names, not offsets like "+01:00" that some runtimes accept.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The file list: unknown files, missing required ones, a basemap inside a .zip. */
function checkFileList(pkg: PackageFiles, problems: Problems): void {
  for (const path of pkg.files.keys()) {
    if (Object.hasOwn(PACKAGE_LAYOUT, path) || path === ALARM_RULES_FILE || path === CASE_ROUTING_FILE) continue;
    if (path.startsWith(INCIDENT_RULES_DIR) && /^[^/]+\.json$/.test(path.slice(INCIDENT_RULES_DIR.length))) continue;
    if (path.startsWith('rules/')) {
      // A rule file the loader would not read is a rule silently not applied.
      problems.error(
        'unknown_file',
        path,
        {},
        `not a rule file of the format; allowed: ${ALARM_RULES_FILE}, ${CASE_ROUTING_FILE} and ${INCIDENT_RULES_DIR}<incident type>.json`,
      );
    } else if (!isIgnorableFile(path)) {
      problems.warn(
        'unknown_file',
        path,
        {},
        `not a file of the format (misspelt?); it is ignored. Files: ${Object.keys(PACKAGE_LAYOUT).join(', ')}, rules/, basemap.pmtiles`,
      );
    }
  }
  for (const [name, required] of Object.entries(PACKAGE_LAYOUT)) {
    if (required && !pkg.files.has(name)) problems.error('missing_file', name, {}, 'a required file of the package is missing');
  }
  if (pkg.basemap === 'zip')
    problems.warn(
      'basemap_in_zip',
      'basemap.pmtiles',
      {},
      'a basemap inside a .zip cannot be served by range requests; unzip the package to use it',
    );
}

/** city.json (its schema and IANA time zone); null when it cannot be used. */
function checkCityJson(reader: PackageReader): CityJson | null {
  const problems = reader.problems;
  let city: CityJson | null = null;
  const cityDoc = reader.json('city.json');
  if (cityDoc) {
    const r = cityJsonSchema.safeParse(cityDoc.doc);
    if (r.success) city = r.data;
    else {
      problems.issues('city.json', {}, r.error.issues, cityDoc.doc);
      // Keep going with what is valid: unknown keys alone do not stop the load.
      if (r.error.issues.every((i) => i.code === 'unrecognized_keys')) city = cityJsonSchema.strip().parse(cityDoc.doc);
    }
    const tz = valueAt(cityDoc.doc, ['timezone']);
    if (typeof tz === 'string' && tz.length > 0 && !isIanaTimeZone(tz)) {
      problems.error(
        'invalid_timezone',
        'city.json',
        {},
        'not an IANA time zone; use a name of the tz database such as "Europe/Vienna", "Asia/Shanghai" or "UTC"',
        'timezone',
        tz,
      );
      city = null;
    }
  }
  return city;
}

/** districts.geojson: unique ids, names, polygons. */
function readDistricts(reader: PackageReader): ParsedDistrict[] {
  const problems = reader.problems;
  const districts: ParsedDistrict[] = [];
  {
    const seen = new Map<string, number | string>();
    for (const f of reader.features('districts.geojson', ['Polygon', 'MultiPolygon'])) {
      const r = districtPropsSchema.safeParse(f.properties);
      if (!r.success) problems.issues('districts.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
      if (!r.success || !f.geometry) continue;
      if (!reader.checkUnique('districts.geojson', seen, r.data.id, { feature: f.index }, 'district')) continue;
      const d: ParsedDistrict = {
        feature: f.index,
        id: r.data.id,
        ...nameOf(r.data),
        polygons: polygonsOf(f.geometry),
        schematic: r.data.schematic ?? false,
      };
      if (r.data.seat) d.seat = r.data.seat;
      districts.push(d);
    }
  }
  return districts;
}

/** assets.geojson: unique ids, types, a known district (else the one at the point). */
function checkAssets(reader: PackageReader, geo: Geography): ParsedAsset[] {
  const { problems } = reader;
  const { districts, outside, districtAt: districtAtPoint } = geo;
  const assets: ParsedAsset[] = [];
  const assetById = new Map<string, ParsedAsset>();
  {
    const seen = new Map<string, number | string>();
    const districtIds = new Set(districts.map((d) => d.id));
    for (const f of reader.features('assets.geojson', ['Point'])) {
      const r = assetPropsSchema.safeParse(f.properties);
      if (!r.success) problems.issues('assets.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
      if (!r.success || f.geometry?.type !== 'Point') continue;
      if (!reader.checkUnique('assets.geojson', seen, r.data.id, { feature: f.index }, 'asset')) continue;
      const p = f.geometry.coordinates;
      outside('assets.geojson', { feature: f.index }, p, 'geometry.coordinates');
      let district = r.data.district ?? '';
      if (district && !districtIds.has(district)) {
        problems.error(
          'unknown_reference',
          'assets.geojson',
          { feature: f.index },
          'no district has this id in districts.geojson',
          'properties.district',
          district,
        );
      } else if (!district) {
        district = districtAtPoint(p);
        if (!district && districts.length > 0) {
          problems.warn(
            'outside_districts',
            'assets.geojson',
            { feature: f.index },
            'the asset is in no district; give properties.district or move it',
            'geometry.coordinates',
            p,
          );
        }
      }
      const asset: ParsedAsset = {
        feature: f.index,
        id: r.data.id,
        type: r.data.type,
        ...nameOf(r.data),
        lng: p[0],
        lat: p[1],
        district,
        synthetic: r.data.synthetic ?? false,
      };
      assets.push(asset);
      assetById.set(asset.id, asset);
    }
  }
  return assets;
}

/** roads.geojson: the segments, their classes, extent and referenced assets. */
function readRoads(reader: PackageReader, geo: Geography, assetById: ReadonlyMap<string, ParsedAsset>): RoadSegment[] {
  const { problems } = reader;
  const { outside } = geo;
  const roads: RoadSegment[] = [];
  for (const f of reader.features('roads.geojson', ['LineString'])) {
    const r = roadPropsSchema.safeParse(f.properties);
    if (!r.success) problems.issues('roads.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
    if (!r.success || f.geometry?.type !== 'LineString') continue;
    const coords = f.geometry.coordinates;
    for (const [i, p] of coords.entries()) {
      // One problem per segment is enough to find it.
      if (outside('roads.geojson', { feature: f.index }, p, `geometry.coordinates[${i}]`)) break;
    }
    const asset = r.data.asset ?? undefined;
    if (asset !== undefined && !assetById.has(asset)) {
      problems.error(
        'unknown_reference',
        'roads.geojson',
        { feature: f.index },
        'no asset has this id in assets.geojson',
        'properties.asset',
        asset,
      );
    }
    const segment: RoadSegment = {
      feature: f.index,
      id: r.data.id,
      roadClass: r.data.class,
      coords,
      oneway: r.data.oneway ?? false,
      bridge: r.data.bridge ?? false,
      tunnel: r.data.tunnel ?? false,
      ...nameOf({ name_zh: r.data.name_zh ?? '', name_en: r.data.name_en ?? '' }),
    };
    // Unnamed segments keep empty names (streets); nameOf would not invent one.
    segment.nameZh = r.data.name_zh?.trim() || r.data.name_en?.trim() || '';
    segment.nameEn = r.data.name_en?.trim() || r.data.name_zh?.trim() || '';
    if (r.data.speed_kmh !== null && r.data.speed_kmh !== undefined) segment.speedKmh = r.data.speed_kmh;
    if (asset !== undefined) segment.asset = asset;
    roads.push(segment);
  }
  return roads;
}

/** The routing graph of the roads: connected, no one-way traps, underpasses on a road. */
/** The files the roads step reads (the road lines, the assets they name, the districts' extent). */
const ROAD_STEP_FILES = ['districts.geojson', 'assets.geojson', 'roads.geojson'] as const;
const ROAD_STEP_SUMMARY = ['roadSegments', 'graphNodes', 'graphEdges', 'oneWayEdges', 'largestComponentNodes'] as const;

/**
 * The roads step of the last check, kept while the files it reads are the same bytes: a register
 * imported at run time is checked with the whole package, and reading a big street network and
 * building its graph again for every dry run would take most of its time. Its problems are given
 * again in their place. Nothing downstream changes the roads or the graph (read only).
 */
let lastRoads: {
  key: readonly (Uint8Array | undefined)[];
  roads: RoadSegment[];
  network: RoadNetwork;
  problems: PackageProblem[];
  summary: Pick<PackageSummary, (typeof ROAD_STEP_SUMMARY)[number]>;
} | null = null;

function roadsOf(
  pkg: PackageFiles,
  problems: Problems,
  summary: PackageSummary,
  compute: () => { roads: RoadSegment[]; network: RoadNetwork },
): { roads: RoadSegment[]; network: RoadNetwork } {
  const key = ROAD_STEP_FILES.map((f) => pkg.files.get(f));
  const last = lastRoads;
  if (last && key[2] !== undefined && key.every((b, i) => b === last.key[i])) {
    problems.list.push(...last.problems);
    Object.assign(summary, last.summary);
    return last;
  }
  const before = problems.list.length;
  const { roads, network } = compute();
  const kept = Object.fromEntries(ROAD_STEP_SUMMARY.map((k) => [k, summary[k]])) as NonNullable<typeof lastRoads>['summary'];
  lastRoads = { key, roads, network, problems: problems.list.slice(before), summary: kept };
  return { roads, network };
}

function checkRoadNetwork(
  pkg: PackageFiles,
  problems: Problems,
  roads: RoadSegment[],
  assets: ParsedAsset[],
  summary: PackageSummary,
): RoadNetwork {
  const underpassIds = new Set(assets.filter((a) => a.type === 'underpass').map((a) => a.id));
  const network = buildRoadNetwork(roads, underpassIds);
  summary.roadSegments = roads.length;
  summary.graphNodes = network.graph.nodes.length;
  summary.graphEdges = network.graph.edges.length;
  summary.oneWayEdges = network.graph.edges.filter((e) => e.oneway).length;
  summary.largestComponentNodes = network.largestComponentNodes;
  if (roads.length > 0 && network.graph.edges.length === 0) {
    problems.error('roads_disconnected', 'roads.geojson', {}, 'the roads form no routing graph at all (no line joins another)');
  }
  for (const si of network.disconnected) {
    const s = roads[si]!;
    problems.error(
      'roads_disconnected',
      'roads.geojson',
      { feature: s.feature },
      `the segment is not connected to the main road network (${network.largestComponentNodes} of ${network.graph.nodes.length} graph nodes); ` +
        'lines join only where they share a vertex with exactly equal coordinates',
      'properties.id',
      s.id,
    );
  }
  for (const si of network.oneWayTraps) {
    const s = roads[si]!;
    problems.warn(
      'road_oneway_trap',
      'roads.geojson',
      { feature: s.feature },
      'because of one-way segments, vehicles cannot drive from here back into the main network, or cannot get here from it; check the direction of `oneway` lines (drawn direction = driving direction)',
      'properties.id',
      s.id,
    );
  }
  const referenced = new Set(roads.map((s) => s.asset).filter((a): a is string => a !== undefined));
  for (const a of pkg.files.has('roads.geojson') ? assets : []) {
    if (a.type === 'underpass' && !referenced.has(a.id)) {
      problems.warn(
        'underpass_not_on_road',
        'assets.geojson',
        { feature: a.feature },
        'no road segment passes through this underpass (`asset` property), so routing cannot close it when it floods',
        'properties.id',
        a.id,
      );
    }
  }
  return network;
}

/** water.geojson: rivers and lakes. */
function readWater(reader: PackageReader): ParsedWater[] {
  const { problems } = reader;
  const water: ParsedWater[] = [];
  for (const f of reader.features('water.geojson', ['LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'])) {
    const r = waterPropsSchema.safeParse(f.properties);
    if (!r.success) problems.issues('water.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
    if (!r.success || !f.geometry) continue;
    const w: ParsedWater = { feature: f.index, kind: r.data.kind, ...nameOf(r.data), geometry: f.geometry };
    if (r.data.id) w.id = r.data.id;
    if (r.data.width_m) w.widthM = r.data.width_m;
    if (r.data.area_km2) w.areaKm2 = r.data.area_km2;
    water.push(w);
  }
  return water;
}

/** buildings.geojson: footprints with heights, inside the extent. */
function readBuildings(reader: PackageReader, outside: Geography['outside']): Building[] {
  const { problems } = reader;
  const buildings: Building[] = [];
  {
    const seen = new Map<string, number | string>();
    for (const f of reader.features('buildings.geojson', ['Polygon', 'MultiPolygon'])) {
      const r = buildingPropsSchema.safeParse(f.properties);
      if (!r.success) problems.issues('buildings.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
      if (!r.success || !f.geometry) continue;
      if (r.data.id && !reader.checkUnique('buildings.geojson', seen, r.data.id, { feature: f.index }, 'building')) continue;
      for (const [p, field] of positionsOf(f.geometry)) if (outside('buildings.geojson', { feature: f.index }, p, field)) break;
      const b: Building = { heightM: r.data.height_m, polygons: polygonsOf(f.geometry) };
      if (r.data.id) b.id = r.data.id;
      buildings.push(b);
    }
  }
  return buildings;
}

/** Checks a package; `parsed` is set when there is no error. */
export function validateCityPackage(pkg: PackageFiles): { report: PackageReport; parsed: ParsedPackage | null } {
  const problems = new Problems();
  const reader = new PackageReader(pkg, problems);
  const summary = emptySummary();
  checkFileList(pkg, problems);
  const city = checkCityJson(reader);
  const districts = readDistricts(reader);
  summary.districts = districts.length;
  const geo = geographyOf(problems, districts);
  const { extent, outside } = geo;
  checkCentre(problems, city, geo);
  const assets = checkAssets(reader, geo);
  summary.assets = assets.length;
  const assetById = new Map(assets.map((a) => [a.id, a]));
  const { roads, network } = roadsOf(pkg, problems, summary, () => {
    const roads = readRoads(reader, geo, assetById);
    return { roads, network: checkRoadNetwork(pkg, problems, roads, assets, summary) };
  });
  const water = readWater(reader);
  summary.waterFeatures = water.length;
  const buildings = readBuildings(reader, outside);
  summary.buildings = buildings.length;
  // --- The registers: vocabulary.json, sources.csv, sensors.csv, units.csv, rules/ ------------
  const vocabulary = checkVocabulary(reader);
  summary.declaredKinds = vocabulary.length;
  const declaredKinds = new Map(vocabulary.map((k) => [k.kind, k]));
  const places: PlaceChecks = {
    outside,
    districtAt: geo.districtAt,
    hasDistricts: districts.length > 0,
    assetIds: new Set(assetById.keys()),
  };
  const sources = checkSources(reader);
  summary.sources = sources.length;
  const sensors = checkSensors(reader, places, declaredKinds, new Set(sources.map((s) => s.id)));
  summary.sensors = sensors.length;
  const units = checkUnits(reader, places);
  summary.units = units.length;
  const rules = checkRules(reader, declaredKinds);
  const caseRouting = checkCaseRouting(
    reader,
    sources,
    districts.map((d) => d.id),
  );
  if (caseRouting !== undefined) rules.cases = caseRouting;

  const kpi = checkKpiTargets(reader);

  const ok = !problems.hasErrors;
  const report: PackageReport = { path: pkg.origin, ok, problems: problems.list, summary };
  if (!ok || !city || !extent) return { report, parsed: null };
  const parsed: ParsedPackage = {
    city,
    extent,
    districts,
    roads,
    network,
    water,
    assets,
    buildings,
    sources,
    sensors,
    units,
    vocabulary,
    rules,
  };
  if (kpi) parsed.kpi = kpi;
  if (pkg.basemap && pkg.basemap !== 'zip') parsed.basemapPath = pkg.basemap.path;
  return { report, parsed };
}
