/**
 * Public surface of the schematic city model: the generator, the offline base map, spatial
 * queries, the registered sources and the types. Import from here, not from the files.
 */
export type {
  AlarmRuleData,
  Asset,
  AssetKind,
  Building,
  CityRules,
  DeclaredSensorKind,
  DeclaredSensorSite,
  KnownAssetKind,
  UnitRecord,
  CityBasemap,
  CityModel,
  District,
  FeatureCollection,
  FunctionalZone,
  GenerateCityOptions,
  GraphEdge,
  GraphNode,
  Lake,
  Landmark,
  LngLat,
  PolygonRings,
  ProjectionSpec,
  River,
  Road,
  RoadClass,
  RoadGraph,
  SensorSite,
  Source,
  StormHint,
} from './city-types.ts';
export { DEFAULT_CITY_SEED, DEFAULT_SENSOR_COUNT, MAX_SENSOR_COUNT, generateCity } from './generate-city.ts';
export { cityBasemap } from './city-basemap.ts';
export { districtAt, edgeCandidatesNear, haversineM, isInCity, isOnLand, isOnWater, nearestNode, type PointLike } from './city-queries.ts';
export { EVENT_SOURCES, SOURCE_IDS, citySources } from './city-sources.ts';
export { PolygonIndex } from './geometry.ts';
