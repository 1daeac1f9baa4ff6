/**
 * The field page's small map: the city's schematic base map as the console draws it (offline,
 * `GET /api/city/basemap`), the route the unit drives as a thick line, the incident as a ring —
 * at the route's end when the incident's own position is coarse (a wide faint ring when there is no
 * route to mark it) — and the unit. Loaded after sign-in with `import()`,
 * so the login page stays small.
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Feature, FeatureCollection } from 'geojson';
import type { GeoJSONSource, Map as MaplibreMap } from 'maplibre-gl';
import { LngLatBounds, setWorkerUrl } from 'maplibre-gl';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { FieldAssignmentResponse } from '../../shared/field-protocol.ts';
import type { Language } from '../i18n/language.ts';
import { applyBasemap, createCityMap, fetchBasemap, setMapLanguage } from '../map/city-map.ts';
import { setMapUiLanguage } from '../map/map-locale.ts';

// The worker is a bundled same-origin file (the CSP allows no other).
setWorkerUrl(maplibreWorkerUrl);

const ROUTE = 'field-route';
const INCIDENT = 'field-incident';
const UNIT = 'field-unit';

const collection = (features: Feature[]): FeatureCollection => ({ type: 'FeatureCollection', features });

export class FieldMap {
  private readonly map: MaplibreMap;
  private ready = false;
  private pending: FieldAssignmentResponse | null = null;
  /** What the view was last fitted to: refitted only when the route or incident changes. */
  private fitted = '';
  /** True once maplibre went idle after the latest `show` (the test hooks wait for it). */
  drawn = false;

  constructor(container: HTMLElement, lang: Language) {
    this.map = createCityMap(container, lang);
    this.map.on('idle', () => {
      if (this.ready && this.pending) this.drawn = true;
    });
    this.map.on('load', () => {
      this.map.addSource(ROUTE, { type: 'geojson', data: collection([]) });
      this.map.addSource(INCIDENT, { type: 'geojson', data: collection([]) });
      this.map.addSource(UNIT, { type: 'geojson', data: collection([]) });
      this.map.addLayer({
        id: 'field-route-casing',
        type: 'line',
        source: ROUTE,
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': '#0b1220', 'line-width': 9, 'line-opacity': 0.9 },
      });
      this.map.addLayer({
        id: 'field-route-line',
        type: 'line',
        source: ROUTE,
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': ['case', ['==', ['get', 'leg'], 'home'], '#7dd3fc', '#38bdf8'], 'line-width': 5 },
      });
      this.map.addLayer({
        id: 'field-incident-ring',
        type: 'circle',
        source: INCIDENT,
        paint: {
          'circle-radius': ['case', ['get', 'coarse'], 26, 12],
          'circle-color': '#ef4444',
          'circle-opacity': ['case', ['get', 'coarse'], 0.18, 0.35],
          'circle-stroke-color': '#f87171',
          'circle-stroke-width': 3,
        },
      });
      this.map.addLayer({
        id: 'field-unit-dot',
        type: 'circle',
        source: UNIT,
        paint: { 'circle-radius': 8, 'circle-color': '#facc15', 'circle-stroke-color': '#0b1220', 'circle-stroke-width': 3 },
      });
      this.ready = true;
      if (this.pending) this.show(this.pending);
      void fetchBasemap()
        .then((b) => applyBasemap(this.map, b))
        .catch(() => undefined)
        .finally(() => {
          // The base map sets the city's bounds; the assignment stays in view.
          this.fitted = '';
          if (this.pending) this.show(this.pending);
        });
    });
  }

  setLanguage(lang: Language): void {
    if (this.ready) setMapLanguage(this.map, lang);
    else setMapUiLanguage(this.map, lang);
  }

  /** Draws the unit, its route and its incident; fits the view when they change. */
  show(state: FieldAssignmentResponse): void {
    this.pending = state;
    if (!this.ready) return;
    this.drawn = false;
    this.map.resize();
    const route = state.assignment?.route ?? null;
    const incident = state.assignment?.incident ?? null;
    const unit = state.unit;
    // A coarse position (about 1 km off) would send the crew to the wrong street: the route's end,
    // the road point the dispatcher's route leads to, marks the destination instead.
    const end = route?.leg === 'to_incident' ? route.path.at(-1) : undefined;
    const target: [number, number] | null = incident
      ? incident.place.coarse && end
        ? end
        : [incident.place.lng, incident.place.lat]
      : null;
    this.map
      .getSource<GeoJSONSource>(ROUTE)
      ?.setData(
        collection(
          route ? [{ type: 'Feature', properties: { leg: route.leg }, geometry: { type: 'LineString', coordinates: route.path } }] : [],
        ),
      );
    this.map.getSource<GeoJSONSource>(INCIDENT)?.setData(
      collection(
        incident
          ? [
              {
                type: 'Feature',
                properties: { coarse: incident.place.coarse && !end },
                geometry: { type: 'Point', coordinates: target! },
              },
            ]
          : [],
      ),
    );
    this.map
      .getSource<GeoJSONSource>(UNIT)
      ?.setData(
        collection(unit ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [unit.lng, unit.lat] } }] : []),
      );
    const points: [number, number][] = [...(route?.path ?? [])];
    if (target) points.push(target);
    if (unit) points.push([unit.lng, unit.lat]);
    const key = `${route?.since ?? ''}|${route?.leg ?? ''}|${incident?.id ?? ''}|${unit?.id ?? ''}`;
    if (points.length === 0 || key === this.fitted) return;
    this.fitted = key;
    const bounds = new LngLatBounds(points[0], points[0]);
    for (const p of points) bounds.extend(p);
    this.map.fitBounds(bounds, { padding: 40, maxZoom: 15, animate: false });
  }

  resize(): void {
    this.map.resize();
  }
}
