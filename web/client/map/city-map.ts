/**
 * The maplibre map: created at once with an empty schematic style, filled with the city's
 * base map when `GET /api/city/basemap` answers (retrying until it does), and relabelled when
 * the language changes.
 */
import { authHeaders } from '../backend/session.ts';
import { Map as MaplibreMap, NavigationControl, type GeoJSONSource, type LngLatBoundsLike } from 'maplibre-gl';
import type { CityBasemap } from '../../../twin-model/city/city-types.ts';
import type { Language } from '../i18n/language.ts';
import { asGeoJson, BASEMAP_SOURCES, buildCityStyle, LABEL_LAYERS, labelField, LOCAL_CJK_FONTS } from './basemap-style.ts';

/** The central city shown on load (≈ the 3rd ring and a little beyond). */
export const CENTRAL_CITY: [[number, number], [number, number]] = [
  [114.05, 30.4],
  [114.55, 30.72],
];
/** Whole municipality (the city outline ≈113.70–115.08 E, 29.97–31.36 N), used until the base map says. */
const CITY_EXTENT: [number, number, number, number] = [113.68, 29.95, 115.1, 31.38];

/** How far beyond the city's bbox the view may pan (degrees). */
const PAN_MARGIN = 0.35;

export function createCityMap(container: HTMLElement, lang: Language): MaplibreMap {
  const map = new MaplibreMap({
    container,
    style: buildCityStyle(null, lang),
    bounds: CENTRAL_CITY,
    fitBoundsOptions: { padding: 24 },
    maxBounds: paddedBounds(CITY_EXTENT),
    minZoom: 7,
    maxZoom: 17.5,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    renderWorldCopies: false,
    localIdeographFontFamily: LOCAL_CJK_FONTS,
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new NavigationControl({ showCompass: false }), 'bottom-right');
  return map;
}

/** Puts the base map's features into the (already present) sources. */
export function applyBasemap(map: MaplibreMap, basemap: CityBasemap): void {
  for (const id of BASEMAP_SOURCES) {
    const source = map.getSource<GeoJSONSource>(id);
    source?.setData(asGeoJson(basemap[id]));
  }
  if (Array.isArray(basemap.bbox) && basemap.bbox.length === 4) {
    const [w, s, e, n] = basemap.bbox;
    if ([w, s, e, n].every(Number.isFinite) && w < e && s < n) map.setMaxBounds(paddedBounds([w, s, e, n]));
  }
}

/** Switches every label layer to `lang`. */
export function setMapLanguage(map: MaplibreMap, lang: Language): void {
  const field = labelField(lang);
  for (const id of LABEL_LAYERS) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'text-field', field);
  }
  if (map.getLayer('label-district')) {
    map.setLayoutProperty('label-district', 'text-letter-spacing', lang === 'zh' ? 0.25 : 0.04);
  }
}

/** Fetches the base map; throws with the HTTP status on failure. */
export async function fetchBasemap(signal?: AbortSignal): Promise<CityBasemap> {
  const res = await fetch('/api/city/basemap', { signal, headers: { accept: 'application/json', ...authHeaders() } });
  if (!res.ok) throw new Error(`GET /api/city/basemap answered HTTP ${res.status}`);
  const body = (await res.json()) as CityBasemap;
  for (const id of BASEMAP_SOURCES) {
    if (body[id]?.type !== 'FeatureCollection') {
      throw new Error(`GET /api/city/basemap: "${id}" is not a FeatureCollection`);
    }
  }
  return body;
}

function paddedBounds([w, s, e, n]: [number, number, number, number]): LngLatBoundsLike {
  return [
    [w - PAN_MARGIN, s - PAN_MARGIN],
    [e + PAN_MARGIN, n + PAN_MARGIN],
  ];
}
