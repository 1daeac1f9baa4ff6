/**
 * Types of the city model. All coordinates are WGS84 `[lng, lat]`.
 * A model is either generated deterministically from a seed by `generateCity` (the synthetic,
 * schematic Wuhan: not an official map) or loaded from a city package
 * (`twin-model/city-package`); `source` says which.
 */
import type { Classification, SensorKind } from '../vocabulary.ts';
import type { Capability, Shift, UnitKind } from '../dispatch/unit-types.ts';

export type LngLat = [lng: number, lat: number];
/** A GeoJSON-style polygon: an outer ring then holes, each ring closed (first == last). */
export type PolygonRings = LngLat[][];

export interface District {
  /** The district's id: GB/T 2260 code in the generated Wuhan, e.g. "420102" (江岸区); a package's district `id`. */
  code: string;
  nameZh: string;
  nameEn: string;
  /** The district seat (label anchor). */
  seat: LngLat;
  /** One or more polygons (a district cut by a river may be a multipolygon). */
  polygons: PolygonRings[];
  /** True when drawn by hand for the project (the generated city), false for surveyed boundaries. */
  schematic: boolean;
}

export interface FunctionalZone {
  id: string;
  nameZh: string;
  nameEn: string;
  polygon: PolygonRings;
  schematic: true;
}

export interface River {
  id: 'yangtze' | 'han' | string;
  nameZh: string;
  nameEn: string;
  centreline: LngLat[];
  /** Width in metres used to buffer the centreline. */
  widthM: number;
  /** The buffered water polygon. */
  polygon: PolygonRings;
}

export interface Lake {
  id: string;
  nameZh: string;
  nameEn: string;
  polygon: PolygonRings;
  areaKm2: number;
}

export type RoadClass = 'expressway' | 'ring' | 'arterial' | 'bridge' | 'tunnel' | 'street';

export interface Road {
  id: string;
  nameZh: string;
  nameEn: string;
  roadClass: RoadClass;
  line: LngLat[];
  /** Further pieces of the road that do not continue `line` (a package road drawn in several parts). */
  moreLines?: LngLat[][];
}

export interface GraphNode {
  id: number;
  lng: number;
  lat: number;
}

export interface GraphEdge {
  id: number;
  from: number;
  to: number;
  roadClass: RoadClass;
  /** Road id when the edge belongs to a named trunk road. */
  roadId?: string;
  lengthM: number;
  speedKmh: number;
  /** Free-flow travel time in seconds. */
  travelTimeS: number;
  underpass: boolean;
  bridge: boolean;
  tunnel: boolean;
  /** Drivable only from `from` to `to` (as drawn); absent or false = both ways. */
  oneway?: boolean;
}

/**
 * An equirectangular projection a city is measured in: the origin (x = 0 east, y = 0 north) and
 * the metres per degree of longitude and of latitude. The generated city carries its own
 * (`geometry.ts`: 114.3° E, 30.6° N); a city without one is measured in a projection centred on
 * itself (`cityProjection`, `twin-model/city/local-projection.ts`).
 */
export interface ProjectionSpec {
  origin: LngLat;
  mPerDeg: { lng: number; lat: number };
}

/** Road graph; every edge can be driven both ways unless it is `oneway`. */
export interface RoadGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /**
   * The projection of the city the graph belongs to, when that city fixes one (the generated
   * city's graph): `nearestNode` ranks distances in its scale. Absent = the scale at the graph's
   * own middle latitude.
   */
  projection?: ProjectionSpec;
}

/** The asset kinds the generated city places and the product knows by name. */
export type KnownAssetKind =
  | 'hospital'
  | 'fire_station'
  | 'pump_depot'
  | 'police_station'
  | 'underpass'
  | 'metro_station'
  | 'camera'
  | 'substation'
  | 'service_hall';

/** An asset kind: a known one, or any other a city package declares (`bridge`, `pump_station` …). */
export type AssetKind = KnownAssetKind | (string & {});

export interface Asset {
  id: string;
  kind: AssetKind;
  nameZh: string;
  nameEn: string;
  lng: number;
  lat: number;
  district: string;
  /** Nearest road-graph node. */
  nodeId: number;
  /** The graph edge the asset sits on (underpasses: the edge flagged `underpass`). */
  edgeId?: number;
  /** Trunk road the asset is on, if any (an underpass on a named arterial). */
  roadId?: string;
  /** Synthetic unless a real landmark with an approximate position (package assets: as the package says, default false). */
  synthetic: boolean;
}

/** A building footprint with its height (drawn extruded in 3D). */
export interface Building {
  id?: string;
  heightM: number;
  /** One or more polygons. */
  polygons: PolygonRings[];
}

/** A response unit as registered by a city (a row of a package's units.csv). */
export interface UnitRecord {
  id: string;
  kind: UnitKind;
  nameZh: string;
  nameEn: string;
  /** Home station position. */
  lng: number;
  lat: number;
  /** Capabilities; empty = the kind's defaults (dispatch/unit-needs.json). */
  capabilities: Capability[];
  /** Asset id of the home station, when the register names it. */
  stationId?: string;
  /** Working hours; absent = around the clock. */
  shift?: Shift;
}

/** A sensor kind a city declares beyond the v1 vocabulary (a package's vocabulary.json). */
export interface DeclaredSensorKind {
  kind: string;
  label: { zh: string; en: string };
  /** Metric name → SenML unit (RFC 8428 §12.1, RFC 8798). The first metric is the headline. */
  metrics: Record<string, string>;
}

/** Thresholds with hysteresis of one metric (the format of twin-model/alarm-rules.ts, as data). */
export interface AlarmRuleData {
  metric: string;
  direction: 'above' | 'below';
  warning: { enter: number; exit: number };
  alarm: { enter: number; exit: number };
  onDelayMs?: number;
}

/** Rule sets a city brings to replace the defaults (a package's rules/ folder). */
export interface CityRules {
  /**
   * Alarm rules (kinds not listed keep the defaults): per sensor kind in the first format (rule-set
   * version 0), or a rule set of version 1 (docs/rules.md, `{ schemaVersion: 1, kinds, assets?, sensors? }`).
   */
  alarms?: Record<string, { staleAfterMs: number; metrics: AlarmRuleData[] }> | { schemaVersion: number; kinds: Record<string, unknown> };
  /** Incident rule documents (validated against twin-model/incidents/incident-rules.ts), by file name. */
  incidents?: Record<string, unknown>;
  /** The hotline case routing table (rules/cases.json, validated by twin-model/cases/case-routing.ts; docs/cases.md). */
  cases?: unknown;
}

/** The response-time steps a city sets targets for (detection → step; web/server/kpi). */
export type ResponseStepName = 'acknowledge' | 'dispatch' | 'arrive' | 'resolve';

/** A target of one response-time step, seconds from detection: the median and the p90. */
export interface ResponseTarget {
  medianS: number;
  p90S: number;
}

/** What the city's KPI screen measures against (a package's `kpi.json`); steps not given keep the defaults. */
export interface CityKpiTargets {
  responseTargets: Partial<Record<ResponseStepName, ResponseTarget>>;
}

/** A real place with an approximate position (a fact, used for labels). */
export interface Landmark {
  id: string;
  nameZh: string;
  nameEn: string;
  lng: number;
  lat: number;
}

/** A registered data source (from the data hub's metadata standard / classification guide). */
export interface Source {
  id: string;
  nameZh: string;
  nameEn: string;
  /** Owning municipal department. */
  departmentZh: string;
  departmentEn: string;
  classification: Classification;
  /**
   * Names under which this feed's reports arrive on `citytwin/v1/events/{source}` besides its
   * id (gateways configured before the catalogue, e.g. `hotline-12345`): their events are
   * classified as this source.
   */
  eventSources?: string[];
}

/** A planned sensor site: where the city model expects a sensor of a kind. */
export interface SensorSite {
  id: string;
  kind: SensorKind;
  lng: number;
  lat: number;
  /** District code. */
  district: string;
  sourceId: string;
  nameZh: string;
  nameEn: string;
  /** The asset the sensor watches (an underpass, a hospital, a bridge ...), if any. */
  assetId?: string;
  /** Road the sensor is on, for traffic sensors and underpass water levels. */
  roadId?: string;
  /** Graph edge the sensor is on (traffic sensors, road water levels): lets routing slow or close it. */
  edgeId?: number;
  /** Ground elevation proxy 0..1 (1 = low-lying, floods first); drives waterlogging. */
  lowness: number;
  /** Names the device calls itself (e.g. a SenML base name), from a package's register. */
  externalIds?: string[];
}

/** A sensor site of a kind the city declares itself (not a v1 kind): see {@link DeclaredSensorKind}. */
export interface DeclaredSensorSite extends Omit<SensorSite, 'kind'> {
  kind: string;
}

export interface CityModel {
  /** Seed of the generator, or of a package's randomness (city.json `seed`, else a hash of its id). */
  seed: number;
  /** Bounding box `[west, south, east, north]`. */
  bbox: [number, number, number, number];
  outline: PolygonRings;
  districts: District[];
  zones: FunctionalZone[];
  rivers: River[];
  lakes: Lake[];
  roads: Road[];
  graph: RoadGraph;
  assets: Asset[];
  sources: Source[];
  sensorSites: SensorSite[];
  /** Real landmarks with approximate positions (labels). Always set by `generateCity`. */
  landmarks?: Landmark[];
  /** Where the model comes from: the generator or a city package. Absent = generated. */
  source?: 'generated' | 'package';
  /** The city's id (a package's city.json `id`; `wuhan` for the generated city). */
  id?: string;
  name?: { zh: string; en: string };
  /** IANA time zone of the city, e.g. `Asia/Shanghai`. */
  timezone?: string;
  /** Initial map view. */
  center?: LngLat;
  zoom?: number;
  buildings?: Building[];
  /** The fleet register: when set, the fleet comes from it instead of being generated. */
  units?: UnitRecord[];
  /** Sensor kinds the city declares beyond the v1 vocabulary. */
  vocabulary?: DeclaredSensorKind[];
  /** Sensor sites of declared kinds (v1 kinds are in `sensorSites`). */
  declaredSensorSites?: DeclaredSensorSite[];
  /** Rule sets replacing the defaults. */
  rules?: CityRules;
  /** Path of an offline vector basemap (PMTiles) that comes with the package. */
  basemapPmtiles?: string;
  /** KPI targets of the city (a package's `kpi.json`); absent = the product's defaults. */
  kpi?: CityKpiTargets;
  /** Where the simulator's rainstorms cross the city; absent = derived from the city's extent. */
  storms?: StormHint;
  /**
   * The projection the city is measured in (base-map label anchors, scenario jitter), when the
   * city fixes one: the generated city carries the generator's own. Absent (a city package) =
   * one centred on the city and scaled at its middle latitude (`cityProjection`).
   */
  projection?: ProjectionSpec;
}

/**
 * Where the simulator's rainstorms cross a city (a package's city.json `storms`, an extension):
 * the live storm's track passes through `centre`; scenario storms are centred at random inside
 * `area`. Without it both come from the city's extent (simulations/rainstorm.ts `stormPlacement`).
 */
export interface StormHint {
  centre: LngLat;
  /** `[west, south, east, north]`. */
  area: [number, number, number, number];
}

export interface GenerateCityOptions {
  seed?: number;
  /** Number of sensor sites to generate (spread over all kinds). Default 3000. */
  sensorCount?: number;
}

/** GeoJSON FeatureCollection with loosely typed properties (what maplibre consumes). */
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Array<{
    type: 'Feature';
    id?: string | number;
    properties: Record<string, string | number | boolean | null>;
    geometry:
      | { type: 'Point'; coordinates: LngLat }
      | { type: 'LineString'; coordinates: LngLat[] }
      | { type: 'MultiLineString'; coordinates: LngLat[][] }
      | { type: 'Polygon'; coordinates: PolygonRings }
      | { type: 'MultiPolygon'; coordinates: PolygonRings[] };
  }>;
}

/**
 * The base-map layers served to the console (`GET /api/city/basemap`). Every feature has
 * `name_zh` and `name_en` properties where it has a name, and `schematic: true`.
 */
export interface CityBasemap {
  bbox: [number, number, number, number];
  /** District polygons: properties code, name_zh, name_en. */
  districts: FeatureCollection;
  /** Functional zones (outlines): id, name_zh, name_en. */
  zones: FeatureCollection;
  /** Rivers and lakes as polygons: id, name_zh, name_en, water ('river'|'lake'). */
  water: FeatureCollection;
  /** Roads as lines: id, name_zh, name_en, class (RoadClass). Also the street graph edges (class 'street', no names). */
  roads: FeatureCollection;
  /** Label points: name_zh, name_en, label ('district'|'water'|'road'|'landmark'), rank (1 = most important). */
  labels: FeatureCollection;
  /** Point assets: id, kind (AssetKind), name_zh, name_en. */
  assets: FeatureCollection;
  /** Building footprints: height_m (and id when the package gives one); only when the model has buildings. */
  buildings?: FeatureCollection;
}
