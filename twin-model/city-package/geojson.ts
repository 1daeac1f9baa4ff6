/**
 * GeoJSON (RFC 7946) reading for city packages: the FeatureCollection envelope and the
 * geometries, checked by hand so a problem names the exact position
 * (`geometry.coordinates[0][3]`). Coordinates are WGS 84 longitude, latitude (RFC 7946 §4);
 * an old-style `crs` member naming another system is refused (§4: no other CRS).
 */
import type { LngLat, PolygonRings } from '../city/city-types.ts';

export type GeometryType = 'Point' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';

export type Geometry =
  | { type: 'Point'; coordinates: LngLat }
  | { type: 'LineString'; coordinates: LngLat[] }
  | { type: 'MultiLineString'; coordinates: LngLat[][] }
  | { type: 'Polygon'; coordinates: PolygonRings }
  | { type: 'MultiPolygon'; coordinates: PolygonRings[] };

export interface GeoIssue {
  code: 'invalid_geojson' | 'invalid_geometry';
  field: string;
  value?: unknown;
  message: string;
}

/** A feature as read: its index, properties (an object, possibly empty) and raw geometry. */
export interface RawFeature {
  index: number;
  properties: Record<string, unknown>;
  geometry: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** CRS names RFC 7946 coordinates already are (an old GeoJSON 2008 `crs` member may name them). */
const WGS84_CRS = new Set(['urn:ogc:def:crs:OGC:1.3:CRS84', 'urn:ogc:def:crs:OGC::CRS84', 'EPSG:4326', 'urn:ogc:def:crs:EPSG::4326']);

/** Opens a FeatureCollection; on a problem with the envelope, returns the issue instead. */
export function readFeatureCollection(
  doc: unknown,
): { features: RawFeature[]; featureIssues: Array<{ index: number; issue: GeoIssue }> } | GeoIssue {
  if (!isObject(doc) || doc.type !== 'FeatureCollection') {
    return {
      code: 'invalid_geojson',
      field: 'type',
      value: isObject(doc) ? doc.type : doc,
      message: 'a GeoJSON FeatureCollection: {"type": "FeatureCollection", "features": [...]}',
    };
  }
  const crs = doc.crs;
  if (crs !== undefined && crs !== null) {
    const name = isObject(crs) && isObject(crs.properties) ? crs.properties.name : undefined;
    if (typeof name !== 'string' || !WGS84_CRS.has(name)) {
      return {
        code: 'invalid_geojson',
        field: 'crs',
        value: name ?? crs,
        message: 'coordinates must be WGS 84 longitude, latitude (RFC 7946); reproject, e.g. ogr2ogr -t_srs EPSG:4326',
      };
    }
  }
  if (!Array.isArray(doc.features))
    return { code: 'invalid_geojson', field: 'features', value: doc.features, message: 'features must be an array of Feature objects' };
  const features: RawFeature[] = [];
  const featureIssues: Array<{ index: number; issue: GeoIssue }> = [];
  doc.features.forEach((f: unknown, index: number) => {
    if (!isObject(f) || f.type !== 'Feature') {
      featureIssues.push({
        index,
        issue: {
          code: 'invalid_geojson',
          field: 'type',
          value: isObject(f) ? f.type : f,
          message: 'a GeoJSON Feature: {"type": "Feature", "geometry": …, "properties": {…}}',
        },
      });
      return;
    }
    const properties = f.properties;
    if (properties !== null && properties !== undefined && !isObject(properties)) {
      featureIssues.push({
        index,
        issue: { code: 'invalid_geojson', field: 'properties', value: properties, message: 'properties must be an object' },
      });
      return;
    }
    features.push({ index, properties: (properties as Record<string, unknown> | null | undefined) ?? {}, geometry: f.geometry });
  });
  return { features, featureIssues };
}

function position(value: unknown, field: string, issues: GeoIssue[]): LngLat | null {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    issues.push({ code: 'invalid_geometry', field, value, message: 'a position [lng, lat] (or [lng, lat, altitude]) of numbers' });
    return null;
  }
  const [lng, lat] = value as [number, number];
  if (lng < -180 || lng > 180 || lat < -90 || lat > 90) {
    issues.push({
      code: 'invalid_geometry',
      field,
      value,
      message: 'longitude from -180 to 180, latitude from -90 to 90 (WGS 84, longitude first)',
    });
    return null;
  }
  return [lng, lat];
}

function line(value: unknown, field: string, issues: GeoIssue[]): LngLat[] | null {
  if (!Array.isArray(value)) {
    issues.push({ code: 'invalid_geometry', field, value, message: 'a line: an array of positions' });
    return null;
  }
  const out: LngLat[] = [];
  let ok = true;
  value.forEach((p, i) => {
    const q = position(p, `${field}[${i}]`, issues);
    if (q) out.push(q);
    else ok = false;
  });
  if (!ok) return null;
  // Repeated consecutive positions add nothing; a line needs two distinct ones.
  const distinct = out.filter((p, i) => i === 0 || p[0] !== out[i - 1]![0] || p[1] !== out[i - 1]![1]);
  if (distinct.length < 2) {
    issues.push({ code: 'invalid_geometry', field, value: value.length, message: 'a line needs at least two distinct positions' });
    return null;
  }
  return distinct;
}

function rings(value: unknown, field: string, issues: GeoIssue[]): PolygonRings | null {
  if (!Array.isArray(value) || value.length === 0) {
    issues.push({ code: 'invalid_geometry', field, value, message: 'a polygon: an array of linear rings (the outer ring, then holes)' });
    return null;
  }
  const out: PolygonRings = [];
  let ok = true;
  value.forEach((r, k) => {
    const f = `${field}[${k}]`;
    if (!Array.isArray(r)) {
      issues.push({ code: 'invalid_geometry', field: f, value: r, message: 'a linear ring: an array of positions' });
      ok = false;
      return;
    }
    const ring: LngLat[] = [];
    r.forEach((p, i) => {
      const q = position(p, `${f}[${i}]`, issues);
      if (q) ring.push(q);
      else ok = false;
    });
    if (ring.length !== r.length) return;
    const first = ring[0];
    const last = ring[ring.length - 1];
    if (ring.length < 4) {
      issues.push({
        code: 'invalid_geometry',
        field: f,
        value: ring.length,
        message: 'a linear ring needs at least 4 positions (RFC 7946 §3.1.6)',
      });
      ok = false;
    } else if (!first || !last || first[0] !== last[0] || first[1] !== last[1]) {
      issues.push({
        code: 'invalid_geometry',
        field: f,
        value: last,
        message: 'a linear ring must be closed: the last position equals the first (RFC 7946 §3.1.6)',
      });
      ok = false;
    }
    out.push(ring);
  });
  return ok ? out : null;
}

/** Checks a geometry against the types a layer allows; returns it or the issues found. */
export function readGeometry(value: unknown, allowed: readonly GeometryType[]): { geometry?: Geometry; issues: GeoIssue[] } {
  const issues: GeoIssue[] = [];
  if (!isObject(value) || !allowed.includes(value.type as GeometryType)) {
    issues.push({
      code: 'invalid_geometry',
      field: 'geometry.type',
      value: isObject(value) ? value.type : value,
      message: `a geometry of type ${allowed.join(' or ')}`,
    });
    return { issues };
  }
  const c = value.coordinates;
  const f = 'geometry.coordinates';
  switch (value.type as GeometryType) {
    case 'Point': {
      const p = position(c, f, issues);
      return p ? { geometry: { type: 'Point', coordinates: p }, issues } : { issues };
    }
    case 'LineString': {
      const l = line(c, f, issues);
      return l ? { geometry: { type: 'LineString', coordinates: l }, issues } : { issues };
    }
    case 'MultiLineString': {
      if (!Array.isArray(c) || c.length === 0) {
        issues.push({ code: 'invalid_geometry', field: f, value: c, message: 'a MultiLineString: an array of lines' });
        return { issues };
      }
      const lines = c.map((l, i) => line(l, `${f}[${i}]`, issues));
      return lines.every((l) => l) ? { geometry: { type: 'MultiLineString', coordinates: lines as LngLat[][] }, issues } : { issues };
    }
    case 'Polygon': {
      const r = rings(c, f, issues);
      return r ? { geometry: { type: 'Polygon', coordinates: r }, issues } : { issues };
    }
    case 'MultiPolygon': {
      if (!Array.isArray(c) || c.length === 0) {
        issues.push({ code: 'invalid_geometry', field: f, value: c, message: 'a MultiPolygon: an array of polygons' });
        return { issues };
      }
      const polys = c.map((p, i) => rings(p, `${f}[${i}]`, issues));
      return polys.every((p) => p) ? { geometry: { type: 'MultiPolygon', coordinates: polys as PolygonRings[] }, issues } : { issues };
    }
    default:
      return { issues };
  }
}

/** Every position of a geometry, with its field path (for extent checks). */
export function* positionsOf(g: Geometry): Generator<[LngLat, string]> {
  const f = 'geometry.coordinates';
  switch (g.type) {
    case 'Point':
      yield [g.coordinates, f];
      return;
    case 'LineString':
      for (const [i, p] of g.coordinates.entries()) yield [p, `${f}[${i}]`];
      return;
    case 'MultiLineString':
      for (const [j, l] of g.coordinates.entries()) for (const [i, p] of l.entries()) yield [p, `${f}[${j}][${i}]`];
      return;
    case 'Polygon':
      for (const [j, r] of g.coordinates.entries()) for (const [i, p] of r.entries()) yield [p, `${f}[${j}][${i}]`];
      return;
    case 'MultiPolygon':
      for (const [k, poly] of g.coordinates.entries()) {
        for (const [j, r] of poly.entries()) for (const [i, p] of r.entries()) yield [p, `${f}[${k}][${j}][${i}]`];
      }
      return;
    default: {
      const unreachable: never = g;
      throw new Error(`unknown geometry ${String(unreachable)}`);
    }
  }
}

/** Polygons of an areal geometry. */
export function polygonsOf(g: Geometry): PolygonRings[] {
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}
