/**
 * maplibre-gl's own words — the zoom buttons' and compass's titles, the map's accessible name,
 * the scale's units, and those of the controls the product does not add today (attribution,
 * full screen, locate me, popups, markers, globe, terrain, the two-finger hint) — in the page's
 * language, from the product's strings (i18n/strings.ts, `map.ui.*`). Every map is created with
 * them (`locale`, city-map.ts) and worded again when the language changes: maplibre reads its
 * table when a control is added or changes state, and titles the zoom buttons, the compass and
 * the canvas once, so those are written again here.
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import { translate, type Language } from '../i18n/language.ts';
import type { StringKey } from '../i18n/strings.ts';

/** maplibre's string ids (its `defaultLocale`'s keys). */
export type MapUiKey = Parameters<MaplibreMap['_getUIString']>[0];

/** Every string id maplibre has, and the product's string for it (the type makes it complete). */
export const MAP_UI_STRINGS: Readonly<Record<MapUiKey, StringKey>> = {
  'AttributionControl.ToggleAttribution': 'map.ui.toggleAttribution',
  'AttributionControl.MapFeedback': 'map.ui.mapFeedback',
  'FullscreenControl.Enter': 'map.ui.fullscreenEnter',
  'FullscreenControl.Exit': 'map.ui.fullscreenExit',
  'GeolocateControl.FindMyLocation': 'map.ui.findMyLocation',
  'GeolocateControl.LocationNotAvailable': 'map.ui.locationNotAvailable',
  'LogoControl.Title': 'map.ui.logo',
  'Map.Title': 'map.ui.map',
  'Marker.Title': 'map.ui.marker',
  'NavigationControl.ResetBearing': 'map.ui.resetBearing',
  'NavigationControl.ZoomIn': 'map.ui.zoomIn',
  'NavigationControl.ZoomOut': 'map.ui.zoomOut',
  'Popup.Close': 'map.ui.popupClose',
  'ScaleControl.Feet': 'map.ui.feet',
  'ScaleControl.Meters': 'map.ui.meters',
  'ScaleControl.Kilometers': 'map.ui.kilometers',
  'ScaleControl.Miles': 'map.ui.miles',
  'ScaleControl.NauticalMiles': 'map.ui.nauticalMiles',
  'GlobeControl.Enable': 'map.ui.globeEnable',
  'GlobeControl.Disable': 'map.ui.globeDisable',
  'TerrainControl.Enable': 'map.ui.terrainEnable',
  'TerrainControl.Disable': 'map.ui.terrainDisable',
  'CooperativeGesturesHandler.WindowsHelpText': 'map.ui.gestureWindows',
  'CooperativeGesturesHandler.MacHelpText': 'map.ui.gestureMac',
  'CooperativeGesturesHandler.MobileHelpText': 'map.ui.gestureMobile',
};

/** maplibre's `locale` option in `lang`: every string id it has. */
export function mapUiLocale(lang: Language): Record<MapUiKey, string> {
  const out = {} as Record<MapUiKey, string>;
  for (const [id, key] of Object.entries(MAP_UI_STRINGS) as [MapUiKey, StringKey][]) out[id] = translate(lang, key);
  return out;
}

/** The buttons maplibre titles once, when they are added: their class and string id. */
const TITLED_ONCE: ReadonlyArray<readonly [string, MapUiKey]> = [
  ['.maplibregl-ctrl-zoom-in', 'NavigationControl.ZoomIn'],
  ['.maplibregl-ctrl-zoom-out', 'NavigationControl.ZoomOut'],
  ['.maplibregl-ctrl-compass', 'NavigationControl.ResetBearing'],
  ['.maplibregl-ctrl-attrib-button', 'AttributionControl.ToggleAttribution'],
  ['.maplibregl-popup-close-button', 'Popup.Close'],
];

/** Words `map`'s own controls in `lang` (the controls added later read the same table). */
export function setMapUiLanguage(map: MaplibreMap, lang: Language): void {
  const locale = mapUiLocale(lang);
  Object.assign(map._locale, locale);
  const container = map.getContainer();
  for (const [selector, id] of TITLED_ONCE)
    for (const el of container.querySelectorAll<HTMLElement>(selector)) {
      el.title = locale[id];
      el.setAttribute('aria-label', locale[id]);
    }
  map.getCanvas().setAttribute('aria-label', locale['Map.Title']);
}
