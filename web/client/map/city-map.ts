/**
 * The maplibre map: created at once with an empty schematic style, filled with the city's
 * base map when `GET /api/city/basemap` answers (retrying until it does), and relabelled when
 * the language changes. A city with a PMTiles basemap gets the bundled vector style instead
 * (basemap-view.ts); rotation and pitch stay off until the 3D view turns them on.
 */
import { authHeaders } from '../backend/session.ts';
import { LngLatBounds, Map as MaplibreMap, NavigationControl, type GeoJSONSource, type LngLatBoundsLike } from 'maplibre-gl';
import type { CityInfo } from '../../shared/protocol.ts';
import type { Language } from '../i18n/language.ts';
import type { BasemapPayload } from '../../shared/basemap-protocol.ts';
import { VECTOR_LABEL_LAYERS, vectorLabelField } from '../../shared/vector-basemap-style.ts';
import {
  asGeoJson,
  BASEMAP_SOURCES,
  BUILDINGS_SOURCE,
  buildCityStyle,
  LABEL_LAYERS,
  labelField,
  LOCAL_CJK_FONTS,
} from './basemap-style.ts';
import { mapUiLocale, setMapUiLanguage } from './map-locale.ts';

/** The view the map is created on, until the city is known: the generated Wuhan's centre (≈ the 3rd ring and a little beyond). */
export const CENTRAL_CITY: [[number, number], [number, number]] = [
  [114.05, 30.4],
  [114.55, 30.72],
];
/** The generated Wuhan's extent (outline ≈113.70–115.08 E, 29.97–31.36 N), used until the city or its base map says. */
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
    // Rotation (and pitch with it) is enabled by the 3D view (basemap-view.ts).
    dragRotate: false,
    touchPitch: false,
    maxPitch: 60,
    renderWorldCopies: false,
    localIdeographFontFamily: LOCAL_CJK_FONTS,
    // maplibre's own words (the zoom buttons' titles, the map's name …) in the page's language.
    locale: mapUiLocale(lang),
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new NavigationControl({ showCompass: false }), 'bottom-right');
  return map;
}

/** Puts the base map's features into the (already present) sources: the schematic map. */
export function applyBasemap(map: MaplibreMap, basemap: Omit<BasemapPayload, 'vector'> & { vector?: unknown }): void {
  for (const id of BASEMAP_SOURCES) {
    const source = map.getSource<GeoJSONSource>(id);
    source?.setData(asGeoJson(basemap[id]));
  }
  if (basemap.buildings?.type === 'FeatureCollection')
    map.getSource<GeoJSONSource>(BUILDINGS_SOURCE)?.setData(asGeoJson(basemap.buildings));
  setCityBounds(map, basemap.bbox);
}

/**
 * Starts the map on the city the server runs (`GET /api/city`): its extent becomes the panning
 * limit, and unless the view the map was created on already shows the city's centre, the map
 * moves to the city's own centre and zoom.
 */
export function showCity(map: MaplibreMap, city: Pick<CityInfo, 'center' | 'zoom' | 'bbox'>): void {
  const shown = new LngLatBounds(CENTRAL_CITY[0], CENTRAL_CITY[1]).contains(city.center);
  map.setMaxBounds(null);
  if (!shown) map.jumpTo({ center: city.center, zoom: city.zoom });
  setCityBounds(map, city.bbox);
}

/** Whether the map is on a wall screen (kiosk mode, styles/wall.css). */
function isWallScreen(map: MaplibreMap): boolean {
  return map.getContainer().ownerDocument.documentElement.classList.contains('kiosk');
}

/** Keeps panning within the city's bbox (and a margin). */
export function setCityBounds(map: MaplibreMap, bbox: readonly number[] | undefined): void {
  if (Array.isArray(bbox) && bbox.length === 4) {
    const [w, s, e, n] = bbox as [number, number, number, number];
    if (![w, s, e, n].every(Number.isFinite) || w >= e || s >= n) return;
    // A wall screen (kiosk mode) has nobody panning it, and a limit as wide as the city would keep a
    // 32:9 wall from zooming out far enough to show the whole city: no limit there.
    map.setMaxBounds(isWallScreen(map) ? null : paddedBounds([w, s, e, n]));
    const c = map.getCenter();
    if (c.lng < w || c.lng > e || c.lat < s || c.lat > n)
      map.fitBounds(
        [
          [w, s],
          [e, n],
        ],
        { padding: 24, animate: false },
      );
  }
}

/** Switches every label layer, and maplibre's own controls, to `lang`. */
export function setMapLanguage(map: MaplibreMap, lang: Language): void {
  setMapUiLanguage(map, lang);
  const field = labelField(lang);
  for (const id of LABEL_LAYERS) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'text-field', field);
  }
  const vectorField = vectorLabelField(lang);
  for (const id of VECTOR_LABEL_LAYERS) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'text-field', vectorField);
  }
  if (map.getLayer('label-district')) {
    map.setLayoutProperty('label-district', 'text-letter-spacing', lang === 'zh' ? 0.25 : 0.04);
  }
}

/** Fetches the base map; throws with the HTTP status on failure. */
export async function fetchBasemap(signal?: AbortSignal): Promise<BasemapPayload> {
  const res = await fetch('/api/city/basemap', { signal, headers: { accept: 'application/json', ...authHeaders() } });
  if (!res.ok) throw new Error(`GET /api/city/basemap answered HTTP ${res.status}`);
  const body = (await res.json()) as BasemapPayload;
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
