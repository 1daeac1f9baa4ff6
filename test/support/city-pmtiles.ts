/**
 * A PMTiles basemap of the generated schematic city in the OpenMapTiles schema the bundled
 * styles expect (web/shared/vector-basemap-style.ts), as a city would bring one built with
 * Planetiler: water, waterway-less rivers as water polygons, transportation by class with
 * bridges and tunnels, district boundaries, place and water names, and a block of synthetic
 * buildings with heights around Jianghan Road so 3D has something to extrude.
 */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { cityBasemap, generateCity } from '../../twin-model/city/index.ts';
import type { CityBasemap, FeatureCollection as CityFeatures } from '../../twin-model/index.ts';
import { writePmtiles, type PmtilesArchive } from './pmtiles-writer.ts';

/** Where the synthetic buildings stand (lng, lat of the block's south-west corner). */
export const BUILDINGS_ORIGIN: [number, number] = [114.27, 30.575];
/** Their grid: ROWS × COLS buildings of ≈ 60 m with streets between. */
const ROWS = 14;
const COLS = 14;
const STEP_DEG = 0.0011;
const SIZE_DEG = 0.0007;

/** The schematic city's road classes in OpenMapTiles' words. */
const ROAD_CLASS: Record<string, { class: string; brunnel?: string }> = {
  expressway: { class: 'motorway' },
  ring: { class: 'trunk' },
  arterial: { class: 'primary' },
  street: { class: 'minor' },
  bridge: { class: 'motorway', brunnel: 'bridge' },
  tunnel: { class: 'primary', brunnel: 'tunnel' },
};

const asGeoJson = (fc: CityFeatures): FeatureCollection => fc as unknown as FeatureCollection;

function feature(properties: Record<string, unknown>, geometry: Geometry): Feature {
  return { type: 'Feature', properties, geometry };
}

/** Deterministic heights: a tower cluster in the middle, mid-rise around it. */
function buildings(): FeatureCollection {
  const features: Feature[] = [];
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      const [w, s] = [BUILDINGS_ORIGIN[0] + c * STEP_DEG, BUILDINGS_ORIGIN[1] + r * STEP_DEG];
      const centre = Math.hypot(r - ROWS / 2, c - COLS / 2);
      const height = Math.round(20 + Math.max(0, 220 - centre * 32) + ((r * 7 + c * 13) % 5) * 6);
      features.push(
        feature(
          { render_height: height, render_min_height: 0 },
          {
            type: 'Polygon',
            coordinates: [
              [
                [w, s],
                [w + SIZE_DEG, s],
                [w + SIZE_DEG, s + SIZE_DEG],
                [w, s + SIZE_DEG],
                [w, s],
              ],
            ],
          },
        ),
      );
    }
  }
  return { type: 'FeatureCollection', features };
}

/** The OpenMapTiles layers of the schematic city. */
export function cityVectorLayers(
  basemap: CityBasemap = cityBasemap(generateCity({ seed: 2026, sensorCount: 300 })),
): Record<string, FeatureCollection> {
  const roads = asGeoJson(basemap.roads).features.map((f) => {
    const cls = ROAD_CLASS[String(f.properties?.class)] ?? { class: 'minor' };
    return feature(
      {
        ...cls,
        ...(f.properties?.name_zh ? { name: f.properties.name_zh, 'name:zh': f.properties.name_zh, 'name:en': f.properties.name_en } : {}),
      },
      f.geometry,
    );
  });
  const named = (f: Feature) => ({ name: f.properties?.name_zh, 'name:zh': f.properties?.name_zh, 'name:en': f.properties?.name_en });
  const labels = asGeoJson(basemap.labels).features;
  return {
    water: {
      type: 'FeatureCollection',
      features: asGeoJson(basemap.water).features.map((f) =>
        feature({ class: f.properties?.water === 'river' ? 'river' : 'lake' }, f.geometry),
      ),
    },
    landuse: {
      type: 'FeatureCollection',
      features: asGeoJson(basemap.zones).features.map((f) => feature({ class: 'commercial' }, f.geometry)),
    },
    transportation: { type: 'FeatureCollection', features: roads },
    transportation_name: { type: 'FeatureCollection', features: roads.filter((f) => f.properties?.name) },
    boundary: {
      type: 'FeatureCollection',
      features: asGeoJson(basemap.districts).features.map((f) => feature({ admin_level: 6 }, f.geometry)),
    },
    place: {
      type: 'FeatureCollection',
      features: labels
        .filter((f) => f.properties?.label === 'district')
        .map((f) => feature({ class: 'city', rank: f.properties?.rank ?? 5, ...named(f) }, f.geometry)),
    },
    water_name: {
      type: 'FeatureCollection',
      features: labels.filter((f) => f.properties?.label === 'water').map((f) => feature({ class: 'lake', ...named(f) }, f.geometry)),
    },
    building: buildings(),
  };
}

/** Writes the schematic city's PMTiles basemap to `path` (zooms 8–14). */
export function writeCityPmtiles(path: string, maxZoom = 14): PmtilesArchive {
  return writePmtiles(path, {
    layers: cityVectorLayers(),
    minZoom: 8,
    maxZoom,
    metadata: { name: 'CityTwin schematic Wuhan (test)', attribution: '<a href="#">© CityTwin</a> synthetic test data' },
  });
}
