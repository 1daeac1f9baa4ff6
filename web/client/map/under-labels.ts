/**
 * Markers go under the base map's names: whatever a page draws on the map (deck.gl's live layers,
 * a page's own circle layers) is inserted before the style's first symbol layer, so the district,
 * place, road and water names stay readable above it. The first symbol layer is found in the
 * style the map holds now (a city package brings its own, docs/basemaps.md), never by a name;
 * a style without symbol layers gets the markers on top of everything (undefined).
 */
import type { Map as MaplibreMap } from 'maplibre-gl';

/** The id of the first symbol layer of the map's style, bottom to top, or undefined when it has none. */
export function firstSymbolLayerId(map: Pick<MaplibreMap, 'getLayersOrder' | 'getLayer'>): string | undefined {
  for (const id of map.getLayersOrder()) if (map.getLayer(id)?.type === 'symbol') return id;
  return undefined;
}
