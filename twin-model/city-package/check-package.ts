/**
 * `validateCityPackage`: checks every file of a package and every reference between files,
 * and lists EVERY problem (not the first) with its file, line or feature index, field, value
 * and what is allowed. When there is no error it also returns the parsed package, which
 * `modelFromPackage` turns into the domain's CityModel. Pure: works on {@link PackageFiles}.
 *
 * The checks, in order: the file list; city.json (ids, IANA time zone); districts (their
 * bounding box, widened by {@link EXTENT_MARGIN_M}, is the city's extent every other position
 * must fall in); assets; roads (classes, referenced assets, a connected routing graph, one-way
 * traps); water; buildings; vocabulary.json (SenML units, no redefinition of v1 kinds);
 * sources.csv; sensors.csv (kind known, source and asset exist, external ids unique);
 * units.csv (unit kinds, capabilities, stations); rules/.
 */
import type { z } from 'zod';
import type { Building, CityRules, DeclaredSensorKind, LngLat, PolygonRings, Source, UnitRecord } from '../city/city-types.ts';
import { PolygonIndex } from '../city/index.ts';
import { incidentRuleSchema } from '../incidents/incident-rules.ts';
import { isSenmlUnit } from '../senml-units.ts';
import { KIND_METRICS, METRIC_UNITS, SENSOR_KINDS, isMetricName, isSensorKind } from '../vocabulary.ts';
import { decodeUtf8, parseCsv } from './csv.ts';
import { type Geometry, type GeometryType, polygonsOf, positionsOf, readFeatureCollection, readGeometry } from './geojson.ts';
import {
  ALARM_RULES_FILE,
  INCIDENT_RULES_DIR,
  PACKAGE_LAYOUT,
  type PackageFileName,
  type PackageFiles,
  isIgnorableFile,
} from './package-files.ts';
import { type PackageProblem, type PackageReport, type PackageSummary, type ProblemCode, quoteValue } from './package-report.ts';
import {
  SENSOR_COLUMNS,
  SOURCE_COLUMNS,
  UNIT_COLUMNS,
  alarmRulesSchema,
  assetPropsSchema,
  buildingPropsSchema,
  cityJsonSchema,
  districtPropsSchema,
  roadPropsSchema,
  sensorRowSchema,
  sourceRowSchema,
  unitRowSchema,
  vocabularySchema,
  waterPropsSchema,
  type CityJson,
} from './package-schemas.ts';
import { buildRoadNetwork, type RoadNetwork, type RoadSegment } from './road-network.ts';

/** Positions may lie this far outside the districts' bounding box (roads leaving town, a gauge upstream). */
export const EXTENT_MARGIN_M = 1000;

export interface ParsedDistrict {
  feature: number;
  id: string;
  nameZh: string;
  nameEn: string;
  polygons: PolygonRings[];
  schematic: boolean;
  seat?: LngLat;
}

export interface ParsedWater {
  feature: number;
  kind: string;
  id?: string;
  nameZh: string;
  nameEn: string;
  widthM?: number;
  areaKm2?: number;
  geometry: Geometry;
}

export interface ParsedAsset {
  feature: number;
  id: string;
  type: string;
  nameZh: string;
  nameEn: string;
  lng: number;
  lat: number;
  /** The district given, or the one containing the point ('' when none does). */
  district: string;
  synthetic: boolean;
}

export interface ParsedSensor {
  line: number;
  id: string;
  kind: string;
  lng: number;
  lat: number;
  source: string;
  nameZh: string;
  nameEn: string;
  asset?: string;
  externalIds: string[];
  lowness?: number;
  /** District containing the sensor ('' when none does). */
  district: string;
}

/** A package that passed the check, ready to become a model. */
export interface ParsedPackage {
  city: CityJson;
  /** The districts' bounding box `[west, south, east, north]`. */
  extent: [number, number, number, number];
  districts: ParsedDistrict[];
  roads: RoadSegment[];
  network: RoadNetwork;
  water: ParsedWater[];
  assets: ParsedAsset[];
  buildings: Building[];
  sources: Source[];
  sensors: ParsedSensor[];
  units: UnitRecord[];
  vocabulary: DeclaredSensorKind[];
  rules: CityRules;
  basemapPath?: string;
}

type Where = { line?: number; feature?: number };

class Problems {
  readonly list: PackageProblem[] = [];

  add(
    severity: PackageProblem['severity'],
    code: ProblemCode,
    file: string,
    where: Where,
    message: string,
    field?: string,
    value?: unknown,
  ): void {
    const p: PackageProblem = { severity, code, file, message };
    if (where.line !== undefined) p.line = where.line;
    if (where.feature !== undefined) p.feature = where.feature;
    if (field !== undefined) p.field = field;
    const quoted = quoteValue(value);
    if (quoted !== undefined) p.value = quoted;
    this.list.push(p);
  }

  error(code: ProblemCode, file: string, where: Where, message: string, field?: string, value?: unknown): void {
    this.add('error', code, file, where, message, field, value);
  }

  warn(code: ProblemCode, file: string, where: Where, message: string, field?: string, value?: unknown): void {
    this.add('warning', code, file, where, message, field, value);
  }

  /** zod issues of one record or feature; unknown keys become warnings. */
  issues(
    file: string,
    where: Where,
    issues: readonly z.core.$ZodIssue[],
    input: unknown,
    prefix = '',
    code: ProblemCode = 'invalid_value',
    skip?: ReadonlySet<string>,
  ): void {
    for (const issue of issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          this.warn(
            'unknown_property',
            file,
            where,
            'not part of the format (a misspelt name?); it is ignored',
            prefix + [...issue.path, key].join('.'),
          );
        continue;
      }
      const head = issue.path[0];
      if (skip && typeof head === 'string' && skip.has(head)) continue;
      // A CSV record's problem names the column and quotes the whole field as written.
      const path = where.line !== undefined && head !== undefined ? [head] : issue.path;
      this.error(code, file, where, issue.message, prefix + path.map(String).join('.') || undefined, valueAt(input, path));
    }
  }

  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error');
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

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

/** The extent widened by a margin in metres. */
function widen(bbox: [number, number, number, number], marginM: number): [number, number, number, number] {
  const [w, s, e, n] = bbox;
  const dLat = marginM / 111_132;
  const dLng = marginM / (111_320 * Math.max(0.01, Math.cos((((s + n) / 2) * Math.PI) / 180)));
  return [w - dLng, s - dLat, e + dLng, n + dLat];
}

const inBox = (b: readonly number[], p: LngLat): boolean => p[0] >= b[0]! && p[0] <= b[2]! && p[1] >= b[1]! && p[1] <= b[3]!;

function nameOf(p: { name_zh?: string | null | undefined; name_en?: string | null | undefined }): { nameZh: string; nameEn: string } {
  const zh = p.name_zh?.trim() ?? '';
  const en = p.name_en?.trim() ?? '';
  return { nameZh: zh || en, nameEn: en || zh };
}

/** Checks a package; `parsed` is set when there is no error. */
export function validateCityPackage(pkg: PackageFiles): { report: PackageReport; parsed: ParsedPackage | null } {
  const problems = new Problems();
  const summary: PackageSummary = {
    districts: 0,
    roadSegments: 0,
    graphNodes: 0,
    graphEdges: 0,
    oneWayEdges: 0,
    largestComponentNodes: 0,
    assets: 0,
    buildings: 0,
    waterFeatures: 0,
    sources: 0,
    sensors: 0,
    units: 0,
    declaredKinds: 0,
  };

  // --- The file list -----------------------------------------------------------------------
  for (const path of pkg.files.keys()) {
    if (Object.hasOwn(PACKAGE_LAYOUT, path) || path === ALARM_RULES_FILE) continue;
    if (path.startsWith(INCIDENT_RULES_DIR) && /^[^/]+\.json$/.test(path.slice(INCIDENT_RULES_DIR.length))) continue;
    if (path.startsWith('rules/')) {
      // A rule file the loader would not read is a rule silently not applied.
      problems.error(
        'unknown_file',
        path,
        {},
        `not a rule file of the format; allowed: ${ALARM_RULES_FILE} and ${INCIDENT_RULES_DIR}<incident type>.json`,
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

  const json = (file: string): { doc: unknown } | null => {
    const bytes = pkg.files.get(file);
    if (!bytes) return null;
    const { text, problem } = decodeUtf8(bytes);
    if (problem) {
      problems.error('csv_encoding', file, { line: problem.line }, problem.message);
      return null;
    }
    try {
      return { doc: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown };
    } catch (err) {
      const message = (err as Error).message;
      const at = /position (\d+)/.exec(message);
      const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
      problems.error('invalid_json', file, line !== undefined ? { line } : {}, `not valid JSON: ${message}`);
      return null;
    }
  };

  // --- city.json -----------------------------------------------------------------------------
  let city: CityJson | null = null;
  const cityDoc = json('city.json');
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

  const features = (
    file: string,
    allowed: readonly GeometryType[],
  ): Array<{ index: number; properties: Record<string, unknown>; geometry?: Geometry }> => {
    const doc = json(file);
    if (!doc) return [];
    const fc = readFeatureCollection(doc.doc);
    if ('code' in fc) {
      problems.error(fc.code, file, {}, fc.message, fc.field, fc.value);
      return [];
    }
    for (const { index, issue } of fc.featureIssues)
      problems.error(issue.code, file, { feature: index }, issue.message, issue.field, issue.value);
    return fc.features.map((f) => {
      const g = readGeometry(f.geometry, allowed);
      for (const issue of g.issues) problems.error(issue.code, file, { feature: f.index }, issue.message, issue.field, issue.value);
      return g.geometry ? { index: f.index, properties: f.properties, geometry: g.geometry } : { index: f.index, properties: f.properties };
    });
  };

  const checkUnique = (file: string, seen: Map<string, number | string>, id: string, where: Where, what: string): boolean => {
    const first = seen.get(id);
    if (first !== undefined) {
      problems.error(
        'duplicate_id',
        file,
        where,
        `${what} ids must be unique; first used at ${typeof first === 'number' ? `feature ${first}` : first}`,
        'id',
        id,
      );
      return false;
    }
    seen.set(id, where.feature ?? `line ${where.line}`);
    return true;
  };

  // --- districts.geojson: also the city's extent --------------------------------------------
  const districts: ParsedDistrict[] = [];
  {
    const seen = new Map<string, number | string>();
    for (const f of features('districts.geojson', ['Polygon', 'MultiPolygon'])) {
      const r = districtPropsSchema.safeParse(f.properties);
      if (!r.success) problems.issues('districts.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
      if (!r.success || !f.geometry) continue;
      if (!checkUnique('districts.geojson', seen, r.data.id, { feature: f.index }, 'district')) continue;
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
  summary.districts = districts.length;
  let extent: [number, number, number, number] | null = null;
  for (const d of districts) {
    for (const poly of d.polygons) {
      for (const [lng, lat] of poly[0] ?? []) {
        extent = extent
          ? [Math.min(extent[0], lng), Math.min(extent[1], lat), Math.max(extent[2], lng), Math.max(extent[3], lat)]
          : [lng, lat, lng, lat];
      }
    }
  }
  const box = extent ? widen(extent, EXTENT_MARGIN_M) : null;
  const extentRule = extent
    ? `inside the city's extent: the districts' bounding box ${extent.map((v) => v.toFixed(5)).join(', ')} (west, south, east, north) widened by ${EXTENT_MARGIN_M} m`
    : '';
  const outside = (file: string, where: Where, p: LngLat, field: string): boolean => {
    if (!box || inBox(box, p)) return false;
    problems.error('outside_extent', file, where, `${extentRule} (longitude first)`, field, p);
    return true;
  };
  const districtIndexes = districts.map((d) => new PolygonIndex(d.polygons));
  const districtAtPoint = (p: LngLat): string => {
    const k = districtIndexes.findIndex((index) => index.contains(p[0], p[1]));
    return k >= 0 ? districts[k]!.id : '';
  };
  if (city && extent && !inBox(extent, city.center)) {
    problems.error(
      'outside_extent',
      'city.json',
      {},
      `the map centre must be inside the districts' bounding box ${extent.map((v) => v.toFixed(5)).join(', ')}`,
      'center',
      city.center,
    );
  }

  // --- assets.geojson ------------------------------------------------------------------------
  const assets: ParsedAsset[] = [];
  const assetById = new Map<string, ParsedAsset>();
  {
    const seen = new Map<string, number | string>();
    const districtIds = new Set(districts.map((d) => d.id));
    for (const f of features('assets.geojson', ['Point'])) {
      const r = assetPropsSchema.safeParse(f.properties);
      if (!r.success) problems.issues('assets.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
      if (!r.success || f.geometry?.type !== 'Point') continue;
      if (!checkUnique('assets.geojson', seen, r.data.id, { feature: f.index }, 'asset')) continue;
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
  summary.assets = assets.length;

  // --- roads.geojson: the routing graph ------------------------------------------------------
  const roads: RoadSegment[] = [];
  for (const f of features('roads.geojson', ['LineString'])) {
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

  // --- water.geojson, buildings.geojson ------------------------------------------------------
  const water: ParsedWater[] = [];
  for (const f of features('water.geojson', ['LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'])) {
    const r = waterPropsSchema.safeParse(f.properties);
    if (!r.success) problems.issues('water.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
    if (!r.success || !f.geometry) continue;
    const w: ParsedWater = { feature: f.index, kind: r.data.kind, ...nameOf(r.data), geometry: f.geometry };
    if (r.data.id) w.id = r.data.id;
    if (r.data.width_m) w.widthM = r.data.width_m;
    if (r.data.area_km2) w.areaKm2 = r.data.area_km2;
    water.push(w);
  }
  summary.waterFeatures = water.length;

  const buildings: Building[] = [];
  {
    const seen = new Map<string, number | string>();
    for (const f of features('buildings.geojson', ['Polygon', 'MultiPolygon'])) {
      const r = buildingPropsSchema.safeParse(f.properties);
      if (!r.success) problems.issues('buildings.geojson', { feature: f.index }, r.error.issues, f.properties, 'properties.');
      if (!r.success || !f.geometry) continue;
      if (r.data.id && !checkUnique('buildings.geojson', seen, r.data.id, { feature: f.index }, 'building')) continue;
      for (const [p, field] of positionsOf(f.geometry)) if (outside('buildings.geojson', { feature: f.index }, p, field)) break;
      const b: Building = { heightM: r.data.height_m, polygons: polygonsOf(f.geometry) };
      if (r.data.id) b.id = r.data.id;
      buildings.push(b);
    }
  }
  summary.buildings = buildings.length;

  // --- vocabulary.json -----------------------------------------------------------------------
  const vocabulary: DeclaredSensorKind[] = [];
  const vocabDoc = json('vocabulary.json');
  if (vocabDoc) {
    const r = vocabularySchema.safeParse(vocabDoc.doc);
    if (!r.success) problems.issues('vocabulary.json', {}, r.error.issues, vocabDoc.doc);
    else {
      const seen = new Set<string>();
      r.data.kinds.forEach((k, i) => {
        const at = `kinds.${i}`;
        let ok = true;
        if (isSensorKind(k.kind)) {
          problems.error(
            'vocabulary_redefines_v1',
            'vocabulary.json',
            {},
            `${k.kind} is a v1 kind; v1 kinds keep their metrics and units (contracts.md): declare a new kind name`,
            `${at}.kind`,
            k.kind,
          );
          ok = false;
        } else if (seen.has(k.kind)) {
          problems.error('duplicate_id', 'vocabulary.json', {}, 'the kind is declared twice', `${at}.kind`, k.kind);
          ok = false;
        }
        seen.add(k.kind);
        for (const [metric, unit] of Object.entries(k.metrics)) {
          if (isMetricName(metric) && METRIC_UNITS[metric] !== unit) {
            problems.error(
              'vocabulary_redefines_v1',
              'vocabulary.json',
              {},
              `${metric} is a v1 metric in ${METRIC_UNITS[metric]}; keep its unit or choose a new metric name`,
              `${at}.metrics.${metric}`,
              unit,
            );
            ok = false;
          } else if (!isMetricName(metric) && !isSenmlUnit(unit)) {
            problems.error(
              'invalid_senml_unit',
              'vocabulary.json',
              {},
              'not a unit of the SenML registries (RFC 8428 §12.1, RFC 8798); e.g. Cel, m, cm, Pa, hPa, %RH, dB, ug/m3, count, /',
              `${at}.metrics.${metric}`,
              unit,
            );
            ok = false;
          }
        }
        if (ok) vocabulary.push({ kind: k.kind, label: { zh: k.label.zh, en: k.label.en }, metrics: { ...k.metrics } });
      });
    }
  }
  summary.declaredKinds = vocabulary.length;
  const declaredKinds = new Map(vocabulary.map((k) => [k.kind, k]));

  // --- CSV files -----------------------------------------------------------------------------
  const csv = (
    file: PackageFileName,
    columns: { required: readonly string[]; optional: readonly string[] },
  ): { rows: Array<{ line: number; values: Record<string, string> }>; missing: Set<string> } | null => {
    const bytes = pkg.files.get(file);
    if (!bytes) return null;
    const { text, problem } = decodeUtf8(bytes);
    if (problem) problems.error(problem.code, file, { line: problem.line }, problem.message);
    const table = parseCsv(text);
    for (const p of table.problems) problems.error(p.code, file, { line: p.line }, p.message, undefined, p.value);
    const missing = new Set(columns.required.filter((c) => !table.header.includes(c)));
    for (const c of missing)
      problems.error(
        'missing_column',
        file,
        { line: 1 },
        `the header needs the column "${c}"; columns: ${columns.required.join(',')} (then optional ${columns.optional.join(', ')})`,
        c,
      );
    const known = new Set<string>([...columns.required, ...columns.optional]);
    for (const c of table.header)
      if (c !== '' && !known.has(c) && !missing.has(c))
        problems.warn('unknown_column', file, { line: 1 }, `not a column of ${file} (misspelt?); it is ignored`, c);
    const rows = table.rows.map((r) => ({ line: r.line, values: Object.fromEntries(table.header.map((h, i) => [h, r.fields[i] ?? ''])) }));
    return { rows, missing };
  };

  const sources: Source[] = [];
  const sourceIds = new Set<string>();
  const sourceLines = new Map<string, number>();
  {
    const t = csv('sources.csv', SOURCE_COLUMNS);
    const seen = new Map<string, number | string>();
    for (const row of t?.rows ?? []) {
      const r = sourceRowSchema.safeParse(row.values);
      if (!r.success) problems.issues('sources.csv', { line: row.line }, r.error.issues, row.values, '', 'invalid_value', t!.missing);
      if (!r.success || !checkUnique('sources.csv', seen, r.data.id, { line: row.line }, 'source')) continue;
      const names = nameOf(r.data);
      sources.push({
        id: r.data.id,
        ...names,
        departmentZh: r.data.department,
        departmentEn: r.data.department_en || r.data.department,
        classification: r.data.classification,
        ...(r.data.event_sources.length > 0 ? { eventSources: r.data.event_sources } : {}),
      });
      sourceIds.add(r.data.id);
      sourceLines.set(r.data.id, row.line);
    }
    // A report's `{source}` must pick one classification: an event source name belongs to one
    // source and is no other source's id.
    const owners = new Map<string, string>(sources.map((s) => [s.id, s.id]));
    for (const s of sources) {
      for (const alias of s.eventSources ?? []) {
        const owner = owners.get(alias);
        if (owner !== undefined && owner !== s.id)
          problems.error(
            'duplicate_event_source',
            'sources.csv',
            { line: sourceLines.get(s.id)! },
            `the name is already ${owner === alias ? 'the id' : 'an event source name'} of source ${owner}; a report's source must pick one classification`,
            'event_sources',
            alias,
          );
        else owners.set(alias, s.id);
      }
    }
  }
  summary.sources = sources.length;

  const sensors: ParsedSensor[] = [];
  {
    const t = csv('sensors.csv', SENSOR_COLUMNS);
    const seen = new Map<string, number | string>();
    const externalSeen = new Map<string, number>();
    const kindsRule = `allowed: the v1 kinds ${SENSOR_KINDS.join(', ')}${declaredKinds.size > 0 ? `, or one declared in vocabulary.json (${[...declaredKinds.keys()].join(', ')})` : ', or a kind declared in vocabulary.json'}`;
    for (const row of t?.rows ?? []) {
      const r = sensorRowSchema.safeParse(row.values);
      if (!r.success) problems.issues('sensors.csv', { line: row.line }, r.error.issues, row.values, '', 'invalid_value', t!.missing);
      if (!r.success || !checkUnique('sensors.csv', seen, r.data.id, { line: row.line }, 'sensor')) continue;
      const s = r.data;
      const where = { line: row.line };
      let ok = true;
      if (!isSensorKind(s.kind) && !declaredKinds.has(s.kind)) {
        problems.error('unknown_sensor_kind', 'sensors.csv', where, `unknown sensor kind; ${kindsRule}`, 'kind', s.kind);
        ok = false;
      }
      if (!sourceIds.has(s.source) && pkg.files.has('sources.csv')) {
        problems.error('unknown_reference', 'sensors.csv', where, 'no source has this id in sources.csv', 'source', s.source);
        ok = false;
      }
      if (s.asset !== undefined && !assetById.has(s.asset)) {
        problems.error('unknown_reference', 'sensors.csv', where, 'no asset has this id in assets.geojson', 'asset', s.asset);
        ok = false;
      }
      const p: LngLat = [s.lng, s.lat];
      if (outside('sensors.csv', where, p, 'lng,lat')) ok = false;
      for (const x of s.external_ids) {
        const first = externalSeen.get(x);
        if (first !== undefined) {
          problems.error(
            'duplicate_external_id',
            'sensors.csv',
            where,
            `the external id is already the name of the sensor on line ${first}; a device name must pick one sensor`,
            'external_ids',
            x,
          );
          ok = false;
        } else externalSeen.set(x, row.line);
      }
      const district = districtAtPoint(p);
      if (!district && districts.length > 0 && ok)
        problems.warn(
          'outside_districts',
          'sensors.csv',
          where,
          'the sensor is in no district (its readings count for no district)',
          'lng,lat',
          p,
        );
      if (!ok) continue;
      const sensor: ParsedSensor = {
        line: row.line,
        id: s.id,
        kind: s.kind,
        lng: s.lng,
        lat: s.lat,
        source: s.source,
        ...nameOf(s),
        externalIds: s.external_ids,
        district,
      };
      if (s.asset !== undefined) sensor.asset = s.asset;
      if (s.lowness !== undefined) sensor.lowness = s.lowness;
      sensors.push(sensor);
    }
  }
  summary.sensors = sensors.length;

  const units: UnitRecord[] = [];
  {
    const t = csv('units.csv', UNIT_COLUMNS);
    const seen = new Map<string, number | string>();
    for (const row of t?.rows ?? []) {
      const r = unitRowSchema.safeParse(row.values);
      if (!r.success) problems.issues('units.csv', { line: row.line }, r.error.issues, row.values, '', 'invalid_value', t!.missing);
      if (!r.success || !checkUnique('units.csv', seen, r.data.id, { line: row.line }, 'unit')) continue;
      const u = r.data;
      const where = { line: row.line };
      let ok = !outside('units.csv', where, [u.lng, u.lat], 'lng,lat');
      if (u.station !== undefined && !assetById.has(u.station)) {
        problems.error('unknown_reference', 'units.csv', where, 'no asset has this id in assets.geojson', 'station', u.station);
        ok = false;
      }
      if (!ok) continue;
      const unit: UnitRecord = { id: u.id, kind: u.kind, ...nameOf(u), lng: u.lng, lat: u.lat, capabilities: u.capabilities };
      if (u.station !== undefined) unit.stationId = u.station;
      if (u.shift !== undefined) {
        const [start, end] = u.shift.split('-').map(Number) as [number, number];
        unit.shift = { startHour: start, endHour: end };
      }
      units.push(unit);
    }
  }
  summary.units = units.length;

  // --- rules/ --------------------------------------------------------------------------------
  const rules: CityRules = {};
  const alarmDoc = json(ALARM_RULES_FILE);
  if (alarmDoc) {
    const r = alarmRulesSchema.safeParse(alarmDoc.doc);
    if (!r.success) problems.issues(ALARM_RULES_FILE, {}, r.error.issues, alarmDoc.doc, '', 'invalid_rule');
    else {
      let ok = true;
      for (const [kind, rule] of Object.entries(r.data)) {
        const metrics: readonly string[] | undefined = isSensorKind(kind)
          ? KIND_METRICS[kind]
          : declaredKinds.has(kind)
            ? Object.keys(declaredKinds.get(kind)!.metrics)
            : undefined;
        if (!metrics) {
          problems.error(
            'unknown_sensor_kind',
            ALARM_RULES_FILE,
            {},
            'rules for an unknown sensor kind; a v1 kind or one declared in vocabulary.json',
            kind,
          );
          ok = false;
          continue;
        }
        rule.metrics.forEach((m, i) => {
          if (!metrics.includes(m.metric)) {
            problems.error(
              'invalid_rule',
              ALARM_RULES_FILE,
              {},
              `not a metric of ${kind}; allowed: ${metrics.join(', ')}`,
              `${kind}.metrics.${i}.metric`,
              m.metric,
            );
            ok = false;
          }
        });
      }
      if (ok) rules.alarms = r.data;
    }
  }
  const incidentDocs: Record<string, unknown> = {};
  const incidentTypes = new Map<string, string>();
  for (const file of [...pkg.files.keys()].filter((f) => f.startsWith(INCIDENT_RULES_DIR) && f.endsWith('.json')).sort()) {
    const doc = json(file);
    if (!doc) continue;
    const r = incidentRuleSchema.safeParse(doc.doc);
    if (!r.success) {
      problems.issues(file, {}, r.error.issues, doc.doc, '', 'invalid_rule');
      continue;
    }
    const first = incidentTypes.get(r.data.type);
    if (first) {
      problems.error(
        'invalid_rule',
        file,
        {},
        `a second rule for incident type ${r.data.type} (the first is ${first})`,
        'type',
        r.data.type,
      );
      continue;
    }
    incidentTypes.set(r.data.type, file);
    incidentDocs[file.slice(INCIDENT_RULES_DIR.length)] = doc.doc;
  }
  if (Object.keys(incidentDocs).length > 0) rules.incidents = incidentDocs;

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
  if (pkg.basemap && pkg.basemap !== 'zip') parsed.basemapPath = pkg.basemap.path;
  return { report, parsed };
}
