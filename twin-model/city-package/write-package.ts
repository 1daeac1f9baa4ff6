/**
 * `cityPackageFiles`: a CityModel (the generated Wuhan, or a loaded package) written as a city
 * package, so the default city can start through the same loader as any other. Pure: returns
 * the files' text by path; `writeCityPackage` (index.ts) puts them on disk.
 *
 * What is written so that loading gives the same model back:
 * - roads.geojson has one line per graph edge (its two end nodes, full precision), so the
 *   loader's join at equal coordinates rebuilds the same nodes and edges; `speed_kmh` is always
 *   written; segments of a named road share its id, streets are `street-<edge>`; an underpass
 *   edge names its underpass asset in `asset`.
 * - Coordinates are written as JavaScript prints doubles (shortest round-trip form): nothing
 *   is rounded, so districts, positions and lengths come back bit for bit.
 * - Extensions the format allows: district `seat`, water `width_m`/`area_km2`, asset
 *   `synthetic`, sensors' `lowness`, units' `station` and `shift`, sources' `department_en`
 *   and `event_sources`, city.json `seed` and `storms`.
 */
import type { CityModel, FeatureCollection, GraphEdge, LngLat, PolygonRings, RoadClass, UnitRecord } from '../city/city-types.ts';
import type { ResponseUnit } from '../dispatch/index.ts';
import { formatCsv } from './csv.ts';
import { ALARM_RULES_FILE, CASE_ROUTING_FILE, INCIDENT_RULES_DIR } from './package-files.ts';
import type { PackageRoadClass } from './package-schemas.ts';

/** A written feature: properties may hold arrays (a district's `seat`). */
interface Feature {
  type: 'Feature';
  properties: Record<string, unknown>;
  geometry: FeatureCollection['features'][number]['geometry'];
}

/** The package class of a model road class (bridges and tunnels also get their flag). */
const PACKAGE_CLASS: Readonly<Record<RoadClass, PackageRoadClass>> = {
  expressway: 'motorway',
  ring: 'trunk',
  arterial: 'primary',
  bridge: 'trunk',
  tunnel: 'trunk',
  street: 'residential',
};

function areaGeometry(polygons: PolygonRings[]): Feature['geometry'] {
  return polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons };
}

function collection(features: Feature[]): string {
  // One feature per line: diffs of a package stay readable and the file stays streamable.
  const lines = features.map((f) => JSON.stringify(f));
  return `{"type":"FeatureCollection","features":[\n${lines.join(',\n')}\n]}\n`;
}

function shiftText(shift: { startHour: number; endHour: number } | undefined): string {
  if (!shift || (shift.startHour === 0 && shift.endHour === 24)) return '';
  const two = (h: number) => String(h).padStart(2, '0');
  return `${two(shift.startHour)}-${two(shift.endHour)}`;
}

export interface WritePackageOptions {
  /**
   * The fleet to register in units.csv when the model has no register of its own (the
   * generated city's fleet: `generateFleet(model)`).
   */
  fleet?: readonly ResponseUnit[];
}

/** The files of a package for a model, by path. */
export function cityPackageFiles(model: CityModel, options: WritePackageOptions = {}): Map<string, string> {
  const files = new Map<string, string>();
  const [w, s, e, n] = model.bbox;
  const city: Record<string, unknown> = {
    id: model.id ?? 'city',
    name: model.name ?? { zh: model.id ?? 'city', en: model.id ?? 'city' },
    center: model.center ?? [(w + e) / 2, (s + n) / 2],
    zoom: model.zoom ?? 10,
    timezone: model.timezone ?? 'UTC',
    seed: model.seed,
    ...(model.storms ? { storms: { centre: [...model.storms.centre], area: [...model.storms.area] } } : {}),
  };
  files.set('city.json', `${JSON.stringify(city, null, 2)}\n`);

  files.set(
    'districts.geojson',
    collection(
      model.districts.map((d) => ({
        type: 'Feature',
        properties: { id: d.code, name_zh: d.nameZh, name_en: d.nameEn, schematic: d.schematic, seat: d.seat },
        geometry: areaGeometry(d.polygons),
      })),
    ),
  );

  const roadNames = new Map(model.roads.map((r) => [r.id, r]));
  const assetOnEdge = new Map<number, string>();
  for (const a of model.assets)
    if (a.kind === 'underpass' && a.edgeId !== undefined && !assetOnEdge.has(a.edgeId)) assetOnEdge.set(a.edgeId, a.id);
  const roadFeature = (edge: GraphEdge): Feature => {
    const a = model.graph.nodes[edge.from]!;
    const b = model.graph.nodes[edge.to]!;
    const properties: Feature['properties'] = {
      id: edge.roadId ?? `street-${edge.id}`,
      class: PACKAGE_CLASS[edge.roadClass],
      speed_kmh: edge.speedKmh,
    };
    if (edge.oneway) properties.oneway = true;
    if (edge.bridge || edge.roadClass === 'bridge') properties.bridge = true;
    if (edge.tunnel || edge.roadClass === 'tunnel') properties.tunnel = true;
    const asset = assetOnEdge.get(edge.id);
    if (asset !== undefined) properties.asset = asset;
    const road = edge.roadId !== undefined ? roadNames.get(edge.roadId) : undefined;
    if (road) {
      properties.name_zh = road.nameZh;
      properties.name_en = road.nameEn;
    }
    return {
      type: 'Feature',
      properties,
      geometry: {
        type: 'LineString',
        coordinates: [
          [a.lng, a.lat],
          [b.lng, b.lat],
        ],
      },
    };
  };
  files.set('roads.geojson', collection(model.graph.edges.map(roadFeature)));

  const water: Feature[] = [];
  for (const r of model.rivers) {
    const properties = { kind: 'river', id: r.id, name_zh: r.nameZh, name_en: r.nameEn, width_m: r.widthM };
    if (r.polygon.length > 0) water.push({ type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: r.polygon } });
    if (r.centreline.length >= 2) water.push({ type: 'Feature', properties, geometry: { type: 'LineString', coordinates: r.centreline } });
  }
  for (const l of model.lakes) {
    water.push({
      type: 'Feature',
      properties: { kind: 'lake', id: l.id, name_zh: l.nameZh, name_en: l.nameEn, area_km2: l.areaKm2 },
      geometry: { type: 'Polygon', coordinates: l.polygon },
    });
  }
  files.set('water.geojson', collection(water));

  files.set(
    'assets.geojson',
    collection(
      model.assets.map((a) => ({
        type: 'Feature',
        properties: { id: a.id, type: a.kind, name_zh: a.nameZh, name_en: a.nameEn, district: a.district, synthetic: a.synthetic },
        geometry: { type: 'Point', coordinates: [a.lng, a.lat] as LngLat },
      })),
    ),
  );

  if (model.buildings && model.buildings.length > 0) {
    files.set(
      'buildings.geojson',
      collection(
        model.buildings.map((b) => {
          const properties: Feature['properties'] = { height_m: b.heightM };
          if (b.id !== undefined) properties.id = b.id;
          return { type: 'Feature', properties, geometry: areaGeometry(b.polygons) };
        }),
      ),
    );
  }

  files.set(
    'sources.csv',
    formatCsv(
      ['id', 'name_zh', 'name_en', 'department', 'classification', 'department_en', 'event_sources'],
      model.sources.map((x) => [
        x.id,
        x.nameZh,
        x.nameEn,
        x.departmentZh,
        x.classification,
        x.departmentEn === x.departmentZh ? '' : x.departmentEn,
        (x.eventSources ?? []).join(';'),
      ]),
    ),
  );

  const sites = [...model.sensorSites, ...(model.declaredSensorSites ?? [])];
  files.set(
    'sensors.csv',
    formatCsv(
      ['id', 'kind', 'lng', 'lat', 'source', 'name_zh', 'name_en', 'asset', 'external_ids', 'lowness'],
      sites.map((x) => [
        x.id,
        x.kind,
        String(x.lng),
        String(x.lat),
        x.sourceId,
        x.nameZh,
        x.nameEn,
        x.assetId ?? '',
        (x.externalIds ?? []).join(';'),
        String(x.lowness),
      ]),
    ),
  );

  const register: UnitRecord[] =
    model.units ??
    (options.fleet ?? []).map((u) => ({
      id: u.id,
      kind: u.kind,
      nameZh: u.nameZh,
      nameEn: u.nameEn,
      lng: u.homeLng,
      lat: u.homeLat,
      capabilities: [...u.capabilities],
      ...(u.homeStationId ? { stationId: u.homeStationId } : {}),
      shift: u.shift,
    }));
  files.set(
    'units.csv',
    formatCsv(
      ['id', 'kind', 'lng', 'lat', 'name_zh', 'name_en', 'capabilities', 'station', 'shift'],
      register.map((u) => [
        u.id,
        u.kind,
        String(u.lng),
        String(u.lat),
        u.nameZh,
        u.nameEn,
        u.capabilities.join(';'),
        u.stationId ?? '',
        shiftText(u.shift),
      ]),
    ),
  );

  if (model.vocabulary && model.vocabulary.length > 0) {
    files.set('vocabulary.json', `${JSON.stringify({ kinds: model.vocabulary }, null, 2)}\n`);
  }
  if (model.rules?.alarms) files.set(ALARM_RULES_FILE, `${JSON.stringify(model.rules.alarms, null, 2)}\n`);
  for (const [name, doc] of Object.entries(model.rules?.incidents ?? {}))
    files.set(`${INCIDENT_RULES_DIR}${name}`, `${JSON.stringify(doc, null, 2)}\n`);
  if (model.rules?.cases !== undefined) files.set(CASE_ROUTING_FILE, `${JSON.stringify(model.rules.cases, null, 2)}\n`);
  if (model.kpi) files.set('kpi.json', `${JSON.stringify(model.kpi, null, 2)}\n`);
  return files;
}
