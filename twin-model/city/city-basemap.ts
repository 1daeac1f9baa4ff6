/**
 * The offline base map: GeoJSON FeatureCollections for maplibre built from a city model
 * (served as `GET /api/city/basemap`). Coordinates are rounded to 5 decimals (~1 m) and the
 * street edges are chained into polylines so the JSON stays small. Every named feature carries
 * `name_zh` and `name_en`; every feature carries `schematic: true`. Lengths along rivers and
 * roads (where labels sit) and the turns that chain streets are measured in the city's own
 * projection (`cityProjection`), so a label sits at its share of a road's length at any latitude.
 */
import type { CityBasemap, CityModel, FeatureCollection, GraphEdge, GraphNode, LngLat, PolygonRings } from './city-types.ts';
import { ringCentroid } from './geometry.ts';
import { cityProjection, type LocalProjection } from './local-projection.ts';

type Feature = FeatureCollection['features'][number];
type Properties = Feature['properties'];

const round5 = (v: number): number => Math.round(v * 1e5) / 1e5;

function roundPoint(p: LngLat): LngLat {
  return [round5(p[0]), round5(p[1])];
}

/** Rounds a line and drops points that became duplicates. */
function roundLine(line: readonly LngLat[]): LngLat[] {
  const out: LngLat[] = [];
  for (const p of line) {
    const q = roundPoint(p);
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  return out;
}

/** Rounds a polygon; rings that collapse below a triangle are dropped. */
function roundPolygon(polygon: PolygonRings): PolygonRings {
  return polygon.map(roundLine).filter((ring) => ring.length >= 4);
}

function collection(features: Feature[]): FeatureCollection {
  return { type: 'FeatureCollection', features };
}

function areaFeature(polygons: PolygonRings[], properties: Properties, id?: string | number): Feature {
  const rounded = polygons.map(roundPolygon).filter((p) => p.length > 0);
  const geometry: Feature['geometry'] =
    rounded.length === 1 ? { type: 'Polygon', coordinates: rounded[0] as PolygonRings } : { type: 'MultiPolygon', coordinates: rounded };
  const feature: Feature = { type: 'Feature', properties, geometry };
  if (id !== undefined) feature.id = id;
  return feature;
}

function pointFeature(p: LngLat, properties: Properties): Feature {
  return { type: 'Feature', properties, geometry: { type: 'Point', coordinates: roundPoint(p) } };
}

/**
 * Chains edges into polylines: from each node, keep walking along the unused edge that turns
 * least, so long straight-ish streets come out as one line and shared nodes are written once.
 */
function chainEdges(nodes: readonly GraphNode[], edges: readonly GraphEdge[], proj: LocalProjection): LngLat[][] {
  const incident = new Map<number, GraphEdge[]>();
  for (const e of edges) {
    for (const v of [e.from, e.to]) {
      const list = incident.get(v) ?? [];
      list.push(e);
      incident.set(v, list);
    }
  }
  const used = new Set<number>();
  const unusedAt = (v: number): GraphEdge[] => (incident.get(v) ?? []).filter((e) => !used.has(e.id));
  const xy = (v: number): [number, number] => {
    const n = nodes[v] as GraphNode;
    return proj.toXY([n.lng, n.lat]);
  };
  const chains: LngLat[][] = [];
  const walk = (start: number): void => {
    const path = [start];
    let prev = -1;
    let current = start;
    for (;;) {
      const options = unusedAt(current);
      if (options.length === 0) break;
      let choice = options[0] as GraphEdge;
      if (prev >= 0 && options.length > 1) {
        const [px, py] = xy(prev);
        const [cx, cy] = xy(current);
        let bestTurn = -Infinity;
        for (const o of options) {
          const [nx, ny] = xy(o.from === current ? o.to : o.from);
          const ax = cx - px;
          const ay = cy - py;
          const bx = nx - cx;
          const by = ny - cy;
          const straightness = (ax * bx + ay * by) / (Math.hypot(ax, ay) * Math.hypot(bx, by) || 1);
          if (straightness > bestTurn) {
            bestTurn = straightness;
            choice = o;
          }
        }
      }
      used.add(choice.id);
      prev = current;
      current = choice.from === current ? choice.to : choice.from;
      path.push(current);
    }
    if (path.length > 1) {
      chains.push(
        path.map((v) => {
          const n = nodes[v] as GraphNode;
          return [n.lng, n.lat] as LngLat;
        }),
      );
    }
  };
  // Start at dead ends and junctions first, then mop up the loops.
  const order = [...incident.keys()].sort((a, b) => a - b);
  for (const v of order) if ((incident.get(v)?.length ?? 0) !== 2) while (unusedAt(v).length > 0) walk(v);
  for (const v of order) while (unusedAt(v).length > 0) walk(v);
  return chains.map(roundLine);
}

/** Builds the base-map layers for a city model. */
export function cityBasemap(model: CityModel): CityBasemap {
  // Lengths along rivers and roads (label anchors) and the turns of street chains, in metres of
  // the city's own latitude.
  const proj = cityProjection(model);
  const districts = collection(
    model.districts.map((d, i) =>
      // Feature ids must be numbers or numeric strings for maplibre's feature state: a package's
      // district ids need not be (`altstadt`), so those get their index.
      areaFeature(
        d.polygons,
        { code: d.code, name_zh: d.nameZh, name_en: d.nameEn, schematic: d.schematic },
        /^\d{1,15}$/.test(d.code) ? Number(d.code) : i + 1,
      ),
    ),
  );
  const zones = collection(
    model.zones.map((z) => areaFeature([z.polygon], { id: z.id, name_zh: z.nameZh, name_en: z.nameEn, schematic: true }, z.id)),
  );
  const water = collection([
    ...model.rivers.map((r) =>
      areaFeature([r.polygon], { id: r.id, name_zh: r.nameZh, name_en: r.nameEn, water: 'river', schematic: true }, r.id),
    ),
    ...model.lakes.map((l) =>
      areaFeature(
        [l.polygon],
        { id: l.id, name_zh: l.nameZh, name_en: l.nameEn, water: 'lake', area_km2: l.areaKm2, schematic: true },
        l.id,
      ),
    ),
  ]);

  const roadFeatures: Feature[] = [];
  const streetEdges = model.graph.edges.filter((e) => e.roadClass === 'street' && !e.underpass);
  const underpassEdges = model.graph.edges.filter((e) => e.underpass);
  roadFeatures.push({
    type: 'Feature',
    properties: { class: 'street', underpass: false, schematic: true },
    geometry: { type: 'MultiLineString', coordinates: chainEdges(model.graph.nodes, streetEdges, proj) },
  });
  roadFeatures.push({
    type: 'Feature',
    properties: { class: 'street', underpass: true, schematic: true },
    geometry: { type: 'MultiLineString', coordinates: chainEdges(model.graph.nodes, underpassEdges, proj) },
  });
  // Trunk roads drawn after the streets so a renderer that keeps feature order puts them on top.
  for (const road of model.roads) {
    roadFeatures.push({
      type: 'Feature',
      id: road.id,
      properties: { id: road.id, name_zh: road.nameZh, name_en: road.nameEn, class: road.roadClass, schematic: true },
      geometry: { type: 'LineString', coordinates: roundLine(road.line) },
    });
  }

  const labels: Feature[] = [];
  for (const d of model.districts) {
    labels.push(
      pointFeature(d.seat, {
        name_zh: d.nameZh,
        name_en: d.nameEn,
        label: 'district',
        rank: 1,
        code: d.code,
        schematic: true,
      }),
    );
  }
  for (const r of model.rivers) {
    // Two anchors per river, at points known to be inside the city.
    const length = proj.lineLengthM(r.centreline);
    for (const f of r.id === 'yangtze' ? [0.3, 0.62] : [0.45, 0.8]) {
      labels.push(
        pointFeature(proj.pointAlong(r.centreline, length * f).point, {
          name_zh: r.nameZh,
          name_en: r.nameEn,
          label: 'water',
          rank: 2,
          id: r.id,
          schematic: true,
        }),
      );
    }
  }
  for (const l of model.lakes) {
    const ring = l.polygon[0];
    if (!ring) continue;
    labels.push(
      pointFeature(ringCentroid(ring), {
        name_zh: l.nameZh,
        name_en: l.nameEn,
        label: 'water',
        rank: 2,
        id: l.id,
        schematic: true,
      }),
    );
  }
  for (const lm of model.landmarks ?? []) {
    labels.push(
      pointFeature([lm.lng, lm.lat], {
        name_zh: lm.nameZh,
        name_en: lm.nameEn,
        label: 'landmark',
        rank: 2,
        id: lm.id,
        schematic: true,
      }),
    );
  }
  for (const road of model.roads) {
    // Bridges and tunnels at their middle (over the water); long roads a quarter of the way in.
    const at = road.roadClass === 'bridge' || road.roadClass === 'tunnel' ? 0.5 : 0.25;
    labels.push(
      pointFeature(proj.pointAlong(road.line, proj.lineLengthM(road.line) * at).point, {
        name_zh: road.nameZh,
        name_en: road.nameEn,
        label: 'road',
        rank: 3,
        id: road.id,
        class: road.roadClass,
        schematic: true,
      }),
    );
  }

  const assets = collection(
    model.assets.map((a) =>
      pointFeature([a.lng, a.lat], {
        id: a.id,
        kind: a.kind,
        name_zh: a.nameZh,
        name_en: a.nameEn,
        synthetic: a.synthetic,
        schematic: true,
      }),
    ),
  );

  const [w, s, e, n] = model.bbox;
  const out: CityBasemap = {
    bbox: [round5(w), round5(s), round5(e), round5(n)],
    districts,
    zones,
    water,
    roads: collection(roadFeatures),
    labels: collection(labels),
    assets,
  };
  // A package's buildings.geojson: footprints with their height, extruded in the 3D view.
  if (model.buildings && model.buildings.length > 0) {
    out.buildings = collection(
      model.buildings.map((b, i) => areaFeature(b.polygons, { ...(b.id ? { id: b.id } : {}), height_m: b.heightM }, i + 1)),
    );
  }
  return out;
}
