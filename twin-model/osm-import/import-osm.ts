/**
 * OpenStreetMap → city package layers (docs/osm-import.md). Reads the source in three passes
 * so that only what the package needs is ever held in memory:
 *   1. relations: administrative boundaries and multipolygons (water, buildings, assets);
 *   2. ways: highways, waterways, water areas, buildings, assets, and the member ways of the
 *      relations kept in pass 1;
 *   3. nodes: the coordinates of the nodes those ways use, and tagged asset nodes.
 * Then it clips to the bbox, cuts roads at junctions (road-network.ts), assembles areas
 * (ring-assembly.ts) and returns the package's layers with a report of what was kept and
 * dropped. No file system access here: the source streams the elements, the writer
 * (package-writer.ts) writes the folder.
 */
import { isIanaZone } from '../local-time.ts';
import type { OsmElementType, OsmSource, OsmTags } from './osm-element.ts';
import {
  assetTypeOf,
  buildingHeightOf,
  isBuilding,
  namesOf,
  roadClassOf,
  waterAreaOf,
  waterLineOf,
  type OsmAssetType,
  type RoadDropReason,
} from './osm-tags.ts';
import {
  polygonFromClosedWay,
  polygonsFromRelation,
  signedArea2,
  type AreaResult,
  type PolygonRings,
  type Position,
} from './ring-assembly.ts';
import { buildRoadNetwork, type RoadProperties, type RoadWay } from './road-network.ts';
import { emptyBbox, extend, inBbox, isEmptyBbox, viewOf, type Bbox } from './city-view.ts';
import type {
  AssetProperties,
  BuildingProperties,
  CityJson,
  CityPackageLayers,
  DistrictProperties,
  Feature,
  Geometry,
  ImportOsmOptions,
  ImportReport,
  LayerName,
  WaterProperties,
} from './osm-package-types.ts';

/** Thrown when the options are wrong or the data yields no package; the message says why. */
export class OsmImportError extends Error {}

const AUTO_LEVELS = { min: 4, max: 11 };
const MAX_LISTED_WARNINGS = 20;
/** Smallest width and height of the package's bbox, degrees (≈ 100 m). */
const MIN_SPAN_DEG = 0.001;
const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

interface AreaRelation {
  id: number;
  tags: OsmTags;
  members: { type: 'node' | 'way' | 'relation'; ref: number; role: string }[];
}

/** Checks an IANA time zone name with the runtime's time zone database (the city's clock, ../local-time.ts). */
export const isTimeZone: (name: string) => boolean = isIanaZone;

/** A city id from a name: characters outside `[A-Za-z0-9._-]` become `-`; `city` when nothing is left. */
export function cityIdFrom(name: string): string {
  const id = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return id.length > 0 ? id : 'city';
}

/** The file name without `.osm.pbf`, `.pbf`, `.osm` (or `.xml`). */
export function baseNameOf(fileName: string): string {
  return fileName.replace(/(\.osm)?\.pbf$|\.osm$|\.xml$/i, '') || fileName;
}

function checkOptions(options: ImportOsmOptions): void {
  const { bbox, adminLevel, timezone, id } = options;
  if (bbox) {
    const [w, s, e, n] = bbox;
    if (!bbox.every(Number.isFinite) || w < -180 || e > 180 || s < -90 || n > 90 || !(w < e) || !(s < n)) {
      throw new OsmImportError(
        `bbox ${JSON.stringify(bbox.join(','))} is not west,south,east,north in degrees with west < east and south < north`,
      );
    }
  }
  if (adminLevel !== undefined && (!Number.isInteger(adminLevel) || adminLevel < 1 || adminLevel > 12)) {
    throw new OsmImportError(`admin level ${JSON.stringify(String(adminLevel))} is not a whole number from 1 to 12`);
  }
  if (timezone !== undefined && !isTimeZone(timezone))
    throw new OsmImportError(
      `time zone ${JSON.stringify(timezone)} is not an IANA time zone name (e.g. Asia/Shanghai, Europe/Berlin, UTC)`,
    );
  if (id !== undefined && !ID_PATTERN.test(id))
    throw new OsmImportError(`city id ${JSON.stringify(id)} is not 1–64 characters of A-Z a-z 0-9 . _ -`);
}

/** Imports an OSM data set into city package layers. */
export async function importOsm(
  source: OsmSource,
  options: ImportOsmOptions = {},
): Promise<{ layers: CityPackageLayers; report: ImportReport }> {
  checkOptions(options);
  const warnings: string[] = [];
  const dropped = new Map<string, number>();
  const drop = (layer: LayerName, reason: string): void => {
    const key = `${layer}\u0000${reason}`;
    dropped.set(key, (dropped.get(key) ?? 0) + 1);
  };
  const only = (t: OsmElementType): ReadonlySet<OsmElementType> => new Set([t]);

  // Pass 1: relations.
  const boundaries: (AreaRelation & { level: number })[] = [];
  const waterRelations: AreaRelation[] = [];
  const buildingRelations: AreaRelation[] = [];
  const assetRelations: AreaRelation[] = [];
  const memberWays = new Set<number>();
  const wantLevel = (level: number): boolean =>
    options.adminLevel !== undefined ? level === options.adminLevel : level >= AUTO_LEVELS.min && level <= AUTO_LEVELS.max;
  for await (const e of source.elements(only('relation'))) {
    if (e.type !== 'relation') continue;
    const tags = e.tags;
    const rel: AreaRelation = { id: e.id, tags, members: e.members.filter((m) => m.type === 'way') };
    let kept = false;
    if (tags.boundary === 'administrative' && (tags.type === 'boundary' || tags.type === 'multipolygon')) {
      const level = Number(tags.admin_level);
      if (Number.isInteger(level) && wantLevel(level)) {
        boundaries.push({ ...rel, level });
        kept = true;
      }
    }
    if (tags.type === 'multipolygon') {
      const lists = [
        waterAreaOf(tags) ? waterRelations : null,
        isBuilding(tags) ? buildingRelations : null,
        assetTypeOf(tags) ? assetRelations : null,
      ];
      for (const list of lists) {
        if (!list) continue;
        list.push(rel);
        kept = true;
      }
    }
    if (kept) for (const m of rel.members) memberWays.add(m.ref);
  }

  // Pass 2: ways.
  const wayRefs = new Map<number, readonly number[]>(); // member ways of kept relations
  const roadWays: RoadWay[] = [];
  const waterLines: { id: number; refs: readonly number[]; tags: OsmTags; kind: string }[] = [];
  const waterAreas: { id: number; refs: readonly number[]; tags: OsmTags; kind: string }[] = [];
  const buildingWays: { id: number; refs: readonly number[]; tags: OsmTags }[] = [];
  const assetWays: { id: number; refs: readonly number[]; tags: OsmTags; type: OsmAssetType }[] = [];
  const neededNodes = new Set<number>();
  const need = (refs: readonly number[]): void => {
    for (const r of refs) neededNodes.add(r);
  };
  for await (const e of source.elements(only('way'))) {
    if (e.type !== 'way') continue;
    const { id, refs, tags } = e;
    let used = memberWays.has(id);
    if (used) wayRefs.set(id, refs);
    if (tags.highway !== undefined) {
      const mapped = roadClassOf(tags);
      if (mapped.kind === 'road') {
        roadWays.push({ id, refs, tags, roadClass: mapped.roadClass });
        used = true;
      } else drop('roads', mapped.reason satisfies RoadDropReason);
    }
    const line = waterLineOf(tags);
    const area = line ? null : waterAreaOf(tags);
    const asset = assetTypeOf(tags);
    if (line) waterLines.push({ id, refs, tags, kind: line });
    if (area) waterAreas.push({ id, refs, tags, kind: area });
    if (isBuilding(tags)) buildingWays.push({ id, refs, tags });
    if (asset) assetWays.push({ id, refs, tags, type: asset });
    if (used || line || area || asset || isBuilding(tags)) need(refs);
  }

  // Pass 3: nodes.
  const coords = new Map<number, Position>();
  const assetNodes: { id: number; p: Position; tags: OsmTags; type: OsmAssetType }[] = [];
  for await (const e of source.elements(only('node'))) {
    if (e.type !== 'node') continue;
    if (neededNodes.has(e.id)) coords.set(e.id, [e.lng, e.lat]);
    const asset = assetTypeOf(e.tags);
    if (asset) assetNodes.push({ id: e.id, p: [e.lng, e.lat], tags: e.tags, type: asset });
  }
  neededNodes.clear();
  const node = (id: number): Position | undefined => coords.get(id);
  const way = (id: number): readonly number[] | undefined => wayRefs.get(id);

  // The bbox test: a way is kept when any of its nodes is inside (nothing is cut).
  const clip = options.bbox;
  const anyInside = (refs: readonly number[]): boolean => {
    if (!clip) return true;
    for (const r of refs) {
      const p = coords.get(r);
      if (p && inBbox(clip, p)) return true;
    }
    return false;
  };
  const relationInside = (rel: AreaRelation): boolean => !clip || rel.members.some((m) => anyInside(wayRefs.get(m.ref) ?? []));

  // Roads.
  const keptRoads = roadWays.filter((w) => {
    if (anyInside(w.refs)) return true;
    drop('roads', 'outside_bbox');
    return false;
  });
  const network = buildRoadNetwork(keptRoads, node);
  for (let i = 0; i < network.missingNodeWays; i++) drop('roads', 'missing_nodes');
  if (network.partialWays > 0)
    warnings.push(`${network.partialWays} road way(s) had nodes missing from the data; their parts with known nodes were kept`);
  if (network.movedNodes > 0)
    warnings.push(
      `${network.movedNodes} road node(s) shared exact coordinates with another node without being joined in OSM; each was moved 1e-7° east so the graph does not join them`,
    );
  const roads: Feature<RoadProperties>[] = network.lines.map((l) => ({
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: l.coordinates },
    properties: l.properties,
  }));

  const areaFailure = (layer: LayerName, what: string, result: Extract<AreaResult, { ok: false }>): void => {
    drop(layer, result.reason);
    warnings.push(`${layer}: ${what}: ${result.detail}`);
  };
  const geometryOf = (polygons: PolygonRings[]): Geometry =>
    polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons };

  // Water.
  const water: Feature<WaterProperties>[] = [];
  for (const w of waterLines) {
    if (!anyInside(w.refs)) {
      drop('water', 'outside_bbox');
      continue;
    }
    const line = w.refs.map(node).filter((p): p is Position => p !== undefined);
    if (line.length < 2) {
      drop('water', 'missing_nodes');
      continue;
    }
    water.push({
      type: 'Feature',
      geometry: { type: 'LineString', coordinates: line },
      properties: { id: `w${w.id}`, kind: w.kind, ...namesOf(w.tags) },
    });
  }
  const waterPolygons: { order: number; feature: Feature<WaterProperties> }[] = [];
  for (const w of waterAreas) {
    if (!anyInside(w.refs)) {
      drop('water', 'outside_bbox');
      continue;
    }
    const area = polygonFromClosedWay(w.refs, node);
    if (!area.ok) {
      areaFailure('water', `way ${w.id}`, area);
      continue;
    }
    waterPolygons.push({
      order: w.id * 2,
      feature: { type: 'Feature', geometry: geometryOf(area.polygons), properties: { id: `w${w.id}`, kind: w.kind, ...namesOf(w.tags) } },
    });
  }
  for (const r of waterRelations) {
    if (!relationInside(r)) {
      drop('water', 'outside_bbox');
      continue;
    }
    const area = polygonsFromRelation(r.members, way, node);
    if (!area.ok) {
      areaFailure('water', `relation ${r.id}`, area);
      continue;
    }
    waterPolygons.push({
      order: r.id * 2 + 1,
      feature: {
        type: 'Feature',
        geometry: geometryOf(area.polygons),
        properties: { id: `r${r.id}`, kind: waterAreaOf(r.tags)!, ...namesOf(r.tags) },
      },
    });
  }
  water.push(...waterPolygons.sort((a, b) => a.order - b.order).map((w) => w.feature));

  // Buildings: one Polygon feature per outer ring (the contract's buildings are Polygons).
  const buildings: Feature<BuildingProperties>[] = [];
  for (const b of buildingWays) {
    if (!anyInside(b.refs)) {
      drop('buildings', 'outside_bbox');
      continue;
    }
    const area = polygonFromClosedWay(b.refs, node);
    if (!area.ok) {
      drop('buildings', area.reason);
      continue;
    }
    buildings.push({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: area.polygons[0]! },
      properties: { id: `w${b.id}`, ...buildingHeightOf(b.tags) },
    });
  }
  for (const r of buildingRelations) {
    if (!relationInside(r)) {
      drop('buildings', 'outside_bbox');
      continue;
    }
    const area = polygonsFromRelation(r.members, way, node);
    if (!area.ok) {
      areaFailure('buildings', `relation ${r.id}`, area);
      continue;
    }
    area.polygons.forEach((polygon, k) => {
      const id = area.polygons.length === 1 ? `r${r.id}` : `r${r.id}-${k + 1}`;
      buildings.push({
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: polygon },
        properties: { id, ...buildingHeightOf(r.tags) },
      });
    });
  }

  // Assets: nodes, way centroids, multipolygon centroids, then underpass candidates.
  const assets: Feature<AssetProperties>[] = [];
  const asset = (type: OsmAssetType, ref: string, p: Position, tags: OsmTags): Feature<AssetProperties> => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: p },
    properties: { id: `${type}-${ref}`, type, ...namesOf(tags) },
  });
  for (const a of assetNodes) {
    if (clip && !inBbox(clip, a.p)) drop('assets', 'outside_bbox');
    else assets.push(asset(a.type, `n${a.id}`, a.p, a.tags));
  }
  for (const a of assetWays) {
    if (!anyInside(a.refs)) {
      drop('assets', 'outside_bbox');
      continue;
    }
    const points = a.refs.map(node).filter((p): p is Position => p !== undefined);
    if (points.length === 0) {
      drop('assets', 'missing_nodes');
      continue;
    }
    assets.push(asset(a.type, `w${a.id}`, centroidOf(points), a.tags));
  }
  for (const r of assetRelations) {
    if (!relationInside(r)) {
      drop('assets', 'outside_bbox');
      continue;
    }
    const area = polygonsFromRelation(r.members, way, node);
    if (!area.ok) {
      areaFailure('assets', `relation ${r.id}`, area);
      continue;
    }
    const largest = area.polygons.reduce((a, b) => (Math.abs(signedArea2(b[0]!)) > Math.abs(signedArea2(a[0]!)) ? b : a));
    assets.push(asset(assetTypeOf(r.tags)!, `r${r.id}`, centroidOf(largest[0]!), r.tags));
  }
  for (const u of network.underpasses) {
    assets.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: u.point },
      properties: { id: u.id, type: 'underpass', ...u.names, road: u.roadId },
    });
  }

  // The package's area: the bbox given, else the extent of what was imported.
  let bbox: Bbox;
  if (clip) bbox = [...clip];
  else {
    bbox = emptyBbox();
    for (const f of [...roads, ...water, ...assets, ...buildings]) forEachPosition(f.geometry, (p) => extend(bbox, p));
  }

  // Districts.
  const levels = new Map<number, { boundaries: number; features: Feature<DistrictProperties>[]; failures: string[] }>();
  for (const b of boundaries.sort((x, y) => x.id - y.id)) {
    const entry = levels.get(b.level) ?? { boundaries: 0, features: [], failures: [] };
    levels.set(b.level, entry);
    if (!relationInside(b)) continue;
    entry.boundaries++;
    const area = polygonsFromRelation(b.members, way, node);
    const names = namesOf(b.tags);
    if (!area.ok) {
      entry.failures.push(`relation ${b.id}${names.name_en ? ` (${names.name_en})` : ''}: ${area.detail}`);
      continue;
    }
    entry.features.push({
      type: 'Feature',
      geometry: geometryOf(area.polygons),
      properties: { id: districtIdOf(b.id, b.tags), ...names, admin_level: b.level, osm_relation: b.id },
    });
  }
  const adminLevels = [...levels.entries()]
    .filter(([, v]) => v.boundaries > 0)
    .map(([level, v]) => ({ level, boundaries: v.boundaries, assembled: v.features.length }))
    .sort((a, b) => a.level - b.level);
  const chosen =
    options.adminLevel ??
    adminLevels
      .filter((l) => l.assembled > 0)
      .reduce<number | null>((best, l) => (best === null || l.assembled > levels.get(best)!.features.length ? l.level : best), null);
  let districts: Feature<DistrictProperties>[] = [];
  let adminLevel: number | null = null;
  const chosenEntry = chosen === null || chosen === undefined ? undefined : levels.get(chosen);
  if (chosenEntry) {
    for (const failure of chosenEntry.failures) {
      drop('districts', 'not_assembled');
      warnings.push(`districts: ${failure}`);
    }
    districts = uniqueIds(chosenEntry.features);
    if (districts.length > 0) adminLevel = chosen!;
  }

  const name = options.name ?? baseNameOf(source.name);
  if (roads.length + water.length + assets.length + buildings.length + districts.length === 0) {
    throw new OsmImportError(
      `${source.name}: no roads, water, assets, buildings or districts found${clip ? ` inside bbox ${clip.join(',')}` : ''}; nothing to make a city package from`,
    );
  }
  if (isEmptyBbox(bbox)) for (const f of districts) forEachPosition(f.geometry, (p) => extend(bbox, p));
  // A single straight road or one point has a flat extent; give the bbox district an area.
  for (const [lo, hi] of [
    [0, 2],
    [1, 3],
  ] as const) {
    if (bbox[hi] - bbox[lo] < MIN_SPAN_DEG) {
      const mid = (bbox[lo] + bbox[hi]) / 2;
      bbox[lo] = Math.round((mid - MIN_SPAN_DEG / 2) * 1e7) / 1e7;
      bbox[hi] = Math.round((mid + MIN_SPAN_DEG / 2) * 1e7) / 1e7;
    }
  }
  if (districts.length === 0) {
    const [w, s, e, n] = bbox;
    warnings.push(
      `no administrative boundary${options.adminLevel !== undefined ? ` at admin_level ${options.adminLevel}` : ''} could be assembled; one district "${name}" covers the bbox ${bbox.join(',')}`,
    );
    districts = [
      {
        type: 'Feature',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [w, s],
              [e, s],
              [e, n],
              [w, n],
              [w, s],
            ],
          ],
        },
        properties: { id: 'city', name_zh: name, name_en: name },
      },
    ];
  }

  if (options.timezone === undefined) warnings.push('no time zone given (--timezone); city.json says UTC');
  const view = viewOf(bbox);
  const city: CityJson = {
    id: options.id ?? cityIdFrom(name),
    name: { zh: name, en: name },
    center: view.center,
    zoom: view.zoom,
    timezone: options.timezone ?? 'UTC',
  };

  const layers: CityPackageLayers = { city, districts, roads, water, assets, buildings };
  const listed =
    warnings.length > MAX_LISTED_WARNINGS
      ? [...warnings.slice(0, MAX_LISTED_WARNINGS), `… and ${warnings.length - MAX_LISTED_WARNINGS} more warnings`]
      : warnings;
  const report: ImportReport = {
    counts: { districts: districts.length, roads: roads.length, water: water.length, assets: assets.length, buildings: buildings.length },
    roadWays: keptRoads.length - network.missingNodeWays,
    dropped: [...dropped.entries()]
      .map(([key, count]) => {
        const [layer, reason] = key.split('\u0000') as [LayerName, string];
        return { layer, reason, count };
      })
      .sort((a, b) => a.layer.localeCompare(b.layer) || a.reason.localeCompare(b.reason)),
    adminLevels,
    adminLevel,
    bbox,
    warnings: listed,
  };
  return { layers, report };
}

/** A district id: `ref`, else `ISO3166-2`, else `r<relation id>` — the first that is a valid package id. */
function districtIdOf(relationId: number, tags: OsmTags): string {
  for (const candidate of [tags.ref, tags['ISO3166-2']]) {
    const v = candidate?.trim();
    if (v && ID_PATTERN.test(v)) return v;
  }
  return `r${relationId}`;
}

/** Two boundaries with the same ref would clash: the later ones fall back to their relation id. */
function uniqueIds(features: Feature<DistrictProperties>[]): Feature<DistrictProperties>[] {
  const seen = new Set<string>();
  for (const f of features) {
    if (seen.has(f.properties.id)) f.properties.id = `r${f.properties.osm_relation}`;
    seen.add(f.properties.id);
  }
  return features;
}

/** Area centroid of a closed ring; the mean of the points for an open way or a zero-area ring. */
export function centroidOf(points: readonly Position[]): Position {
  const round = (v: number): number => Math.round(v * 1e7) / 1e7;
  const closed = points.length >= 4 && points[0]![0] === points[points.length - 1]![0] && points[0]![1] === points[points.length - 1]![1];
  if (closed) {
    // Relative to the first vertex, so the products stay small (precision).
    const [ox, oy] = points[0]!;
    let a2 = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i + 1 < points.length; i++) {
      const x0 = points[i]![0] - ox;
      const y0 = points[i]![1] - oy;
      const x1 = points[i + 1]![0] - ox;
      const y1 = points[i + 1]![1] - oy;
      const cross = x0 * y1 - x1 * y0;
      a2 += cross;
      cx += (x0 + x1) * cross;
      cy += (y0 + y1) * cross;
    }
    if (a2 !== 0) return [round(ox + cx / (3 * a2)), round(oy + cy / (3 * a2))];
  }
  const unique = closed ? points.slice(0, -1) : points;
  return [round(unique.reduce((s, p) => s + p[0], 0) / unique.length), round(unique.reduce((s, p) => s + p[1], 0) / unique.length)];
}

function forEachPosition(g: Geometry, f: (p: Position) => void): void {
  switch (g.type) {
    case 'Point':
      f(g.coordinates);
      return;
    case 'LineString':
      g.coordinates.forEach(f);
      return;
    case 'Polygon':
      for (const ring of g.coordinates) ring.forEach(f);
      return;
    case 'MultiPolygon':
      for (const polygon of g.coordinates) for (const ring of polygon) ring.forEach(f);
      return;
  }
}
