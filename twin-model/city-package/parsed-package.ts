/**
 * A city package as the check read it (check-package.ts): its records with the file positions
 * they came from, ready for `modelFromPackage` (load-package.ts) to turn into a CityModel.
 */
import type {
  Building,
  CityKpiTargets,
  CityRules,
  DeclaredSensorKind,
  LngLat,
  PolygonRings,
  Source,
  UnitRecord,
} from '../city/city-types.ts';
import type { Geometry } from './geojson.ts';
import type { CityJson } from './package-schemas.ts';
import type { RoadNetwork, RoadSegment } from './road-network.ts';

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
  /** KPI targets (kpi.json, an extension). */
  kpi?: CityKpiTargets;
  basemapPath?: string;
}
