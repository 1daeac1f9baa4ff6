/**
 * The geography of a package's check: the city's extent (the districts' bounding box widened by
 * {@link EXTENT_MARGIN_M}), the rule every other position must keep, the district at a point, and
 * the refusal of a city across ±180° longitude (`crosses_antimeridian`). Pure.
 */
import type { LngLat } from '../city/city-types.ts';
import { PolygonIndex } from '../city/index.ts';
import type { PlaceChecks } from './check-registers.ts';
import type { Problems, Where } from './package-reader.ts';
import type { CityJson } from './package-schemas.ts';
import type { ParsedDistrict } from './parsed-package.ts';

/** Positions may lie this far outside the districts' bounding box (roads leaving town, a gauge upstream). */
export const EXTENT_MARGIN_M = 1000;

/** The extent widened by a margin in metres. */
function widen(bbox: [number, number, number, number], marginM: number): [number, number, number, number] {
  const [w, s, e, n] = bbox;
  const dLat = marginM / 111_132;
  const dLng = marginM / (111_320 * Math.max(0.01, Math.cos((((s + n) / 2) * Math.PI) / 180)));
  return [w - dLng, s - dLat, e + dLng, n + dLat];
}

/** Whether a point is in a box; `across` boxes go over ±180° longitude (their east edge is given + 360°). */
const inBox = (b: readonly number[], p: LngLat, across = false): boolean =>
  (p[0] >= b[0]! && p[0] <= b[2]!) || (across && p[0] + 360 >= b[0]! && p[0] + 360 <= b[2]!) ? p[1] >= b[1]! && p[1] <= b[3]! : false;

/** A box as text (west, south, east, north), an east edge past 180° brought back within ±180°. */
const boxText = (b: readonly number[]): string => b.map((v, i) => (i === 2 && v > 180 ? v - 360 : v).toFixed(5)).join(', ');

/**
 * The shortest run of longitudes covering `lngs` going round the globe: `across` when it goes
 * over ±180° (then `east` is given + 360°, e.g. 179.9° E to 179.9° W is 179.9 to 180.1).
 */
function longitudeSpan(lngs: readonly number[]): { west: number; east: number; across: boolean } {
  const sorted = [...lngs].sort((a, b) => a - b);
  const west = sorted[0]!;
  const east = sorted[sorted.length - 1]!;
  // The widest gap between neighbouring longitudes is what the city leaves out; the one across
  // ±180° is 360 − (east − west).
  let gap = 360 - (east - west);
  let k = -1;
  for (let i = 0; i + 1 < sorted.length; i++) {
    if (sorted[i + 1]! - sorted[i]! > gap) {
      gap = sorted[i + 1]! - sorted[i]!;
      k = i;
    }
  }
  return k < 0 ? { west, east, across: false } : { west: sorted[k + 1]!, east: sorted[k]! + 360, across: true };
}

/** Why a city across ±180° longitude is refused, and what to do (the problem `crosses_antimeridian`). */
const ANTIMERIDIAN_RULE =
  'a city across the antimeridian (±180° longitude) is not supported: its extent, projection, areas and map would span ' +
  'the globe, and splitting its geometry at ±180° (RFC 7946) is not supported either; every district, road, asset, ' +
  'building, sensor and unit must lie on one side of ±180°';

/** One problem naming the districts on each side of ±180° and those across it. */
function refuseAcrossAntimeridian(problems: Problems, districts: ParsedDistrict[], westEdge: number): void {
  const east: string[] = [];
  const west: string[] = [];
  const across: ParsedDistrict[] = [];
  for (const d of districts) {
    const rings = d.polygons.flat();
    const onEast = rings.some((ring) => ring.some((p) => p[0] >= westEdge));
    const onWest = rings.some((ring) => ring.some((p) => p[0] < westEdge));
    if (onEast && onWest) across.push(d);
    else if (onEast) east.push(d.id);
    else if (onWest) west.push(d.id);
  }
  const parts = [
    across.length > 0 ? `across it: ${across.map((d) => d.id).join(', ')}` : '',
    east.length > 0 ? `east longitudes (up to 180° E): ${east.join(', ')}` : '',
    west.length > 0 ? `west longitudes (from 180° W): ${west.join(', ')}` : '',
  ].filter((t) => t.length > 0);
  problems.error(
    'crosses_antimeridian',
    'districts.geojson',
    across.length > 0 ? { feature: across[0]!.feature } : {},
    `the districts lie on both sides of ±180° longitude (${parts.join('; ')}); ${ANTIMERIDIAN_RULE}`,
    'geometry.coordinates',
  );
}

/** The place checks the geography gives the rest: the extent, its rule, the district at a point. */
export interface Geography {
  districts: ParsedDistrict[];
  /** The extent (west, south, east, north); across ±180° (refused) its east edge is given + 360°. */
  extent: [number, number, number, number] | null;
  /** Whether the districts lie across ±180° longitude (the package is refused). */
  across: boolean;
  outside: PlaceChecks['outside'];
  districtAt: (p: LngLat) => string;
}

/**
 * The districts' bounding box widened by {@link EXTENT_MARGIN_M} (the city's extent) and the place
 * checks on it. Districts on both sides of ±180° longitude are refused (`crosses_antimeridian`);
 * the other checks then use the box the short way round, so what lies far away is still named.
 */
export function geographyOf(problems: Problems, districts: ParsedDistrict[]): Geography {
  const positions = districts.flatMap((d) => d.polygons.flatMap((poly) => poly[0] ?? []));
  let extent: [number, number, number, number] | null = null;
  let across = false;
  if (positions.length > 0) {
    const span = longitudeSpan(positions.map((p) => p[0]));
    across = span.across;
    let south = Number.POSITIVE_INFINITY;
    let north = Number.NEGATIVE_INFINITY;
    for (const p of positions) {
      south = Math.min(south, p[1]);
      north = Math.max(north, p[1]);
    }
    extent = [span.west, south, span.east, north];
    if (across) refuseAcrossAntimeridian(problems, districts, span.west);
  }
  const box = extent ? widen(extent, EXTENT_MARGIN_M) : null;
  const extentRule = extent
    ? `inside the city's extent: the districts' bounding box ${boxText(extent)} (west, south, east, north${across ? '; across ±180°' : ''}) widened by ${EXTENT_MARGIN_M} m`
    : '';
  const outside = (file: string, where: Where, p: LngLat, field: string): boolean => {
    if (!box || inBox(box, p, across)) return false;
    if (inBox(box, p, true) || inBox(box, [p[0] - 360, p[1]], true)) {
      // Within the extent only the other way round ±180°: the districts end near it.
      problems.error(
        'crosses_antimeridian',
        file,
        where,
        `the position lies across ±180° longitude from the districts; ${ANTIMERIDIAN_RULE}`,
        field,
        p,
      );
      return true;
    }
    problems.error('outside_extent', file, where, `${extentRule} (longitude first)`, field, p);
    return true;
  };
  // Across ±180° the districts are looked up the short way round (west longitudes + 360°), so
  // that only what is really in no district is named besides the refusal.
  const west = extent?.[0] ?? 0;
  const unwrap = (lng: number): number => (across && lng < west ? lng + 360 : lng);
  const districtIndexes = districts.map(
    (d) =>
      new PolygonIndex(across ? d.polygons.map((poly) => poly.map((ring) => ring.map((p): LngLat => [unwrap(p[0]), p[1]]))) : d.polygons),
  );
  const districtAtPoint = (p: LngLat): string => {
    const k = districtIndexes.findIndex((index) => index.contains(unwrap(p[0]), p[1]));
    return k >= 0 ? districts[k]!.id : '';
  };
  return { districts, extent, across, outside, districtAt: districtAtPoint };
}

/** The map centre must lie in the districts' bounding box. */
export function checkCentre(problems: Problems, city: CityJson | null, { extent, across }: Geography): void {
  if (city && extent && !inBox(extent, city.center, across)) {
    problems.error(
      'outside_extent',
      'city.json',
      {},
      `the map centre must be inside the districts' bounding box ${boxText(extent)}`,
      'center',
      city.center,
    );
  }
}
