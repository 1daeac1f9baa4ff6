/**
 * `modelFromPackage`: a checked package becomes the domain's CityModel (pure, deterministic).
 *
 * - Districts keep their package ids as `code`; the label point is `seat` or the centroid.
 * - The routing graph is the package's road network (`road-network.ts`). Roads that are not
 *   plain unnamed streets become the model's named roads (pieces with the same id chained).
 * - Assets sit at their nearest graph node; an asset that road segments name in `asset` sits on
 *   the first such edge (an underpass marks its edges `underpass`).
 * - Sensors of v1 kinds become sensor sites, of declared kinds `declaredSensorSites`. Road-bound
 *   kinds (traffic flow, road water level) sit on the edge of their asset, else on the nearest
 *   edge within {@link SENSOR_EDGE_M}. Lowness (flood-first proxy) is the `lowness` column, else
 *   derived from the distance to water; water-level sensors at an underpass flood first.
 * - Units become the fleet register (an empty register without units.csv: the fleet is exactly
 *   what the city registers).
 * - The outline (inside the city: land or water) is the union of districts and water surfaces.
 */
import type {
  Asset,
  CityModel,
  DeclaredSensorSite,
  District,
  GraphEdge,
  Lake,
  LngLat,
  PolygonRings,
  River,
  Road,
  SensorSite,
} from '../city/city-types.ts';
import { PolygonIndex, nearestNode } from '../city/index.ts';
import { hashString } from '../random.ts';
import { isSensorKind } from '../vocabulary.ts';
import type { ParsedPackage, ParsedWater } from './parsed-package.ts';
import { type LocalProjection, projectionAt, ringCentroid, unionPolygons } from './local-geometry.ts';
import { modelRoadClass, type RoadSegment } from './road-network.ts';

/** A road-bound sensor farther than this from every edge is on no edge. */
export const SENSOR_EDGE_M = 30;
/** Side of the cells the road edges are filed in for the nearest-edge search (m). */
const EDGE_CELL_M = 250;
/** Water kinds drawn as rivers (others with polygons are lakes and ponds). */
const RIVER_KINDS = new Set(['river', 'canal', 'stream', 'riverbank', 'drain', 'ditch']);
/** Width of a river drawn only as a line without `width_m`. */
const DEFAULT_RIVER_WIDTH_M = 30;
/** Sensor kinds that watch a road (routing may slow or close their edge). */
const ROAD_KINDS = new Set(['traffic_flow', 'water_level']);

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function largest(polygons: readonly PolygonRings[], proj: LocalProjection): PolygonRings | undefined {
  let best: PolygonRings | undefined;
  let bestArea = -1;
  for (const p of polygons) {
    const a = proj.polygonAreaKm2(p);
    if (a > bestArea) {
      bestArea = a;
      best = p;
    }
  }
  return best;
}

/** Rivers and lakes from the water layer: a river may come as its line, its surface, or both under one id. */
function waterBodies(water: readonly ParsedWater[], proj: LocalProjection): { rivers: River[]; lakes: Lake[] } {
  const rivers = new Map<string, River & { widthGiven: boolean }>();
  const lakes: Lake[] = [];
  for (const w of water) {
    const id = w.id ?? `water-${w.feature}`;
    const g = w.geometry;
    const isLine = g.type === 'LineString' || g.type === 'MultiLineString';
    if (!isLine && !RIVER_KINDS.has(w.kind)) {
      const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
      polygons.forEach((polygon, k) => {
        const areaKm2 = w.areaKm2 !== undefined && polygons.length === 1 ? w.areaKm2 : Math.round(proj.polygonAreaKm2(polygon) * 100) / 100;
        lakes.push({ id: polygons.length === 1 ? id : `${id}.${k + 1}`, nameZh: w.nameZh, nameEn: w.nameEn, polygon, areaKm2 });
      });
      continue;
    }
    let river = rivers.get(id);
    if (!river) {
      river = {
        id,
        nameZh: w.nameZh,
        nameEn: w.nameEn,
        centreline: [],
        widthM: w.widthM ?? DEFAULT_RIVER_WIDTH_M,
        polygon: [],
        widthGiven: w.widthM !== undefined,
      };
      rivers.set(id, river);
    }
    if (w.widthM !== undefined) {
      river.widthM = w.widthM;
      river.widthGiven = true;
    }
    if (!river.nameZh) river.nameZh = w.nameZh;
    if (!river.nameEn) river.nameEn = w.nameEn;
    if (g.type === 'LineString') river.centreline = g.coordinates;
    else if (g.type === 'MultiLineString') river.centreline = g.coordinates.reduce((a, b) => (b.length > a.length ? b : a), [] as LngLat[]);
    else if (g.type === 'Polygon') river.polygon = g.coordinates;
    else if (g.type === 'MultiPolygon') river.polygon = largest(g.coordinates, proj) ?? [];
  }
  const out: River[] = [];
  for (const r of rivers.values()) {
    const { widthGiven: _widthGiven, ...river } = r;
    if (river.polygon.length === 0 && river.centreline.length >= 2)
      river.polygon = largest(proj.bufferLine(river.centreline, river.widthM / 2), proj) ?? [];
    out.push(river);
  }
  return { rivers: out, lakes };
}

/** Named roads: every id whose segments are not plain unnamed streets, pieces chained in file order. */
function namedRoads(segments: readonly RoadSegment[], classOf: (s: RoadSegment) => Road['roadClass']): Road[] {
  const byId = new Map<string, RoadSegment[]>();
  for (const s of segments) {
    if (classOf(s) === 'street' && !s.nameZh && !s.nameEn) continue;
    const list = byId.get(s.id) ?? [];
    list.push(s);
    byId.set(s.id, list);
  }
  const roads: Road[] = [];
  for (const [id, list] of byId) {
    const chains: LngLat[][] = [];
    for (const s of list) {
      const last = chains[chains.length - 1];
      const end = last?.[last.length - 1];
      const start = s.coords[0]!;
      if (last && end && end[0] === start[0] && end[1] === start[1]) last.push(...s.coords.slice(1));
      else chains.push([...s.coords]);
    }
    chains.sort((a, b) => b.length - a.length);
    const named = list.find((s) => s.nameZh || s.nameEn) ?? list[0]!;
    const road: Road = { id, nameZh: named.nameZh, nameEn: named.nameEn, roadClass: classOf(list[0]!), line: chains[0]! };
    if (chains.length > 1) road.moreLines = chains.slice(1);
    roads.push(road);
  }
  return roads;
}

/** Turns a checked package into the city model. */
export function modelFromPackage(pkg: ParsedPackage): CityModel {
  const [w, s, e, n] = pkg.extent;
  // A projection centred on the package's box (projectionAt, the shared one; cityProjection of the model
  // centres on city.json's centre instead: distances and areas agree to well under 1 % across a city).
  const proj = projectionAt(s, n, (w + e) / 2);
  const graph = pkg.network.graph;

  const districts: District[] = pkg.districts.map((d) => {
    const main = largest(d.polygons, proj);
    let seat = d.seat ?? ringCentroid(main?.[0] ?? []);
    if (!d.seat && main && !new PolygonIndex([main]).contains(seat[0], seat[1])) seat = main[0]![0]!;
    return { code: d.id, nameZh: d.nameZh, nameEn: d.nameEn, seat, polygons: d.polygons, schematic: d.schematic };
  });

  const { rivers, lakes } = waterBodies(pkg.water, proj);
  const outlineParts = unionPolygons([
    ...districts.flatMap((d) => d.polygons),
    ...rivers.map((r) => r.polygon).filter((p) => p.length > 0),
    ...lakes.map((l) => l.polygon),
  ]);
  const outlineMain = largest(outlineParts, proj);
  const outline: PolygonRings = outlineMain ? [outlineMain[0]!] : [];

  const segmentOfEdge = pkg.network.edgeSegment;
  const edgeByAsset = new Map<string, GraphEdge>();
  graph.edges.forEach((edge, k) => {
    const asset = pkg.roads[segmentOfEdge[k]!]?.asset;
    if (asset !== undefined && !edgeByAsset.has(asset)) edgeByAsset.set(asset, edge);
  });
  const assets: Asset[] = pkg.assets.map((a) => {
    const asset: Asset = {
      id: a.id,
      kind: a.type,
      nameZh: a.nameZh,
      nameEn: a.nameEn,
      lng: a.lng,
      lat: a.lat,
      district: a.district,
      nodeId: nearestNode(graph, a.lng, a.lat).id,
      synthetic: a.synthetic,
    };
    const edge = edgeByAsset.get(a.id);
    if (edge) {
      asset.edgeId = edge.id;
      if (edge.roadId !== undefined) asset.roadId = edge.roadId;
    }
    return asset;
  });
  const assetById = new Map(assets.map((a) => [a.id, a]));

  // Distance to water for the derived lowness: every water edge (surfaces' rings and lines).
  const waterSegments: Array<[LngLat, LngLat]> = [];
  for (const r of rivers) {
    for (const ring of r.polygon) for (let i = 0; i + 1 < ring.length; i++) waterSegments.push([ring[i]!, ring[i + 1]!]);
    for (let i = 0; i + 1 < r.centreline.length; i++) waterSegments.push([r.centreline[i]!, r.centreline[i + 1]!]);
  }
  for (const l of lakes)
    for (const ring of l.polygon) for (let i = 0; i + 1 < ring.length; i++) waterSegments.push([ring[i]!, ring[i + 1]!]);
  const waterDistanceM = (p: LngLat): number => {
    let best = Infinity;
    for (const [a, b] of waterSegments) best = Math.min(best, proj.pointSegmentM(p, a, b));
    return best;
  };
  // Edge boxes widened by SENSOR_EDGE_M, filed in a grid of cells: a sensor looks only at the
  // edges whose box overlaps its cell (in edge order, so the first edge drawn still wins a tie).
  const marginLng = SENSOR_EDGE_M / proj.mPerDegLng;
  const marginLat = SENSOR_EDGE_M / proj.mPerDegLat;
  const cellLng = EDGE_CELL_M / proj.mPerDegLng;
  const cellLat = EDGE_CELL_M / proj.mPerDegLat;
  const edgeCells = new Map<string, number[]>();
  const cellKey = (i: number, j: number): string => `${i}/${j}`;
  for (const edge of graph.edges) {
    const a = graph.nodes[edge.from]!;
    const b = graph.nodes[edge.to]!;
    const i0 = Math.floor((Math.min(a.lng, b.lng) - marginLng) / cellLng);
    const i1 = Math.floor((Math.max(a.lng, b.lng) + marginLng) / cellLng);
    const j0 = Math.floor((Math.min(a.lat, b.lat) - marginLat) / cellLat);
    const j1 = Math.floor((Math.max(a.lat, b.lat) + marginLat) / cellLat);
    for (let i = i0; i <= i1; i++)
      for (let j = j0; j <= j1; j++) {
        const key = cellKey(i, j);
        const list = edgeCells.get(key);
        if (list) list.push(edge.id);
        else edgeCells.set(key, [edge.id]);
      }
  }
  const nearestEdge = (p: LngLat): GraphEdge | undefined => {
    let best: GraphEdge | undefined;
    let bestM = SENSOR_EDGE_M;
    for (const id of edgeCells.get(cellKey(Math.floor(p[0] / cellLng), Math.floor(p[1] / cellLat))) ?? []) {
      const edge = graph.edges[id]!;
      const a = graph.nodes[edge.from]!;
      const b = graph.nodes[edge.to]!;
      const d = proj.pointSegmentM(p, [a.lng, a.lat], [b.lng, b.lat]);
      // The first edge at the smallest distance wins (a sensor at a junction sits on the first road drawn through it).
      if (d < bestM || (best === undefined && d <= bestM)) {
        bestM = d;
        best = edge;
      }
    }
    return best;
  };

  const sensorSites: SensorSite[] = [];
  const declaredSensorSites: DeclaredSensorSite[] = [];
  for (const sensor of pkg.sensors) {
    const p: LngLat = [sensor.lng, sensor.lat];
    const asset = sensor.asset !== undefined ? assetById.get(sensor.asset) : undefined;
    let lowness = sensor.lowness;
    if (lowness === undefined) {
      // Near water is low (≈ 0.8 on the bank, 0.2 far away); an underpass is below the street around it.
      const ground = 0.2 + 0.6 * Math.exp(-waterDistanceM(p) / 1500);
      lowness = round3(sensor.kind === 'water_level' && asset?.kind === 'underpass' ? 0.75 + 0.25 * ground : ground);
    }
    const site: DeclaredSensorSite = {
      id: sensor.id,
      kind: sensor.kind,
      lng: sensor.lng,
      lat: sensor.lat,
      district: sensor.district,
      sourceId: sensor.source,
      nameZh: sensor.nameZh,
      nameEn: sensor.nameEn,
      lowness,
    };
    if (asset) site.assetId = asset.id;
    const edge = asset?.edgeId !== undefined ? graph.edges[asset.edgeId] : ROAD_KINDS.has(sensor.kind) ? nearestEdge(p) : undefined;
    if (edge) {
      site.edgeId = edge.id;
      if (edge.roadId !== undefined) site.roadId = edge.roadId;
    }
    if (sensor.externalIds.length > 0) site.externalIds = [...sensor.externalIds];
    const kind = site.kind;
    if (isSensorKind(kind)) sensorSites.push({ ...site, kind });
    else declaredSensorSites.push(site);
  }

  const model: CityModel = {
    seed: pkg.city.seed ?? hashString(pkg.city.id),
    bbox: [w, s, e, n],
    outline,
    districts,
    zones: [],
    rivers,
    lakes,
    roads: namedRoads(pkg.roads, modelRoadClass),
    graph,
    assets,
    sources: pkg.sources.map((x) => ({ ...x })),
    sensorSites,
    source: 'package',
    id: pkg.city.id,
    name: { zh: pkg.city.name.zh, en: pkg.city.name.en },
    timezone: pkg.city.timezone,
    center: [pkg.city.center[0], pkg.city.center[1]],
    zoom: pkg.city.zoom,
    units: pkg.units.map((u) => ({ ...u, capabilities: [...u.capabilities] })),
  };
  if (pkg.buildings.length > 0) model.buildings = pkg.buildings;
  if (pkg.vocabulary.length > 0) model.vocabulary = pkg.vocabulary;
  if (declaredSensorSites.length > 0) model.declaredSensorSites = declaredSensorSites;
  if (pkg.rules.alarms || pkg.rules.incidents || pkg.rules.cases !== undefined) model.rules = pkg.rules;
  if (pkg.basemapPath) model.basemapPmtiles = pkg.basemapPath;
  if (pkg.kpi) model.kpi = pkg.kpi;
  const storms = pkg.city.storms;
  if (storms)
    model.storms = { centre: [storms.centre[0], storms.centre[1]], area: [storms.area[0], storms.area[1], storms.area[2], storms.area[3]] };
  return model;
}
