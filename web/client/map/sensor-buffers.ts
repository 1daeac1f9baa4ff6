/**
 * Turns the sensor table into the typed arrays the deck.gl ScatterplotLayers draw (binary
 * attributes: no per-sensor objects, no accessor calls).
 *
 * The main layer holds every visible sensor in a fixed order, the table's (`order[k]` maps draw
 * slot k back to the store row, for picking): a state change then rewrites only the colour and
 * size of its slot, and positions stay as they were uploaded. So that alarms are never hidden
 * under a crowd of normal points, the sensors in warning or alarm are drawn once more in a
 * small top layer (`top`), warnings under alarms, rebuilt with every build.
 *
 * The main attribute arrays are pooled (deck.gl copies them to the GPU when it applies the
 * layer), but `order` is a new array per build: a pick is answered from the layer deck.gl last
 * applied, which may be one build behind, and its `order` must still be the one it was drawn with.
 */
import { type SensorStore, STATE_COUNT } from '../stream/sensor-store.ts';
import { DRAW_RANK_BY_CODE, STATE_STYLES, STYLE_BY_CODE } from './sensor-style.ts';

/** Which sensors to draw: a 1/0 flag per kind slot and per state code. */
export interface SensorFilter {
  kinds: Uint8Array;
  states: Uint8Array;
}

/** The attribute arrays of one layer, `length` sensors. */
export interface LayerBuffers {
  /** Number of sensors drawn. */
  length: number;
  /** Store row of each draw slot (owned by this build; never overwritten). */
  order: Uint32Array;
  /** [lng, lat] per slot. */
  positions: Float32Array;
  /** RGBA per slot. */
  fillColors: Uint8Array;
  lineColors: Uint8Array;
  radii: Float32Array;
  lineWidths: Float32Array;
}

export interface DrawBuffers extends LayerBuffers {
  /**
   * Which main-layer arrays hold other values than the previous build's (all of them on the
   * first build, after the storage grew, or when the number drawn changed): the layer hands
   * deck.gl the same attribute object for an unchanged one, which it then does not upload.
   */
  changed: Record<DrawAttribute, boolean>;
  /** The visible sensors in warning or alarm, alarms last; fresh arrays per build. */
  top: LayerBuffers;
}

/** The per-sensor attribute arrays of a build. */
export type DrawAttribute = 'positions' | 'fillColors' | 'lineColors' | 'radii' | 'lineWidths';

/** Sensors of this draw rank and above are drawn again in the top layer. */
const TOP_RANK = STATE_STYLES.warning.rank;

/** Reusable backing storage, so a rebuild 10×/s allocates nothing once it has grown. */
export class DrawBufferPool {
  private capacity = 0;
  private positions = new Float32Array(0);
  private fillColors = new Uint8Array(0);
  private lineColors = new Uint8Array(0);
  private radii = new Float32Array(0);
  private lineWidths = new Float32Array(0);
  /** Number drawn by the previous build; -1 when the storage holds no build. */
  private lastLength = -1;

  /**
   * Builds the draw buffers for the visible sensors. The main attribute arrays are fresh views
   * (deck.gl notices new data by identity) over storage that the next call overwrites.
   */
  build(store: SensorStore, filter: SensorFilter): DrawBuffers {
    this.ensure(store.count);
    let length = 0;
    for (let i = 0; i < store.count; i++) if (this.visible(store, filter, i)) length++;
    const order = new Uint32Array(length);
    const all = length !== this.lastLength;
    this.lastLength = length;
    const changed = { positions: all, fillColors: all, lineColors: all, radii: all, lineWidths: all };
    let k = 0;
    for (let i = 0; i < store.count; i++) {
      if (!this.visible(store, filter, i)) continue;
      order[k] = i;
      this.write(k++, store.lng[i]!, store.lat[i]!, STYLE_BY_CODE[store.state[i]!] ?? STYLE_BY_CODE[0]!, changed);
    }
    return {
      length,
      order,
      changed,
      positions: this.positions.subarray(0, 2 * length),
      fillColors: this.fillColors.subarray(0, 4 * length),
      lineColors: this.lineColors.subarray(0, 4 * length),
      radii: this.radii.subarray(0, length),
      lineWidths: this.lineWidths.subarray(0, length),
      top: buildTop(store, order),
    };
  }

  /** Writes slot `k`, setting the flag of every array whose value there changes. */
  private write(k: number, lng: number, lat: number, style: SlotStyle, changed: Record<DrawAttribute, boolean>): void {
    const x = Math.fround(lng);
    const y = Math.fround(lat);
    if (this.positions[2 * k] !== x || this.positions[2 * k + 1] !== y) {
      this.positions[2 * k] = x;
      this.positions[2 * k + 1] = y;
      changed.positions = true;
    }
    if (!sameColor(this.fillColors, 4 * k, style.fill)) {
      this.fillColors.set(style.fill, 4 * k);
      changed.fillColors = true;
    }
    if (!sameColor(this.lineColors, 4 * k, style.line)) {
      this.lineColors.set(style.line, 4 * k);
      changed.lineColors = true;
    }
    const r = Math.fround(style.radius);
    if (this.radii[k] !== r) {
      this.radii[k] = r;
      changed.radii = true;
    }
    const w = Math.fround(style.lineWidth);
    if (this.lineWidths[k] !== w) {
      this.lineWidths[k] = w;
      changed.lineWidths = true;
    }
  }

  private visible(store: SensorStore, filter: SensorFilter, i: number): boolean {
    return filter.kinds[store.kind[i]!] === 1 && filter.states[store.state[i]!] !== 0 && store.hasPosition(i);
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    const c = Math.max(n, Math.ceil(this.capacity * 1.5), 1024);
    this.capacity = c;
    this.lastLength = -1;
    this.positions = new Float32Array(2 * c);
    this.fillColors = new Uint8Array(4 * c);
    this.lineColors = new Uint8Array(4 * c);
    this.radii = new Float32Array(c);
    this.lineWidths = new Float32Array(c);
  }
}

/** How one state is drawn (sensor-style.ts). */
interface SlotStyle {
  fill: ArrayLike<number>;
  line: ArrayLike<number>;
  radius: number;
  lineWidth: number;
}

function sameColor(colors: Uint8Array, at: number, rgba: ArrayLike<number>): boolean {
  return colors[at] === rgba[0] && colors[at + 1] === rgba[1] && colors[at + 2] === rgba[2] && colors[at + 3] === rgba[3];
}

/** Unknown state codes rank as normal. */
function rankOf(code: number): number {
  return DRAW_RANK_BY_CODE[code] ?? DRAW_RANK_BY_CODE[0]!;
}

/** The top layer: the drawn rows of rank warning and above, by rank (alarms last, on top). */
function buildTop(store: SensorStore, drawn: Uint32Array): LayerBuffers {
  const start = new Uint32Array(STATE_COUNT + 2);
  const ranks = DRAW_RANK_BY_CODE.length;
  for (const row of drawn) {
    const r = rankOf(store.state[row]!);
    if (r >= TOP_RANK) start[r + 1]!++;
  }
  for (let r = 0; r < ranks; r++) start[r + 1]! += start[r]!;
  const length = start[ranks]!;
  const top: LayerBuffers = {
    length,
    order: new Uint32Array(length),
    positions: new Float32Array(2 * length),
    fillColors: new Uint8Array(4 * length),
    lineColors: new Uint8Array(4 * length),
    radii: new Float32Array(length),
    lineWidths: new Float32Array(length),
  };
  for (const row of drawn) {
    const code = store.state[row]!;
    const r = rankOf(code);
    if (r < TOP_RANK) continue;
    const k = start[r]!++;
    const style = STYLE_BY_CODE[code] ?? STYLE_BY_CODE[0]!;
    top.order[k] = row;
    top.positions[2 * k] = store.lng[row]!;
    top.positions[2 * k + 1] = store.lat[row]!;
    top.fillColors.set(style.fill, 4 * k);
    top.lineColors.set(style.line, 4 * k);
    top.radii[k] = style.radius;
    top.lineWidths[k] = style.lineWidth;
  }
  return top;
}

/** Whether two layer builds draw the same sensors the same way (same rows, places and looks). */
export function sameLayer(a: LayerBuffers, b: LayerBuffers): boolean {
  return (
    a.length === b.length &&
    sameArray(a.order, b.order) &&
    sameArray(a.positions, b.positions) &&
    sameArray(a.fillColors, b.fillColors) &&
    sameArray(a.lineColors, b.lineColors) &&
    sameArray(a.radii, b.radii) &&
    sameArray(a.lineWidths, b.lineWidths)
  );
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
