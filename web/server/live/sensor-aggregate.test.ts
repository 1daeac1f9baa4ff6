import { describe, expect, it } from 'vitest';
import { CLASSIFICATIONS, SENSOR_KINDS, type Classification } from '../../../twin-model/index.ts';
import { CLASS_BIT, clearanceMask } from '../auth/classification.ts';
import {
  cellDeg,
  cellKey,
  COARSEST_LEVEL,
  FINEST_LEVEL,
  kindsFilter,
  levelForZoom,
  parseBbox,
  SensorGrid,
  type Bbox,
  type GridSensor,
} from './sensor-aggregate.ts';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import { checkViewport, chooseViewportMode, DEFAULT_VIEWPORT_OPTIONS } from './viewport-sessions.ts';

function randomSensors(n: number, seed: number): GridSensor[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({
    lng: i % 97 === 0 ? null : 114 + r() * 0.8,
    lat: i % 97 === 0 ? null : 30.2 + r() * 0.6,
    kind: SENSOR_KINDS[Math.floor(r() * SENSOR_KINDS.length)]!,
    state: Math.floor(r() * 5),
    classification: CLASSIFICATIONS[Math.floor(r() * 3)]!,
  }));
}

/** What the cells of `bbox` must hold, counted one sensor at a time. */
function bruteForce(
  sensors: readonly GridSensor[],
  bbox: Bbox,
  level: number,
  mask: number,
  kinds: Set<string> | null,
): Map<string, { n: number; states: number[]; lng: number; lat: number }> {
  const side = cellDeg(level);
  const out = new Map<string, { n: number; states: number[]; lng: number; lat: number }>();
  const [x0, x1, y0, y1] = [Math.floor(bbox[0] / side), Math.floor(bbox[2] / side), Math.floor(bbox[1] / side), Math.floor(bbox[3] / side)];
  for (const s of sensors) {
    if (s.lng === null || s.lat === null || !(CLASS_BIT[s.classification] & mask) || (kinds && !kinds.has(s.kind))) continue;
    const x = Math.floor(s.lng / side);
    const y = Math.floor(s.lat / side);
    if (x < x0 || x > x1 || y < y0 || y > y1) continue;
    const key = cellKey(level, x, y);
    const c = out.get(key) ?? { n: 0, states: [0, 0, 0, 0, 0], lng: 0, lat: 0 };
    c.n++;
    c.states[s.state]!++;
    c.lng += s.lng;
    c.lat += s.lat;
    out.set(key, c);
  }
  return out;
}

function expectSame(
  grid: SensorGrid,
  sensors: readonly GridSensor[],
  bbox: Bbox,
  level: number,
  clearance: Classification[],
  kinds: string[] | null,
): number {
  const mask = clearanceMask(clearance);
  const answer = grid.query({ bbox, level, mask, kinds: kindsFilter(kinds) });
  const expected = bruteForce(sensors, bbox, answer.level, mask, kinds ? new Set(kinds) : null);
  expect(answer.cells.map((c) => c.key).sort()).toEqual([...expected.keys()].sort());
  for (const cell of answer.cells) {
    const want = expected.get(cell.key)!;
    expect(cell.n).toBe(want.n);
    expect(cell.states).toEqual(want.states);
    expect(cell.lng).toBeCloseTo(want.lng / want.n, 9);
    expect(cell.lat).toBeCloseTo(want.lat / want.n, 9);
  }
  expect(answer.total).toBe([...expected.values()].reduce((a, c) => a + c.n, 0));
  return answer.total;
}

describe('the sensor grid', () => {
  it('counts every cell of a bbox as one sensor at a time would, per level, clearance and kinds', () => {
    const sensors = randomSensors(5000, 7);
    const grid = new SensorGrid();
    sensors.forEach((s, i) => {
      grid.set(i, s);
    });
    expect(grid.size).toBe(5000);
    const r = seededRandom(11);
    let nonEmpty = 0;
    for (let k = 0; k < 40; k++) {
      const w = 113.9 + r() * 0.7;
      const s = 30.1 + r() * 0.5;
      const bbox: Bbox = [w, s, w + 0.05 + r() * 0.5, s + 0.05 + r() * 0.4];
      const level = COARSEST_LEVEL + (k % (FINEST_LEVEL - COARSEST_LEVEL + 1));
      const clearance: Classification[] = [['public'], ['public', 'internal'], ['public', 'internal', 'sensitive']][
        k % 3
      ] as Classification[];
      const kinds = k % 4 === 0 ? ['water_level', 'rain_gauge'] : null;
      if (expectSame(grid, sensors, bbox, level, clearance, kinds) > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(30);
  });

  it('never counts a sensor above the clearance', () => {
    const grid = new SensorGrid();
    grid.set(0, { lng: 114.3, lat: 30.5, kind: 'hospital_ed', state: 2, classification: 'sensitive' });
    grid.set(1, { lng: 114.3001, lat: 30.5001, kind: 'water_level', state: 0, classification: 'public' });
    const bbox: Bbox = [114, 30, 115, 31];
    const pub = grid.query({ bbox, level: 10, mask: clearanceMask(['public']), kinds: kindsFilter(null) });
    expect(pub.total).toBe(1);
    expect(pub.cells[0]!.states).toEqual([1, 0, 0, 0, 0]);
    expect(grid.registryCount(clearanceMask(['public']))).toBe(1);
    const all = grid.query({ bbox, level: 10, mask: clearanceMask(['public', 'internal', 'sensitive']), kinds: kindsFilter(null) });
    expect(all.total).toBe(2);
    expect(all.cells[0]!.states).toEqual([1, 0, 1, 0, 0]);
  });

  it('gives a cell the same key from any bbox that contains it', () => {
    const sensors = randomSensors(2000, 3);
    const grid = new SensorGrid();
    sensors.forEach((s, i) => {
      grid.set(i, s);
    });
    const mask = clearanceMask(['public', 'internal', 'sensitive']);
    const a = grid.query({ bbox: [114.1, 30.3, 114.5, 30.6], level: 11, mask, kinds: kindsFilter(null) });
    const b = grid.query({ bbox: [114.2, 30.35, 114.7, 30.7], level: 11, mask, kinds: kindsFilter(null) });
    const inB = new Map(b.cells.map((c) => [c.key, c]));
    const shared = a.cells.filter((c) => inB.has(c.key));
    expect(shared.length).toBeGreaterThan(20);
    for (const c of shared) expect(inB.get(c.key)).toEqual(c);
  });

  it('follows moves, state changes and reclassification, and drops emptied cells', () => {
    const sensors = randomSensors(3000, 5);
    const grid = new SensorGrid();
    sensors.forEach((s, i) => {
      grid.set(i, s);
    });
    const r = seededRandom(99);
    for (let k = 0; k < 1500; k++) {
      const i = Math.floor(r() * sensors.length);
      const s = { ...sensors[i]! };
      if (k % 3 === 0) s.state = Math.floor(r() * 5);
      if (k % 3 === 1) [s.lng, s.lat] = [114 + r() * 0.8, 30.2 + r() * 0.6];
      if (k % 3 === 2) s.classification = CLASSIFICATIONS[Math.floor(r() * 3)]!;
      sensors[i] = s;
      grid.set(i, s);
    }
    for (const level of [6, 9, 13]) expectSame(grid, sensors, [113.9, 30.1, 114.9, 30.9], level, ['public', 'internal'], null);
    // Everyone leaves the city: no cell is left behind.
    sensors.forEach((s, i) => {
      grid.set(i, { ...s, lng: 100.5, lat: 20.5 });
    });
    expect(grid.query({ bbox: [113.9, 30.1, 114.9, 30.9], level: 13, mask: 7, kinds: kindsFilter(null) }).cells).toEqual([]);
    expect(grid.cellCount(13)).toBe(1);
  });

  it('answers a bbox too big for its level at a coarser level', () => {
    const sensors = randomSensors(1000, 1);
    const grid = new SensorGrid();
    sensors.forEach((s, i) => {
      grid.set(i, s);
    });
    const answer = grid.query({ bbox: [-180, -90, 180, 90], level: 13, mask: 7, kinds: kindsFilter(null) });
    expect(answer.level).toBeLessThan(13);
    expect(answer.total).toBe(sensors.filter((s) => s.lng !== null).length);
  });

  it('finds the sensors inside a bbox, within the clearance, up to a limit', () => {
    const sensors = randomSensors(4000, 21);
    const grid = new SensorGrid();
    sensors.forEach((s, i) => {
      grid.set(i, s);
    });
    const bbox: Bbox = [114.2, 30.3, 114.4, 30.45];
    const mask = clearanceMask(['public', 'internal']);
    const want = sensors.flatMap((s, i) =>
      s.lng !== null &&
      s.lat !== null &&
      s.lng >= bbox[0] &&
      s.lng <= bbox[2] &&
      s.lat >= bbox[1] &&
      s.lat <= bbox[3] &&
      CLASS_BIT[s.classification] & mask
        ? [i]
        : [],
    );
    expect(want.length).toBeGreaterThan(50);
    expect(grid.sensorsIn(bbox, mask, kindsFilter(null), 100_000)).toEqual({ indices: want, more: false });
    const cut = grid.sensorsIn(bbox, mask, kindsFilter(null), 10);
    expect(cut.more).toBe(true);
    expect(cut.indices).toHaveLength(10);
    for (const i of cut.indices) expect(want).toContain(i);
    // Asked only whether they fit: stops at the first one over, whichever it is.
    const probe = grid.sensorsIn(bbox, mask, kindsFilter(null), 10, false);
    expect(probe.more).toBe(true);
    expect(probe.indices).toHaveLength(10);
    expect(grid.sensorsIn(bbox, mask, kindsFilter(null), want.length)).toEqual({ indices: want, more: false });
    // A bbox wider than the cells that hold sensors reads those cells instead of the bbox's.
    const all = sensors.flatMap((s, i) => (s.lng !== null && CLASS_BIT[s.classification] & mask ? [i] : []));
    expect(grid.sensorsIn([-180, -90, 180, 90], mask, kindsFilter(null), 100_000)).toEqual({ indices: all, more: false });
  });

  it('lists the lowest twin indices of a viewport holding more than the limit, the same after the cell lists reorder', () => {
    const grid = new SensorGrid();
    const at = (lng: number, lat: number): GridSensor => ({ lng, lat, kind: SENSOR_KINDS[0]!, state: 0, classification: 'public' });
    const bbox: Bbox = [114.2, 30.3, 114.4, 30.45];
    const r = seededRandom(7);
    // 300 sensors over a few finest cells, entered in shuffled order.
    const order = Array.from({ length: 300 }, (_, i) => i).sort(() => r() - 0.5);
    for (const i of order) grid.set(i, at(114.21 + (i % 7) * 0.025, 30.31 + (i % 5) * 0.025));
    const first = grid.sensorsIn(bbox, 7, kindsFilter(null), 40);
    expect(first).toEqual({ indices: Array.from({ length: 40 }, (_, i) => i), more: true });
    // Sensors leave and come back: their cells' lists are reordered (swap-remove), the choice is not.
    for (const i of [0, 3, 17, 39, 120, 250]) {
      grid.set(i, at(113.5, 29.5));
      grid.set(i, at(114.21 + (i % 7) * 0.025, 30.31 + (i % 5) * 0.025));
    }
    expect(grid.sensorsIn(bbox, 7, kindsFilter(null), 40)).toEqual(first);
    // One of them leaves the viewport: the next lowest takes its place.
    grid.set(17, at(113.5, 29.5));
    expect(grid.sensorsIn(bbox, 7, kindsFilter(null), 40).indices).toEqual([...first.indices.filter((i) => i !== 17), 40]);
  });

  it('keeps the points of a cell as sensors move, lose or gain a position', () => {
    const grid = new SensorGrid();
    const at = (lng: number | null, lat: number | null): GridSensor => ({
      lng,
      lat,
      kind: SENSOR_KINDS[0]!,
      state: 0,
      classification: 'public',
    });
    const here: Bbox = [114.3, 30.5, 114.301, 30.501];
    const there: Bbox = [114.6, 30.7, 114.601, 30.701];
    const find = (bbox: Bbox) => grid.sensorsIn(bbox, 7, kindsFilter(null), 100).indices;
    for (let i = 0; i < 5; i++) grid.set(i, at(114.3005, 30.5005));
    grid.set(5, at(null, null));
    expect(find(here)).toEqual([0, 1, 2, 3, 4]);
    grid.set(1, at(114.6005, 30.7005)); // moved to another cell
    grid.set(3, at(null, null)); // lost its position
    grid.set(5, at(114.3002, 30.5002)); // gained one
    grid.set(4, { ...at(114.3005, 30.5005), state: 2 }); // changed state only: stays listed once
    expect(find(here)).toEqual([0, 2, 4, 5]);
    expect(find(there)).toEqual([1]);
    expect(grid.cellMembers(114.3005, 30.5005).sort()).toEqual([0, 2, 4, 5]);
    grid.set(1, at(114.3005, 30.5005));
    expect(find(there)).toEqual([]);
    expect(grid.cellMembers(114.6005, 30.7005)).toEqual([]);
    expect(find(here)).toEqual([0, 1, 2, 4, 5]);
  });
});

describe('viewport rules', () => {
  it('maps zoom to a grid level of about 64-pixel cells within the levels kept', () => {
    expect(levelForZoom(3)).toBe(COARSEST_LEVEL);
    expect(levelForZoom(9.7)).toBe(9);
    expect(levelForZoom(16)).toBe(FINEST_LEVEL);
    // 64 px at zoom L: a 256-px tile spans 360/2^L degrees.
    expect(cellDeg(10) / (360 / 2 ** 10)).toBe(0.25);
  });

  it('switches to points at the points zoom and back to cells only below it by the hysteresis', () => {
    const o = DEFAULT_VIEWPORT_OPTIONS;
    expect(chooseViewportMode(null, o.pointsZoom - 0.2, 10, o)).toBe('cells');
    expect(chooseViewportMode('cells', o.pointsZoom, 10, o)).toBe('points');
    expect(chooseViewportMode('points', o.pointsZoom - 0.2, 10, o)).toBe('points');
    expect(chooseViewportMode('points', o.pointsZoom - o.hysteresis - 0.01, 10, o)).toBe('cells');
    expect(chooseViewportMode('points', 17, o.maxPoints + 1, o)).toBe('cells');
  });

  it('checks viewport requests and bboxes', () => {
    expect(checkViewport({ bbox: [114, 30, 115, 31], zoom: 10 })).toEqual({
      bbox: [114, 30, 115, 31],
      zoom: 10,
      kinds: null,
      columns: false,
    });
    expect(checkViewport({ bbox: [114, 30, 115, 31], zoom: 15, encoding: 'columns' })).toMatchObject({ columns: true });
    expect(checkViewport({ bbox: [114, 30, 115, 31], zoom: 15, encoding: 'rows' })).toBe(
      `viewport.encoding must be 'columns' or absent, not "rows"`,
    );
    expect(checkViewport({ bbox: [115, 30, 114, 31], zoom: 10 })).toMatch(/west ≤ east/);
    expect(checkViewport({ bbox: [114, 30, 115], zoom: 10 })).toMatch(/bbox/);
    expect(checkViewport({ bbox: [114, 30, 115, 31], zoom: 'x' })).toMatch(/zoom/);
    expect(checkViewport(null)).toMatch(/object/);
    // Each refusal quotes what was sent and says what is accepted.
    expect(checkViewport([1, 2])).toBe('viewport must be an object {bbox, zoom}, not [1,2]');
    expect(checkViewport({ bbox: [114, null, 115, 31], zoom: 10 })).toBe(
      'viewport.bbox must be [west, south, east, north], four finite numbers, not [114,null,115,31]',
    );
    expect(checkViewport({ bbox: [-1e308, -90, 1e308, 90], zoom: 10 })).toBe(
      'viewport.bbox must lie within -180..180, -90..90 with west ≤ east, south ≤ north, not [-1e+308,-90,1e+308,90]',
    );
    expect(checkViewport({ bbox: [114, 30, 115, 31], zoom: -3 })).toBe('viewport.zoom must be a number from 0 to 24, not -3');
    expect(checkViewport({ bbox: [114, 30, 115, 31], zoom: Number.NaN })).toBe('viewport.zoom must be a number from 0 to 24, not NaN');
    expect(checkViewport({ bbox: [114, 30, 115, 31], zoom: 10, kinds: 'x'.repeat(500) })).toBe(
      `viewport.kinds must be a list of at most 64 sensor kinds (each under 40 characters), not "${'x'.repeat(79)}…`,
    );
    expect(parseBbox('114,30,115,31')).toEqual([114, 30, 115, 31]);
    expect(parseBbox('114,30,115')).toMatch(/four numbers/);
    expect(parseBbox('114,30,200,31')).toMatch(/within/);
  });
});
