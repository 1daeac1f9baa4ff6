/**
 * The bundled maplibre styles of a city's PMTiles basemap: a dark operations style (the
 * console's default, quiet under the live layers) and a light one (daylight rooms, print).
 *
 * They expect the OpenMapTiles vector schema (openmaptiles.org/schema), the default output of
 * Planetiler and of the OpenMapTiles tools, so a city's basemap is built with standard tools
 * (docs/basemaps.md). Used layers and fields:
 *
 *   water (class), waterway (class), landcover (class), landuse (class), park,
 *   transportation (class, brunnel), transportation_name (name), building (render_height,
 *   render_min_height), boundary (admin_level, maritime), place (class, rank), water_name
 *
 * A city package's own GeoJSON tiled with tippecanoe under those layer names also works: road
 * `class` values `residential` and `minor` are drawn alike, buildings' `height_m` is read when
 * `render_height` is absent, names are read from `name:zh` / `name:en`, `name_zh` / `name_en`
 * or `name`.
 *
 * Nothing is fetched from the network: no `glyphs` (labels use the browser's local fonts
 * through `localIdeographFontFamily`, maplibre ≥ 5.11), no `sprite`; the only source is the
 * archive on the console's own server through the `pmtiles://` protocol.
 */
import type { ExpressionSpecification, FilterSpecification, LayerSpecification, StyleSpecification } from 'maplibre-gl';
import { BASEMAP_PMTILES_PATH, type BasemapVariant } from './basemap-protocol.ts';

/** Source id of the vector basemap in the style. */
export const VECTOR_SOURCE = 'basemap';
/** Layers whose `text-field` follows the language. */
export const VECTOR_LABEL_LAYERS = ['label-road', 'label-water', 'label-place-minor', 'label-place-major'] as const;
/** Flat building footprints (2D) and their extrusions (3D); the console shows one of the two. */
export const BUILDING_2D_LAYER = 'building-2d';
export const BUILDING_3D_LAYER = 'building-3d';

/**
 * The source URL in a style the server sends: the `pmtiles://` protocol over a path on the
 * console's own origin. The console makes it absolute (`pmtiles://https://host/…`) before
 * maplibre sees it, because the style does not know the address it is served under.
 */
export const RELATIVE_PMTILES_URL = `pmtiles://${BASEMAP_PMTILES_PATH}`;

interface Palette {
  background: string;
  landuseResidential: string;
  landuseIndustrial: string;
  green: string;
  wood: string;
  water: string;
  waterway: string;
  minor: string;
  tertiary: string;
  secondary: string;
  primary: string;
  trunk: string;
  motorway: string;
  casing: string;
  rail: string;
  building: string;
  buildingLine: string;
  buildingLow: string;
  buildingHigh: string;
  boundaryMajor: string;
  boundaryMinor: string;
  labelPlace: string;
  labelPlaceMinor: string;
  labelWater: string;
  labelRoad: string;
  halo: string;
}

/** Command-centre navy (the schematic map's palette, so both read alike under the live layers). */
const DARK: Palette = {
  background: '#0c1623',
  landuseResidential: '#101d2c',
  landuseIndustrial: '#121c28',
  green: '#0f2224',
  wood: '#0e2322',
  water: '#0f3655',
  waterway: '#1b5584',
  minor: '#1c2a3b',
  tertiary: '#26374a',
  secondary: '#34495f',
  primary: '#3f5872',
  trunk: '#456180',
  motorway: '#5a7ea3',
  casing: '#060b13',
  rail: '#2c3c50',
  building: '#16263a',
  buildingLine: '#1f3550',
  buildingLow: '#1d3049',
  buildingHigh: '#3b5f86',
  boundaryMajor: '#4a6a8c',
  boundaryMinor: '#2a4460',
  labelPlace: '#d5e1ee',
  labelPlaceMinor: '#a7b6c6',
  labelWater: '#5fa0d6',
  labelRoad: '#8aa0b6',
  halo: '#060b13',
};

/** Paper-light: pale land, blue water, white roads with grey casings. */
const LIGHT: Palette = {
  background: '#f2efe9',
  landuseResidential: '#ebe7df',
  landuseIndustrial: '#e6e2e8',
  green: '#d8ead0',
  wood: '#cde3c4',
  water: '#a9cbe8',
  waterway: '#8fbbe0',
  minor: '#ffffff',
  tertiary: '#ffffff',
  secondary: '#fdf3d0',
  primary: '#fbe3a0',
  trunk: '#f8c97a',
  motorway: '#f2a65a',
  casing: '#c9c2b6',
  rail: '#b8b2a8',
  building: '#dcd6cc',
  buildingLine: '#cbc3b6',
  buildingLow: '#e0dad0',
  buildingHigh: '#b9b0a2',
  boundaryMajor: '#8a7fa0',
  boundaryMinor: '#b3a9c4',
  labelPlace: '#2b3440',
  labelPlaceMinor: '#4e5966',
  labelWater: '#3b6f9e',
  labelRoad: '#5f6770',
  halo: '#ffffff',
};

/** The background colour of each variant (the console's page behind the map follows it). */
export const VARIANT_BACKGROUND: Record<BasemapVariant, string> = { dark: DARK.background, light: LIGHT.background };

/** The name to show in `lang`, falling back through the spellings of OpenMapTiles and of city packages. */
export function vectorLabelField(lang: 'zh' | 'en'): ExpressionSpecification {
  return lang === 'en'
    ? ['coalesce', ['get', 'name:en'], ['get', 'name_en'], ['get', 'name:latin'], ['get', 'name'], ['get', 'name_zh'], '']
    : [
        'coalesce',
        ['get', 'name:zh'],
        ['get', 'name_zh'],
        ['get', 'name:zh-Hans'],
        ['get', 'name'],
        ['get', 'name:en'],
        ['get', 'name_en'],
        '',
      ];
}

const classIn = (...classes: string[]): ExpressionSpecification => ['in', ['get', 'class'], ['literal', classes]];
const brunnel = (value: string): ExpressionSpecification => ['==', ['get', 'brunnel'], value];
const notBrunnel: ExpressionSpecification = ['!', ['in', ['coalesce', ['get', 'brunnel'], ''], ['literal', ['bridge', 'tunnel']]]];
const ramp = (...stops: number[]): ExpressionSpecification =>
  ['interpolate', ['exponential', 1.5], ['zoom'], ...stops] as unknown as ExpressionSpecification;
/** Building height in metres: OpenMapTiles' render_height, else a package's height_m or height. */
const HEIGHT: ExpressionSpecification = [
  'to-number',
  ['coalesce', ['get', 'render_height'], ['get', 'height_m'], ['get', 'height'], 10],
  10,
];
const BASE_HEIGHT: ExpressionSpecification = ['to-number', ['coalesce', ['get', 'render_min_height'], ['get', 'min_height'], 0], 0];

/** Road classes from thin to thick, with the zoom they appear at and their widths. */
const ROADS: Array<{ id: string; classes: string[]; color: keyof Palette; minzoom: number; width: number[] }> = [
  {
    id: 'minor',
    classes: ['minor', 'residential', 'service', 'street', 'living_street', 'unclassified'],
    color: 'minor',
    minzoom: 12,
    width: [12, 0.4, 14, 1.2, 17, 6],
  },
  { id: 'tertiary', classes: ['tertiary'], color: 'tertiary', minzoom: 10, width: [10, 0.4, 13, 1.2, 17, 8] },
  { id: 'secondary', classes: ['secondary'], color: 'secondary', minzoom: 9, width: [9, 0.4, 13, 1.6, 17, 10] },
  { id: 'primary', classes: ['primary'], color: 'primary', minzoom: 7, width: [7, 0.4, 12, 1.8, 17, 12] },
  { id: 'trunk', classes: ['trunk'], color: 'trunk', minzoom: 5, width: [5, 0.5, 12, 2.2, 17, 14] },
  { id: 'motorway', classes: ['motorway'], color: 'motorway', minzoom: 5, width: [5, 0.6, 12, 2.6, 17, 16] },
];

function roadLayers(p: Palette, variant: BasemapVariant, kind: 'tunnel' | 'road' | 'bridge'): LayerSpecification[] {
  const layers: LayerSpecification[] = [];
  const where: ExpressionSpecification = kind === 'road' ? notBrunnel : brunnel(kind);
  for (const r of ROADS) {
    const filter: FilterSpecification = ['all', classIn(...r.classes), where];
    // The light style outlines roads (white on pale land needs an edge); the dark one only bridges.
    if (variant === 'light' || kind === 'bridge') {
      layers.push({
        id: `${kind}-${r.id}-casing`,
        type: 'line',
        source: VECTOR_SOURCE,
        'source-layer': 'transportation',
        minzoom: r.minzoom,
        filter,
        layout: { 'line-cap': kind === 'bridge' ? 'butt' : 'round', 'line-join': 'round' },
        paint: { 'line-color': p.casing, 'line-width': ramp(...r.width.map((v, i) => (i % 2 === 1 ? v * 1.6 + 0.6 : v))) },
      });
    }
    layers.push({
      id: `${kind}-${r.id}`,
      type: 'line',
      source: VECTOR_SOURCE,
      'source-layer': 'transportation',
      minzoom: r.minzoom,
      filter,
      layout: { 'line-cap': kind === 'road' ? 'round' : 'butt', 'line-join': 'round' },
      paint: {
        'line-color': p[r.color],
        'line-width': ramp(...r.width),
        ...(kind === 'tunnel' ? { 'line-dasharray': [2, 1.5], 'line-opacity': 0.7 } : {}),
      },
    });
  }
  return layers;
}

/**
 * The style for `variant` in `lang`. `sourceUrl` is the archive's `pmtiles://` URL
 * ({@link RELATIVE_PMTILES_URL} from the server, made absolute by the console).
 */
export function buildVectorStyle(variant: BasemapVariant, lang: 'zh' | 'en', sourceUrl: string = RELATIVE_PMTILES_URL): StyleSpecification {
  const p = variant === 'light' ? LIGHT : DARK;
  const text = vectorLabelField(lang);
  const source = { source: VECTOR_SOURCE } as const;
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': p.background } },
    // Land use and cover, faint: the live layers carry the colour.
    {
      id: 'landuse-residential',
      type: 'fill',
      ...source,
      'source-layer': 'landuse',
      filter: classIn('residential', 'suburb', 'neighbourhood', 'quarter'),
      paint: { 'fill-color': p.landuseResidential },
    },
    {
      id: 'landuse-industrial',
      type: 'fill',
      ...source,
      'source-layer': 'landuse',
      filter: classIn('industrial', 'commercial', 'retail', 'railway'),
      paint: { 'fill-color': p.landuseIndustrial },
    },
    {
      id: 'landcover-wood',
      type: 'fill',
      ...source,
      'source-layer': 'landcover',
      filter: classIn('wood', 'forest'),
      paint: { 'fill-color': p.wood, 'fill-opacity': 0.8 },
    },
    {
      id: 'landcover-grass',
      type: 'fill',
      ...source,
      'source-layer': 'landcover',
      filter: classIn('grass', 'farmland', 'wetland'),
      paint: { 'fill-color': p.green, 'fill-opacity': 0.6 },
    },
    { id: 'park', type: 'fill', ...source, 'source-layer': 'park', paint: { 'fill-color': p.green, 'fill-opacity': 0.6 } },
    // Water over land.
    { id: 'water', type: 'fill', ...source, 'source-layer': 'water', paint: { 'fill-color': p.water } },
    {
      id: 'waterway',
      type: 'line',
      ...source,
      'source-layer': 'waterway',
      paint: { 'line-color': p.waterway, 'line-width': ramp(8, 0.5, 14, 2, 17, 5) },
    },
    // Roads: tunnels under, then roads thin to thick, rail, bridges last.
    ...roadLayers(p, variant, 'tunnel'),
    ...roadLayers(p, variant, 'road'),
    {
      id: 'rail',
      type: 'line',
      ...source,
      'source-layer': 'transportation',
      minzoom: 11,
      filter: classIn('rail', 'transit'),
      paint: { 'line-color': p.rail, 'line-width': ramp(11, 0.6, 17, 2.5), 'line-dasharray': [3, 2] },
    },
    ...roadLayers(p, variant, 'bridge'),
    // Buildings: flat in 2D, extruded by height in 3D (the console switches visibility).
    {
      id: BUILDING_2D_LAYER,
      type: 'fill',
      ...source,
      'source-layer': 'building',
      minzoom: 13,
      paint: {
        'fill-color': p.building,
        'fill-outline-color': p.buildingLine,
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], 13, 0, 14, 0.9],
      },
    },
    {
      id: BUILDING_3D_LAYER,
      type: 'fill-extrusion',
      ...source,
      'source-layer': 'building',
      minzoom: 12,
      layout: { visibility: 'none' },
      paint: {
        'fill-extrusion-color': ['interpolate', ['linear'], HEIGHT, 0, p.buildingLow, 150, p.buildingHigh],
        'fill-extrusion-height': HEIGHT,
        'fill-extrusion-base': BASE_HEIGHT,
        'fill-extrusion-opacity': 0.85,
      },
    },
    // Administrative boundaries over everything drawn on the ground.
    {
      id: 'boundary-minor',
      type: 'line',
      ...source,
      'source-layer': 'boundary',
      filter: ['all', ['>=', ['to-number', ['get', 'admin_level'], 8], 5], ['!=', ['get', 'maritime'], 1]],
      paint: { 'line-color': p.boundaryMinor, 'line-width': ramp(8, 0.6, 14, 1.4), 'line-dasharray': [3, 2] },
    },
    {
      id: 'boundary-major',
      type: 'line',
      ...source,
      'source-layer': 'boundary',
      filter: ['all', ['<=', ['to-number', ['get', 'admin_level'], 8], 4], ['!=', ['get', 'maritime'], 1]],
      paint: { 'line-color': p.boundaryMajor, 'line-width': ramp(4, 0.8, 14, 2) },
    },
    // Labels: maplibre places later layers first, so the most important come last.
    {
      id: 'label-road',
      type: 'symbol',
      ...source,
      'source-layer': 'transportation_name',
      minzoom: 12,
      layout: {
        'symbol-placement': 'line',
        'text-field': text,
        'text-size': ramp(12, 10, 17, 13),
        'text-max-angle': 30,
        'symbol-spacing': 400,
      },
      paint: { 'text-color': p.labelRoad, 'text-halo-color': p.halo, 'text-halo-width': 1.2 },
    },
    {
      id: 'label-water',
      type: 'symbol',
      ...source,
      'source-layer': 'water_name',
      minzoom: 9,
      layout: { 'text-field': text, 'text-size': ramp(9, 11, 14, 14), 'text-letter-spacing': 0.1, 'text-max-width': 8 },
      paint: { 'text-color': p.labelWater, 'text-halo-color': p.halo, 'text-halo-width': 1.2 },
    },
    {
      id: 'label-place-minor',
      type: 'symbol',
      ...source,
      'source-layer': 'place',
      minzoom: 11,
      filter: classIn('suburb', 'quarter', 'neighbourhood', 'village', 'hamlet'),
      layout: {
        'text-field': text,
        'text-size': ramp(11, 11, 15, 14),
        'text-max-width': 8,
        'symbol-sort-key': ['coalesce', ['get', 'rank'], 20],
      },
      paint: { 'text-color': p.labelPlaceMinor, 'text-halo-color': p.halo, 'text-halo-width': 1.2 },
    },
    {
      id: 'label-place-major',
      type: 'symbol',
      ...source,
      'source-layer': 'place',
      filter: classIn('city', 'town', 'state', 'province', 'district', 'county'),
      layout: {
        'text-field': text,
        'text-size': ramp(6, 12, 12, 18),
        'text-max-width': 10,
        'symbol-sort-key': ['coalesce', ['get', 'rank'], 10],
      },
      paint: { 'text-color': p.labelPlace, 'text-halo-color': p.halo, 'text-halo-width': 1.8 },
    },
  ];
  return {
    version: 8,
    name: `citytwin-${variant}`,
    metadata: { 'citytwin:variant': variant, 'citytwin:schema': 'openmaptiles' },
    sources: { [VECTOR_SOURCE]: { type: 'vector', url: sourceUrl } },
    layers,
  };
}
