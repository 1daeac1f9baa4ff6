/**
 * Two scalar fields over the schematic city, both seed-independent (they are geography):
 * - `urbanDensity` 0..1: how built-up a place is; drives street spacing and where assets and
 *   sensors cluster (the three old towns around the confluence, Optics Valley, district seats).
 * - `lowness` 0..1: a ground-elevation proxy (1 = low-lying, floods first): low near water and
 *   on the Hankou and Dongxihu plains, high in the northern and southern hills, plus smooth noise.
 */
import type { LngLat } from './city-types.ts';
import type { SegmentGrid } from './segment-grid.ts';
import { M_PER_DEG_LAT as MY, M_PER_DEG_LNG as MX } from './geometry.ts';
import { hashString } from '../random.ts';
import { DISTRICT_SPECS } from './wuhan-geography.ts';

interface Bump {
  at: LngLat;
  /** Gaussian radius (1/e), metres. */
  radiusM: number;
  weight: number;
}

// Module-local copies: some transpilers turn imported bindings into getter calls, and this
// runs millions of times.
const M_PER_DEG_LNG = MX;
const M_PER_DEG_LAT = MY;

function gaussian(p: LngLat, bump: Bump): number {
  const dx = (p[0] - bump.at[0]) * M_PER_DEG_LNG;
  const dy = (p[1] - bump.at[1]) * M_PER_DEG_LAT;
  return bump.weight * Math.exp(-(dx * dx + dy * dy) / (bump.radiusM * bump.radiusM));
}

/** Built-up centres: the core around the confluence, new towns, and the outer district seats. */
const URBAN_BUMPS: readonly Bump[] = [
  { at: [114.3, 30.57], radiusM: 7500, weight: 1 },
  { at: [114.41, 30.5], radiusM: 5000, weight: 0.75 }, // Optics Valley
  { at: [114.16, 30.5], radiusM: 4000, weight: 0.55 }, // Zhuankou (economic development zone)
  { at: [114.21, 30.77], radiusM: 2500, weight: 0.4 }, // airport
  { at: [114.56, 30.68], radiusM: 3000, weight: 0.45 }, // Yangluo port
  { at: [114.39, 30.64], radiusM: 4000, weight: 0.6 }, // Qingshan steelworks town
  ...DISTRICT_SPECS.filter((d) => !d.central).map((d) => ({ at: d.seat, radiusM: 3500, weight: 0.55 })),
];

/** Probabilistic OR of the bumps: overlapping centres saturate at 1 instead of adding up. */
function exactUrbanDensity(lng: number, lat: number): number {
  let notUrban = 1;
  const p: LngLat = [lng, lat];
  for (const bump of URBAN_BUMPS) notUrban *= 1 - gaussian(p, bump);
  return 1 - notUrban;
}

/**
 * The density field is smooth (bumps 2.5 km wide and more) and queried hundreds of thousands
 * of times per city, so it is sampled once on a ~500 m lattice and interpolated bilinearly.
 */
const RASTER = { west: 113.5, south: 29.8, stepDeg: 0.005, cols: 361, rows: 351 } as const;
let densityRaster: Float32Array | null = null;

function raster(): Float32Array {
  if (densityRaster) return densityRaster;
  const r = new Float32Array(RASTER.cols * RASTER.rows);
  for (let j = 0; j < RASTER.rows; j++) {
    for (let i = 0; i < RASTER.cols; i++) {
      r[j * RASTER.cols + i] = exactUrbanDensity(RASTER.west + i * RASTER.stepDeg, RASTER.south + j * RASTER.stepDeg);
    }
  }
  densityRaster = r;
  return r;
}

/** Urban density 0..1 at a point (1 = the old towns around the confluence). */
export function urbanDensity(p: LngLat): number {
  const x = (p[0] - RASTER.west) / RASTER.stepDeg;
  const y = (p[1] - RASTER.south) / RASTER.stepDeg;
  if (x < 0 || y < 0 || x >= RASTER.cols - 1 || y >= RASTER.rows - 1) return exactUrbanDensity(p[0], p[1]);
  const r = raster();
  const i = Math.floor(x);
  const j = Math.floor(y);
  const fx = x - i;
  const fy = y - j;
  const k = j * RASTER.cols + i;
  const a = r[k] as number;
  const b = r[k + 1] as number;
  const c = r[k + RASTER.cols] as number;
  const d = r[k + RASTER.cols + 1] as number;
  return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
}

/** Target street spacing, metres: ~300 m in the old towns, ~2.2 km in the countryside. */
export function streetSpacingM(p: LngLat): number {
  const rural = 1 - urbanDensity(p);
  return 300 + 1900 * rural * rural;
}

const LOW_BUMPS: readonly Bump[] = [
  { at: [114.27, 30.6], radiusM: 6000, weight: 0.25 }, // Hankou plain
  { at: [114.13, 30.65], radiusM: 9000, weight: 0.2 }, // Dongxihu polder
  { at: [114.05, 30.3], radiusM: 8000, weight: 0.12 }, // Hannan flats
  { at: [114.33, 30.56], radiusM: 3000, weight: 0.08 }, // Wuchang lakeside
  { at: [114.4, 31.15], radiusM: 22000, weight: -0.45 }, // Mulan hills (north Huangpi)
  { at: [114.35, 30.12], radiusM: 15000, weight: -0.3 }, // south Jiangxia hills
  { at: [114.9, 30.95], radiusM: 15000, weight: -0.3 }, // north-east Xinzhou hills
];

function latticeValue(ix: number, iy: number, salt: number): number {
  // Integer hash (xorshift-multiply), stable across runs and platforms.
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ salt;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1) on a lattice of `cellM` metres. */
function valueNoise(p: LngLat, cellM: number, salt: number): number {
  const x = ((p[0] - 113) * 95_800) / cellM;
  const y = ((p[1] - 29) * 110_850) / cellM;
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = latticeValue(ix, iy, salt);
  const b = latticeValue(ix + 1, iy, salt);
  const c = latticeValue(ix, iy + 1, salt);
  const d = latticeValue(ix + 1, iy + 1, salt);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

const NOISE_SALT_A = hashString('lowness-a');
const NOISE_SALT_B = hashString('lowness-b');

/** Ground lowness 0..1 at a point; `waterEdges` gives the distance to the nearest water. */
export function lowness(p: LngLat, waterEdges: SegmentGrid): number {
  const dWater = waterEdges.distanceM(p, 4500);
  const nearWater = Math.exp(-dWater / 1500);
  let basins = 0;
  for (const bump of LOW_BUMPS) basins += gaussian(p, bump);
  const noise = (valueNoise(p, 3000, NOISE_SALT_A) - 0.5) * 0.5 + (valueNoise(p, 900, NOISE_SALT_B) - 0.5) * 0.25;
  const raw = 0.2 + 0.45 * nearWater + basins + noise;
  return Math.max(0, Math.min(1, raw));
}
