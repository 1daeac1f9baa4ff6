/**
 * User Timing marks (`performance.mark`) of a page's start, read by `npm run bench` (run 12,
 * docs/benchmarks.md) and shown in the browser's performance panel:
 *
 *   citytwin:sign-in          the login form was sent (each attempt)
 *   citytwin:page-loaded      the page's code after sign-in (maplibre, deck.gl …) has loaded
 *   citytwin:sensors-drawn    deck.gl drew a frame with sensors in the sensor layer (once)
 */
export const TIMING_MARKS = {
  signIn: 'citytwin:sign-in',
  pageLoaded: 'citytwin:page-loaded',
  sensorsDrawn: 'citytwin:sensors-drawn',
} as const;

export type TimingMark = (typeof TIMING_MARKS)[keyof typeof TIMING_MARKS];

/** Marks `name` now. */
export function mark(name: TimingMark): void {
  performance.mark(name);
}

/** Marks `name` now unless the page has marked it already. */
export function markOnce(name: TimingMark): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}
