/**
 * The big screen's layout: `wide` (32:9, e.g. 3840×1080 across two wall panels) or `standard`
 * (16:9, 1920×1080), from `?layout=` or else from the window's aspect ratio.
 */
export type KpiLayout = 'standard' | 'wide';

/** Aspect ratio from which the wide layout is chosen (between 16:9 ≈ 1.78 and 32:9 ≈ 3.56). */
export const WIDE_FROM_RATIO = 2.6;

export function chooseLayout(requested: string | null, width: number, height: number): KpiLayout {
  if (requested === 'wide' || requested === '32:9') return 'wide';
  if (requested === 'standard' || requested === '16:9') return 'standard';
  return height > 0 && width / height >= WIDE_FROM_RATIO ? 'wide' : 'standard';
}

/** Data older than this (ms, by the server's clock) is shown as stale: two missed refreshes and a bit. */
export const STALE_AFTER_MS = 25_000;
/** The screen refreshes this often. */
export const REFRESH_MS = 10_000;

export function isStale(dataAt: number | null, now: number): boolean {
  return dataAt === null || now - dataAt > STALE_AFTER_MS;
}
