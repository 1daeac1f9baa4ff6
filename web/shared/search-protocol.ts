/**
 * `GET /api/search?q=…`: one box that finds sensors, incidents, response units, districts,
 * roads and assets by id and by their zh-CN or English names (web/server/search). Shared by the
 * server and the console's search box.
 */

/**
 * What a hit can be, in the order hits of equal score are listed: places first (few, and their
 * names are in many sensors' names: "江汉" means the district before 江汉区医院's gauges), then
 * incidents, units and sensors.
 */
export const SEARCH_KINDS = ['district', 'road', 'asset', 'incident', 'unit', 'sensor'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** Longest query accepted (characters). */
export const SEARCH_MAX_QUERY = 80;
/** Most hits in one answer, and the default. */
export const SEARCH_MAX_LIMIT = 50;
export const SEARCH_DEFAULT_LIMIT = 20;

export interface SearchHit {
  kind: SearchKind;
  id: string;
  /** Names to show; an incident's are its type's, a sensor without a name has its id. */
  nameZh: string;
  nameEn: string;
  /** The sensor kind, incident type, unit kind or asset kind (worded by the console); null for districts and roads. */
  type: string | null;
  /** District code, or null. */
  district: string | null;
  /** Where to fly: a point (a road's middle, a district's seat). */
  lng: number;
  lat: number;
  /** [west, south, east, north] of a district or road (the map fits it), else null. */
  bbox: [number, number, number, number] | null;
  /** A road's line(s) to highlight on the map (at most {@link SEARCH_MAX_ROAD_POINTS} points), else null. */
  lines: [number, number][][] | null;
}

/** Points of a road's lines sent with a hit (longer roads are thinned evenly). */
export const SEARCH_MAX_ROAD_POINTS = 400;

export interface SearchResponse {
  /** The query as understood (trimmed). */
  q: string;
  hits: SearchHit[];
  /** More things matched than `hits` holds. */
  truncated: boolean;
}
