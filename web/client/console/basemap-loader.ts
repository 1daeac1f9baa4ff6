/**
 * Loads the base map into the console's map: the city's own vector basemap (PMTiles) when it
 * has one, else the schematic map; district names go into the console state. A failed fetch
 * shows a notice and is retried.
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { BasemapPayload } from '../../shared/basemap-protocol.ts';
import type { SourceListing } from '../../shared/protocol.ts';
import { jsonCall } from '../backend/session.ts';
import { t } from '../i18n/language.ts';
import type { KioskMode } from '../kiosk/kiosk-mode.ts';
import type { BasemapView } from '../map/basemap-view.ts';
import { applyBasemap, fetchBasemap, setCityBounds } from '../map/city-map.ts';
import { setText } from '../ui/dom.ts';
import type { ConsoleState } from './console-state.ts';
import { sourceNamesByEventName } from '../panels/incident-place.ts';

/** Base map retry delay after a failed fetch. */
const BASEMAP_RETRY_MS = 5_000;

export interface BasemapLoaderParts {
  state: ConsoleState;
  map: MaplibreMap;
  basemapView: BasemapView;
  kiosk: KioskMode | null;
  /** Shown while the base map cannot be loaded. */
  notice: HTMLElement;
}

export async function loadBasemap(parts: BasemapLoaderParts): Promise<void> {
  const { state, map, basemapView, kiosk, notice } = parts;
  const loaded = (basemap: BasemapPayload): void => {
    kiosk?.setBasemap(basemap);
    map.once('idle', () => {
      state.basemapLoaded = true;
    });
    notice.hidden = true;
  };
  try {
    const basemap = await fetchBasemap();
    state.districtNames = new Map(
      basemap.districts.features.map((f) => [
        String(f.properties.code ?? ''),
        { zh: String(f.properties.name_zh ?? ''), en: String(f.properties.name_en ?? '') },
      ]),
    );
    state.assetNames = new Map(
      basemap.assets.features.map((f) => [
        String(f.properties.id ?? ''),
        { zh: String(f.properties.name_zh ?? ''), en: String(f.properties.name_en ?? '') },
      ]),
    );
    state.districtRings = new Map(
      basemap.districts.features.map((f) => {
        const g = f.geometry;
        const rings = g.type === 'Polygon' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : [];
        return [String(f.properties.code ?? ''), rings as [number, number][][]];
      }),
    );
    const vector = basemap.vector ?? null;
    if (vector) {
      // The city's own vector basemap replaces the schematic style (basemap-view.ts).
      setCityBounds(map, basemap.bbox);
      await basemapView.useVector(vector);
      loaded(basemap);
      return;
    }
    const apply = (): void => {
      applyBasemap(map, basemap);
      loaded(basemap);
    };
    if (map.isStyleLoaded()) apply();
    else map.once('load', apply);
  } catch (err) {
    console.error('[citytwin] base map:', err);
    notice.hidden = false;
    setText(notice, t('map.basemapError'));
    window.setTimeout(() => void loadBasemap(parts), BASEMAP_RETRY_MS);
  }
}

/** The data sources' names (evidence references name their source); without them the ids are shown. */
export async function loadSourceNames(state: ConsoleState): Promise<void> {
  const r = await jsonCall<SourceListing[]>('GET', '/api/sources');
  if (r.ok) state.sourceNames = sourceNamesByEventName(r.value);
}
