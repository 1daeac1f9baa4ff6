/**
 * Wall displays (kiosk mode), the pure part: what the address asks for and what a screen shows
 * at a given moment.
 *
 *   /?display=TOKEN&kiosk=1                             one screen, the city map
 *   &rotate=city:60,district:420102:30,kpi:30           a rotation of views (seconds each)
 *   &wall=3x1&screen=2                                  screen 2 of a wall 3 wide, 1 high
 *   &focus=90                                           seconds a new critical incident holds the screen
 *   &stale=30                                           seconds without data before the watermark
 *   &reload=120                                         seconds disconnected before the page reloads (once the server answers)
 *   &pitch=45&bearing=-20                               a tilted 3D view (degrees), buildings raised
 *
 * The rotation is timed by the wall clock (the server's, through the stream's clock offset),
 * not by when a screen loaded: every screen of a wall switches at the same moment without a
 * controller, and a screen that reloads falls back into step.
 */

export type WallView = { kind: 'city' } | { kind: 'district'; code: string } | { kind: 'kpi' };

export interface WallStep {
  view: WallView;
  /** Seconds the view stays. */
  seconds: number;
}

export interface WallPlan {
  kiosk: boolean;
  steps: WallStep[];
  /** Columns and rows of the wall, and this screen's position (1-based, row by row). */
  wall: { cols: number; rows: number; screen: number };
  /** Seconds a new critical incident holds the screen. */
  focusS: number;
  /** Seconds without fresh data before the watermark shows. */
  staleS: number;
  /** Seconds disconnected before the page reloads (once the server answers again). */
  reloadS: number;
  /** Lowest severity that takes the screen. */
  focusSeverity: number;
  /** The camera's tilt (pitch 0 = flat, north up unless bearing says otherwise). */
  tilt: { pitch: number; bearing: number };
}

export class WallPlanError extends Error {}

const DEFAULT_STEPS: WallStep[] = [{ view: { kind: 'city' }, seconds: 3600 }];
const DISTRICT_CODE = /^\d{6}$/;

function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new WallPlanError(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** `city:60,district:420102:30,kpi:30` → steps. */
export function parseRotation(text: string): WallStep[] {
  const steps: WallStep[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const bits = part.split(':');
    const seconds = Number(bits.at(-1));
    if (!Number.isInteger(seconds) || seconds < 3 || seconds > 86_400)
      throw new WallPlanError(`rotate: "${part}" needs a duration of 3 to 86400 seconds at the end`);
    if (bits[0] === 'city' && bits.length === 2) steps.push({ view: { kind: 'city' }, seconds });
    else if (bits[0] === 'kpi' && bits.length === 2) steps.push({ view: { kind: 'kpi' }, seconds });
    else if (bits[0] === 'district' && bits.length === 3 && DISTRICT_CODE.test(bits[1]!))
      steps.push({ view: { kind: 'district', code: bits[1]! }, seconds });
    else throw new WallPlanError(`rotate: "${part}" is not city:S, kpi:S or district:CODE:S`);
    if (steps.length > 50) throw new WallPlanError('rotate: at most 50 views');
  }
  if (steps.length === 0) throw new WallPlanError('rotate: no views');
  return steps;
}

/** Reads the plan from the address; throws WallPlanError naming the bad parameter. */
export function parseWallPlan(search: string): WallPlan {
  const params = new URLSearchParams(search);
  const kiosk = params.get('kiosk') === '1';
  const rotate = params.get('rotate');
  const wallText = params.get('wall') ?? '1x1';
  const m = /^(\d{1,2})x(\d{1,2})$/.exec(wallText);
  if (!m) throw new WallPlanError(`wall=${wallText}: expected COLSxROWS such as 3x1`);
  const cols = Number(m[1]);
  const rows = Number(m[2]);
  if (cols < 1 || rows < 1 || cols * rows > 64) throw new WallPlanError(`wall=${wallText}: 1 to 64 screens`);
  return {
    kiosk,
    steps: rotate ? parseRotation(rotate) : DEFAULT_STEPS,
    wall: { cols, rows, screen: intParam(params, 'screen', 1, 1, cols * rows) },
    focusS: intParam(params, 'focus', 90, 0, 3600),
    staleS: intParam(params, 'stale', 30, 5, 3600),
    reloadS: intParam(params, 'reload', 120, 2, 3600),
    focusSeverity: intParam(params, 'focusSeverity', 4, 1, 5),
    tilt: { pitch: intParam(params, 'pitch', 0, 0, 60), bearing: intParam(params, 'bearing', 0, -180, 180) },
  };
}

/** The step shown at `nowMs` (wall clock), and the seconds it still has. */
export function stepAt(steps: readonly WallStep[], nowMs: number): { index: number; step: WallStep; leftS: number } {
  const period = steps.reduce((n, s) => n + s.seconds, 0) * 1000;
  let t = ((nowMs % period) + period) % period;
  for (let i = 0; i < steps.length; i++) {
    const ms = steps[i]!.seconds * 1000;
    if (t < ms) return { index: i, step: steps[i]!, leftS: (ms - t) / 1000 };
    t -= ms;
  }
  // Unreachable: t < period.
  return { index: 0, step: steps[0]!, leftS: steps[0]!.seconds };
}

export type Bounds = [west: number, south: number, east: number, north: number];

/** This screen's part of `bounds` on a wall of cols × rows screens (screen 1 top-left, row by row). */
export function tileBounds(bounds: Bounds, wall: WallPlan['wall']): Bounds {
  const [w, s, e, n] = bounds;
  const col = (wall.screen - 1) % wall.cols;
  const row = Math.floor((wall.screen - 1) / wall.cols);
  const dx = (e - w) / wall.cols;
  const dy = (n - s) / wall.rows;
  return [w + col * dx, n - (row + 1) * dy, w + (col + 1) * dx, n - row * dy];
}

/** The page a view lives on. */
export function pageOf(view: WallView): 'console' | 'kpi' {
  return view.kind === 'kpi' ? 'kpi' : 'console';
}

/** Bounds of polygon rings `[lng, lat][][]` (a district's shape). */
export function ringsBounds(rings: ReadonlyArray<ReadonlyArray<readonly [number, number] | number[]>>): Bounds | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const ring of rings) {
    for (const p of ring) {
      const lng = p[0]!;
      const lat = p[1]!;
      if (lng < w) w = lng;
      if (lng > e) e = lng;
      if (lat < s) s = lat;
      if (lat > n) n = lat;
    }
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}
