/**
 * The base map over HTTP, shared by the web server and the console (docs/basemaps.md):
 *
 *   GET /api/city/basemap                 the city's GeoJSON layers, `buildings` when the model
 *                                         has them, and `vector` when the city has a PMTiles basemap
 *   GET|HEAD /api/city/basemap.pmtiles    the archive itself, by byte ranges
 *   GET /api/city/style?variant=dark|light&lang=zh|en
 *                                         the maplibre style the console draws the archive with
 */
import type { CityBasemap, FeatureCollection } from '../../twin-model/index.ts';

/** The bundled styles of a vector basemap. */
export const BASEMAP_VARIANTS = ['dark', 'light'] as const;
export type BasemapVariant = (typeof BASEMAP_VARIANTS)[number];

/** Where the archive is served (same origin, same sign-in as the other city routes). */
export const BASEMAP_PMTILES_PATH = '/api/city/basemap.pmtiles';

/** What the console needs to know about the city's PMTiles basemap before it draws it. */
export interface VectorBasemapInfo {
  /** Path of the archive on this server ({@link BASEMAP_PMTILES_PATH}). */
  url: string;
  /** Schema of the vector layers the bundled styles expect. */
  schema: 'openmaptiles';
  /** The styles the server has for it, first the default. */
  variants: BasemapVariant[];
  minZoom: number;
  maxZoom: number;
  /** West, south, east, north (from the archive's header). */
  bounds: [number, number, number, number];
  /** The archive's `attribution` metadata as plain text (e.g. "© OpenStreetMap contributors"), or null. */
  attribution: string | null;
}

/** `GET /api/city/basemap` */
export type BasemapPayload = CityBasemap & {
  /** Building footprints with `height_m` (a city package's `buildings.geojson`), when the model has them. */
  buildings?: FeatureCollection;
  /** The city's PMTiles basemap, or null: then the console draws the GeoJSON layers above. */
  vector: VectorBasemapInfo | null;
};
