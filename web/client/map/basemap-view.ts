/**
 * How the console's base map is drawn: the city's PMTiles basemap with a bundled style (dark or
 * light, remembered per browser) when the city has one, else the schematic GeoJSON map; flat
 * (2D, north up) or tilted with buildings extruded by height (3D, pitch and rotation enabled).
 *
 * The live layers (deck.gl, sensor-overlay.ts) are drawn in the map's own canvas, under the
 * style's first symbol layer whichever style is set here, and follow the camera, pitch and
 * bearing included.
 */
import { NavigationControl, type Map as MaplibreMap, type StyleSpecification } from 'maplibre-gl';
import { authHeaders } from '../backend/session.ts';
import type { Language } from '../i18n/language.ts';
import { BASEMAP_VARIANTS, type BasemapVariant, type VectorBasemapInfo } from '../../shared/basemap-protocol.ts';
import { BUILDING_2D_LAYER, BUILDING_3D_LAYER, VECTOR_SOURCE } from '../../shared/vector-basemap-style.ts';
import { pmtilesSourceUrl } from './pmtiles-protocol.ts';

/** localStorage key of the chosen style variant. */
export const VARIANT_STORAGE_KEY = 'citytwin.basemapStyle';

/** A tilted view: pitch (0–60°) and bearing (°, clockwise from north). */
export interface CameraTilt {
  pitch: number;
  bearing: number;
}

/** The tilt the 3D button gives. */
export const DEFAULT_TILT: CameraTilt = { pitch: 55, bearing: -20 };

export function loadVariant(): BasemapVariant {
  try {
    const stored = window.localStorage.getItem(VARIANT_STORAGE_KEY);
    return (BASEMAP_VARIANTS as readonly string[]).includes(stored ?? '') ? (stored as BasemapVariant) : 'dark';
  } catch {
    // Storage blocked: the default.
    return 'dark';
  }
}

function saveVariant(variant: BasemapVariant): void {
  try {
    window.localStorage.setItem(VARIANT_STORAGE_KEY, variant);
  } catch {
    // Not remembered; the switch still applies to this page.
  }
}

/** Fetches the bundled style for the archive; throws with the HTTP status on failure. */
async function fetchVectorStyle(variant: BasemapVariant, lang: Language): Promise<StyleSpecification> {
  const res = await fetch(`/api/city/style?variant=${variant}&lang=${lang}`, { headers: { accept: 'application/json', ...authHeaders() } });
  if (!res.ok) throw new Error(`GET /api/city/style answered HTTP ${res.status}`);
  return (await res.json()) as StyleSpecification;
}

export class BasemapView {
  private vector: VectorBasemapInfo | null = null;
  private variantValue: BasemapVariant = loadVariant();
  private tilted = false;
  private compass: NavigationControl | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly map: MaplibreMap,
    private readonly language: () => Language,
  ) {}

  /** 'vector' once the city's PMTiles basemap is drawn, else 'schematic'. */
  get mode(): 'vector' | 'schematic' {
    return this.vector ? 'vector' : 'schematic';
  }

  get variant(): BasemapVariant {
    return this.variantValue;
  }

  /** The style variants the user can switch between (none for the schematic map). */
  get variants(): readonly BasemapVariant[] {
    return this.vector?.variants ?? [];
  }

  get is3d(): boolean {
    return this.tilted;
  }

  /** The archive's attribution, when a vector basemap is drawn. */
  get attribution(): string | null {
    return this.vector?.attribution ?? null;
  }

  /** Calls `listener` after every change of mode, variant or 3D. */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Draws the city's PMTiles basemap with the remembered variant. */
  async useVector(info: VectorBasemapInfo): Promise<void> {
    this.vector = info;
    if (!info.variants.includes(this.variantValue)) this.variantValue = info.variants[0] ?? 'dark';
    await this.applyVectorStyle();
  }

  /** Switches the style (vector basemap only) and remembers it for this browser. */
  async setVariant(variant: BasemapVariant): Promise<void> {
    if (!this.vector?.variants.includes(variant) || variant === this.variantValue) return;
    this.variantValue = variant;
    saveVariant(variant);
    await this.applyVectorStyle();
  }

  /** Tilts the map and extrudes buildings (or back to flat, north up). */
  set3d(on: boolean, tilt: CameraTilt = DEFAULT_TILT, durationMs = 800): void {
    this.tilted = on;
    const map = this.map;
    this.applyBuildingVisibility();
    if (on) {
      map.dragRotate.enable();
      map.touchZoomRotate.enableRotation();
      map.touchPitch.enable();
      map.keyboard.enableRotation();
      if (!this.compass) {
        this.compass = new NavigationControl({ showZoom: false, showCompass: true, visualizePitch: true });
        map.addControl(this.compass, 'bottom-right');
      }
    } else {
      map.dragRotate.disable();
      map.touchZoomRotate.disableRotation();
      map.touchPitch.disable();
      map.keyboard.disableRotation();
      if (this.compass) map.removeControl(this.compass);
      this.compass = null;
    }
    // A wheel zoom still easing would cut the tilt short: stop it first.
    map.stop();
    map.easeTo({ pitch: on ? tilt.pitch : 0, bearing: on ? tilt.bearing : 0, duration: durationMs });
    this.changed();
  }

  private applyBuildingVisibility(): void {
    const map = this.map;
    if (map.getLayer(BUILDING_2D_LAYER)) map.setLayoutProperty(BUILDING_2D_LAYER, 'visibility', this.tilted ? 'none' : 'visible');
    if (map.getLayer(BUILDING_3D_LAYER)) map.setLayoutProperty(BUILDING_3D_LAYER, 'visibility', this.tilted ? 'visible' : 'none');
  }

  private async applyVectorStyle(): Promise<void> {
    const info = this.vector;
    if (!info) return;
    const style = await fetchVectorStyle(this.variantValue, this.language());
    // The server's style names the archive relative to this origin; the protocol needs it whole.
    const source = style.sources[VECTOR_SOURCE];
    if (source && source.type === 'vector') source.url = pmtilesSourceUrl(info.url, authHeaders());
    // Extrusions shown as the 3D switch says, before the style is drawn the first time.
    for (const layer of style.layers) {
      if (layer.id === BUILDING_2D_LAYER || layer.id === BUILDING_3D_LAYER) {
        const visible = (layer.id === BUILDING_3D_LAYER) === this.tilted;
        layer.layout = { ...layer.layout, visibility: visible ? 'visible' : 'none' };
      }
    }
    this.map.setStyle(style);
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
