/**
 * The big screen's layout: `wide` (32:9, e.g. 3840×1080 across two wall panels), `standard`
 * (16:9: 1920×1080, 3840×2160) or `grid3x3` (a 3 × 3 tiled wall: one panel per screen, the map
 * on the centre screen), from `?layout=`, the wall (`wall=3x3&screen=N`, parsed as the console's
 * kiosk does, kiosk/wall-plan.ts) or else from the window's aspect ratio.
 */
import { parseWallPlan, type WallPlan } from '../kiosk/wall-plan.ts';

export type KpiLayout = 'standard' | 'wide' | 'grid3x3';

/** Aspect ratio from which the wide layout is chosen (between 16:9 ≈ 1.78 and 32:9 ≈ 3.56). */
export const WIDE_FROM_RATIO = 2.6;

/** The wall this screen is part of (1 × 1: a single screen). */
export type KpiWall = WallPlan['wall'];

export const SINGLE_SCREEN: KpiWall = { cols: 1, rows: 1, screen: 1 };

/**
 * The wall from the address (`wall=COLSxROWS&screen=N`); throws WallPlanError naming a bad
 * value, as the console's kiosk mode does.
 */
export function wallOf(search: string): KpiWall {
  return parseWallPlan(search).wall;
}

/**
 * The layout for `?layout=` (`standard`/`16:9`, `wide`/`32:9`), else the wall (3 × 3: `grid3x3`),
 * else the aspect ratio of the whole wall (`width`×`height` is one screen).
 */
export function chooseLayout(requested: string | null, width: number, height: number, wall: KpiWall = SINGLE_SCREEN): KpiLayout {
  if (requested === 'wide' || requested === '32:9') return 'wide';
  if (requested === 'standard' || requested === '16:9') return 'standard';
  if (wall.cols === 3 && wall.rows === 3) return 'grid3x3';
  const w = width * wall.cols;
  const h = height * wall.rows;
  return h > 0 && w / h >= WIDE_FROM_RATIO ? 'wide' : 'standard';
}

/** This screen's column and row on its wall (0-based), screens counted row by row from the top left. */
export function wallCell(wall: KpiWall): { col: number; row: number } {
  return { col: (wall.screen - 1) % wall.cols, row: Math.floor((wall.screen - 1) / wall.cols) };
}

/**
 * Type sizes in px for a screen of `width`×`height` (one screen of a wall), as kpi.css computes
 * them: labels min(2.6 vh, 1 vw), headline figures min(6.75 vh, 2.6 vw), with floors for phones.
 */
export function typeScale(width: number, height: number): { label: number; figure: number; axis: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const label = clamp(Math.min(height * 0.026, width * 0.01), 12, 96);
  return { label, figure: clamp(Math.min(height * 0.0675, width * 0.026), 28, 240), axis: clamp(label * 0.8, 11, 80) };
}

/** Data older than this (ms, by the server's clock) is shown as stale: two missed refreshes and a bit. */
export const STALE_AFTER_MS = 25_000;
/** The screen refreshes this often. */
export const REFRESH_MS = 10_000;
/** The previous period's figures (the same moment a week earlier) are read this often. */
export const PREVIOUS_REFRESH_MS = 60_000;
/** The previous period: the same moment one week earlier. */
export const PREVIOUS_PERIOD_MS = 7 * 24 * 3_600_000;

export function isStale(dataAt: number | null, now: number): boolean {
  return dataAt === null || now - dataAt > STALE_AFTER_MS;
}

/**
 * The zoom change (in zoom levels) that keeps what a map of size `from` showed within the same
 * map at size `to`, as large as fits: a view is `size / 2^zoom` wide and high, so the smaller of
 * the two ratios decides. 0 when a size is empty.
 */
export function kpiKeptZoom(from: { width: number; height: number }, to: { width: number; height: number }): number {
  if (!(from.width > 0 && from.height > 0 && to.width > 0 && to.height > 0)) return 0;
  return Math.log2(Math.min(to.width / from.width, to.height / from.height));
}

/**
 * The zoom change for a stage going from `from` to `to` (px), both measured against the size the
 * city was fitted at: the steps of any path add up to the zoom kept from the fit, so a stage
 * that shrinks and grows back returns to the fitted view (steps between the sizes themselves
 * would drift out, since the smaller side's ratio is taken each time).
 */
export function kpiZoomStep(
  fitted: { width: number; height: number },
  from: { width: number; height: number },
  to: { width: number; height: number },
): number {
  return kpiKeptZoom(fitted, to) - kpiKeptZoom(fitted, from);
}
