/**
 * The offline base map: a maplibre style built in code from the city model's GeoJSON
 * (`GET /api/city/basemap`). Nothing is fetched from the network — no tiles, no sprite, no
 * glyphs URL: with no `glyphs`, maplibre ≥ 5.11 draws every label with local fonts
 * (city-model.md, "Labels offline").
 */
import type {
  ExpressionSpecification,
  GeoJSONSourceSpecification,
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
} from 'maplibre-gl';
import type { CityBasemap, FeatureCollection } from '../../../twin-model/city/city-types.ts';
import type { Language } from '../i18n/language.ts';
import { BUILDING_2D_LAYER, BUILDING_3D_LAYER } from '../../shared/vector-basemap-style.ts';

/** Fonts for CJK labels, all local (passed to maplibre as `localIdeographFontFamily`). */
export const LOCAL_CJK_FONTS = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';

/** The GeoJSON sources of the base map, in CityBasemap's field names. */
export const BASEMAP_SOURCES = ['districts', 'zones', 'water', 'roads', 'labels', 'assets'] as const;
export type BasemapSourceId = (typeof BASEMAP_SOURCES)[number];

/** Source of the city's building footprints (`buildings` of the base map payload, when the model has them). */
export const BUILDINGS_SOURCE = 'buildings';

/** Layers whose `text-field` follows the language. */
export const LABEL_LAYERS = ['label-road', 'label-zone', 'label-water', 'label-landmark', 'label-district'] as const;

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

/** Command-centre palette: dark navy land, deep blue water, roads in steel blues. */
export const PALETTE = {
  outside: '#060b13',
  land: ['#0d1826', '#0f1b2a', '#0c1623', '#101d2c'] as const,
  districtLine: '#2a4460',
  zoneLine: '#2f7d86',
  water: '#0f3655',
  waterLine: '#1b5584',
  street: '#1c2a3b',
  arterial: '#34495f',
  ring: '#456180',
  expressway: '#5a7ea3',
  bridge: '#9cc3ea',
  tunnel: '#5a7ea3',
  building: '#16263a',
  buildingLine: '#1f3550',
  buildingLow: '#1d3049',
  buildingHigh: '#3b5f86',
  labelDistrict: '#d5e1ee',
  labelWater: '#5fa0d6',
  labelRoad: '#8aa0b6',
  labelZone: '#53b3bb',
  labelLandmark: '#a7b6c6',
  halo: '#060b13',
} as const;

/** The name to show for a feature in `lang`, falling back to the other language. */
export function labelField(lang: Language): ExpressionSpecification {
  return lang === 'en'
    ? ['coalesce', ['get', 'name_en'], ['get', 'name_zh'], '']
    : ['coalesce', ['get', 'name_zh'], ['get', 'name_en'], ''];
}

/** The city model's loosely typed FeatureCollection as maplibre's GeoJSON type (same shape). */
export function asGeoJson(data: FeatureCollection): GeoJSONSourceSpecification['data'] {
  return data as unknown as GeoJSONSourceSpecification['data'];
}

function geojson(data: FeatureCollection): SourceSpecification {
  return { type: 'geojson', data: asGeoJson(data) };
}

/** Builds the full style; pass `null` for an empty map (before the base map has loaded). */
export function buildCityStyle(basemap: CityBasemap | null, lang: Language): StyleSpecification {
  const sources: Record<string, SourceSpecification> = {};
  for (const id of BASEMAP_SOURCES) sources[id] = geojson(basemap ? basemap[id] : EMPTY);
  sources[BUILDINGS_SOURCE] = geojson(EMPTY);
  return { version: 8, name: 'citytwin-schematic', sources, layers: buildLayers(lang) };
}

const roadClass = (...classes: string[]): ExpressionSpecification => ['in', ['get', 'class'], ['literal', classes]];
const labelKind = (kind: string): ExpressionSpecification => ['==', ['get', 'label'], kind];
const zoomRamp = (...stops: number[]): ExpressionSpecification =>
  ['interpolate', ['exponential', 1.5], ['zoom'], ...stops] as unknown as ExpressionSpecification;

/** The style's layers, bottom to top: land and water, roads, buildings, boundaries, labels. */
function buildLayers(lang: Language): LayerSpecification[] {
  return [...landLayers(), ...roadLayers(), ...buildingLayers(), ...boundaryLayers(), ...labelLayers(lang)];
}

/** The background, the districts (each with one of four close tints so neighbours read apart), the zones, and water over land. */
function landLayers(): LayerSpecification[] {
  return [
    { id: 'background', type: 'background', paint: { 'background-color': PALETTE.outside } },

    // Land: the districts, each with one of four close tints so neighbours read apart.
    {
      id: 'district-fill',
      type: 'fill',
      source: 'districts',
      paint: {
        'fill-color': [
          'match',
          ['%', ['to-number', ['get', 'code'], 0], 4],
          0,
          PALETTE.land[0],
          1,
          PALETTE.land[1],
          2,
          PALETTE.land[2],
          PALETTE.land[3],
        ],
        'fill-opacity': 1,
      },
    },
    {
      id: 'zone-fill',
      type: 'fill',
      source: 'zones',
      paint: { 'fill-color': PALETTE.zoneLine, 'fill-opacity': 0.04 },
    },

    { id: 'water-fill', type: 'fill', source: 'water', paint: { 'fill-color': PALETTE.water } },
    {
      id: 'water-line',
      type: 'line',
      source: 'water',
      paint: { 'line-color': PALETTE.waterLine, 'line-width': zoomRamp(8, 0.4, 14, 1.2), 'line-opacity': 0.8 },
    },
  ];
}

/** Roads, thin to thick, bridges last and brightest. */
function roadLayers(): LayerSpecification[] {
  return [
    {
      id: 'road-street',
      type: 'line',
      source: 'roads',
      minzoom: 10,
      filter: roadClass('street'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': PALETTE.street, 'line-width': zoomRamp(10, 0.3, 13, 1, 16, 3) },
    },
    {
      id: 'road-tunnel',
      type: 'line',
      source: 'roads',
      filter: roadClass('tunnel'),
      paint: {
        'line-color': PALETTE.tunnel,
        'line-width': zoomRamp(8, 0.8, 13, 2, 16, 4),
        'line-dasharray': [2, 1.5],
        'line-opacity': 0.8,
      },
    },
    {
      id: 'road-arterial',
      type: 'line',
      source: 'roads',
      filter: roadClass('arterial'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': PALETTE.arterial, 'line-width': zoomRamp(8, 0.5, 12, 1.4, 16, 5) },
    },
    {
      id: 'road-ring',
      type: 'line',
      source: 'roads',
      filter: roadClass('ring'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': PALETTE.ring, 'line-width': zoomRamp(8, 0.8, 12, 1.8, 16, 6) },
    },
    {
      id: 'road-expressway',
      type: 'line',
      source: 'roads',
      filter: roadClass('expressway'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': PALETTE.expressway, 'line-width': zoomRamp(8, 1, 12, 2.2, 16, 7) },
    },
    {
      id: 'road-bridge-casing',
      type: 'line',
      source: 'roads',
      filter: roadClass('bridge'),
      layout: { 'line-cap': 'butt', 'line-join': 'round' },
      paint: { 'line-color': PALETTE.outside, 'line-width': zoomRamp(8, 2.6, 12, 4.6, 16, 11) },
    },
    {
      id: 'road-bridge',
      type: 'line',
      source: 'roads',
      filter: roadClass('bridge'),
      layout: { 'line-cap': 'butt', 'line-join': 'round' },
      paint: { 'line-color': PALETTE.bridge, 'line-width': zoomRamp(8, 1.4, 12, 2.6, 16, 7) },
    },
  ];
}

/** Buildings (a city package's buildings.geojson, `height_m`): flat in 2D, extruded in 3D. */
function buildingLayers(): LayerSpecification[] {
  return [
    {
      id: BUILDING_2D_LAYER,
      type: 'fill',
      source: BUILDINGS_SOURCE,
      minzoom: 13,
      paint: { 'fill-color': PALETTE.building, 'fill-outline-color': PALETTE.buildingLine },
    },
    {
      id: BUILDING_3D_LAYER,
      type: 'fill-extrusion',
      source: BUILDINGS_SOURCE,
      minzoom: 12,
      layout: { visibility: 'none' },
      paint: {
        'fill-extrusion-color': [
          'interpolate',
          ['linear'],
          ['to-number', ['get', 'height_m'], 10],
          0,
          PALETTE.buildingLow,
          150,
          PALETTE.buildingHigh,
        ],
        'fill-extrusion-height': ['to-number', ['get', 'height_m'], 10],
        'fill-extrusion-opacity': 0.85,
      },
    },
  ];
}

/** Boundaries over roads so they stay legible. */
function boundaryLayers(): LayerSpecification[] {
  return [
    {
      id: 'district-line',
      type: 'line',
      source: 'districts',
      layout: { 'line-join': 'round' },
      paint: { 'line-color': PALETTE.districtLine, 'line-width': zoomRamp(8, 0.7, 13, 1.6), 'line-opacity': 0.9 },
    },
    {
      id: 'zone-line',
      type: 'line',
      source: 'zones',
      minzoom: 9,
      paint: { 'line-color': PALETTE.zoneLine, 'line-width': 1, 'line-dasharray': [3, 2], 'line-opacity': 0.6 },
    },
  ];
}

/** Labels: lowest priority first (maplibre places later layers first). */
function labelLayers(lang: Language): LayerSpecification[] {
  const text = labelField(lang);
  return [
    {
      id: 'label-road',
      type: 'symbol',
      source: 'roads',
      minzoom: 11,
      filter: ['all', ['!', roadClass('street')], ['has', 'name_zh'], ['!=', ['get', 'name_zh'], '']],
      layout: {
        'symbol-placement': 'line',
        'text-field': text,
        'text-size': zoomRamp(11, 10, 16, 13),
        'text-max-angle': 30,
        'symbol-spacing': 400,
      },
      paint: { 'text-color': PALETTE.labelRoad, 'text-halo-color': PALETTE.halo, 'text-halo-width': 1.2 },
    },
    {
      id: 'label-zone',
      type: 'symbol',
      source: 'zones',
      minzoom: 10,
      layout: { 'text-field': text, 'text-size': 11, 'text-max-width': 8 },
      paint: { 'text-color': PALETTE.labelZone, 'text-halo-color': PALETTE.halo, 'text-halo-width': 1.2, 'text-opacity': 0.85 },
    },
    {
      id: 'label-water',
      type: 'symbol',
      source: 'labels',
      minzoom: 9,
      filter: labelKind('water'),
      layout: {
        'text-field': text,
        'text-size': zoomRamp(9, 11, 14, 14),
        'text-letter-spacing': 0.1,
        'text-max-width': 8,
        'symbol-sort-key': ['coalesce', ['get', 'rank'], 9],
      },
      paint: { 'text-color': PALETTE.labelWater, 'text-halo-color': PALETTE.halo, 'text-halo-width': 1.2 },
    },
    {
      id: 'label-landmark',
      type: 'symbol',
      source: 'labels',
      minzoom: 12,
      filter: ['any', labelKind('landmark'), labelKind('road')],
      layout: { 'text-field': text, 'text-size': 11, 'text-max-width': 8, 'symbol-sort-key': ['coalesce', ['get', 'rank'], 9] },
      paint: { 'text-color': PALETTE.labelLandmark, 'text-halo-color': PALETTE.halo, 'text-halo-width': 1.2 },
    },
    {
      id: 'label-district',
      type: 'symbol',
      source: 'labels',
      filter: labelKind('district'),
      layout: {
        'text-field': text,
        'text-size': zoomRamp(8, 12, 11, 16, 14, 20),
        'text-letter-spacing': lang === 'zh' ? 0.25 : 0.04,
        'text-max-width': 10,
        'text-allow-overlap': false,
        'symbol-sort-key': ['coalesce', ['get', 'rank'], 9],
      },
      paint: {
        'text-color': PALETTE.labelDistrict,
        'text-halo-color': PALETTE.halo,
        'text-halo-width': 1.8,
        'text-opacity': 0.92,
      },
    },
  ];
}
