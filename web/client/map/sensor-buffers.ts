/**
 * Turns the sensor table into the typed arrays the deck.gl ScatterplotLayers draw (binary
 * attributes: no per-sensor objects, no accessor calls).
 *
 * The main layer holds every visible sensor in a fixed order, the table's (`order[k]` maps draw
 * slot k back to the store row, for picking): a state change then rewrites only the colour and
 * size of its slot, and positions stay as they were uploaded. So that alarms are never hidden
 * under a crowd of normal points, the sensors in warning or alarm are drawn once more in a
 * small top layer (`top`), warnings under alarms.
 *
 * The attribute arrays of both layers are pooled (deck.gl copies them to the GPU when it applies
 * the layer) and written slot by slot, noting which arrays changed. A layer's `order` is its own
 * array: a pick is answered from the layer deck.gl last applied, which may be one build behind,
 * and its `order` must still be the one it was drawn with. The main layer gets a new one per
 * build; the top layer only when it changed (an unchanged top layer is the previous build's).
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
  /** The visible sensors in warning or alarm, alarms last: the previous build's object while unchanged. */
  top: LayerBuffers;
  /** Whether the top layer draws other sensors or draws them otherwise than the previous build's. */
  topChanged: boolean;
}

/** The per-sensor attribute arrays of a build. */
export type DrawAttribute = 'positions' | 'fillColors' | 'lineColors' | 'radii' | 'lineWidths';

/** Sensors of this draw rank and above are drawn again in the top layer. */
const TOP_RANK = STATE_STYLES.warning.rank;

/** How one state is drawn (sensor-style.ts). */
interface SlotStyle {
  fill: ArrayLike<number>;
  line: ArrayLike<number>;
  radius: number;
  lineWidth: number;
}

/** The attribute arrays of one layer, reused from build to build: a write notes the arrays it changes. */
class LayerStorage {
  private capacity = 0;
  private positions = new Float32Array(0);
  private fillColors = new Uint8Array(0);
  private lineColors = new Uint8Array(0);
  private radii = new Float32Array(0);
  private lineWidths = new Float32Array(0);
  /** Number drawn by the previous build; -1 when the storage holds no build. */
  private lastLength = -1;

  constructor(private readonly minCapacity: number) {}

  /** Room for `n` slots; the flags of a build of `length` (all set when the number drawn changed or the storage grew). */
  begin(n: number, length: number): Record<DrawAttribute, boolean> {
    this.ensure(n);
    const all = length !== this.lastLength;
    this.lastLength = length;
    return { positions: all, fillColors: all, lineColors: all, radii: all, lineWidths: all };
  }

  /** Writes slot `k`, setting the flag of every array whose value there changes. */
  write(k: number, lng: number, lat: number, style: SlotStyle, changed: Record<DrawAttribute, boolean>): void {
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

  /** Fresh views of the first `length` slots (deck.gl notices new data by identity). */
  views(length: number, order: Uint32Array): LayerBuffers {
    return {
      length,
      order,
      positions: this.positions.subarray(0, 2 * length),
      fillColors: this.fillColors.subarray(0, 4 * length),
      lineColors: this.lineColors.subarray(0, 4 * length),
      radii: this.radii.subarray(0, length),
      lineWidths: this.lineWidths.subarray(0, length),
    };
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    const c = Math.max(n, Math.ceil(this.capacity * 1.5), this.minCapacity);
    this.capacity = c;
    this.lastLength = -1;
    this.positions = new Float32Array(2 * c);
    this.fillColors = new Uint8Array(4 * c);
    this.lineColors = new Uint8Array(4 * c);
    this.radii = new Float32Array(c);
    this.lineWidths = new Float32Array(c);
  }
}

/** Reusable backing storage, so a rebuild 10×/s allocates nothing but the main layer's views and order once it has grown. */
export class DrawBufferPool {
  private readonly main = new LayerStorage(1024);
  private readonly top = new LayerStorage(64);
  /** The top layer's rows as last built, and the first slot of each draw rank (scratch). */
  private topRows = new Uint32Array(0);
  private readonly rankStart = new Uint32Array(STATE_COUNT + 2);
  private lastTop: LayerBuffers | null = null;

  /**
   * Builds the draw buffers for the visible sensors. The main attribute arrays are fresh views
   * over storage that the next call overwrites.
   */
  build(store: SensorStore, filter: SensorFilter): DrawBuffers {
    let length = 0;
    for (let i = 0; i < store.count; i++) if (this.visible(store, filter, i)) length++;
    const order = new Uint32Array(length);
    const changed = this.main.begin(store.count, length);
    let k = 0;
    for (let i = 0; i < store.count; i++) {
      if (!this.visible(store, filter, i)) continue;
      order[k] = i;
      this.main.write(k++, store.lng[i]!, store.lat[i]!, STYLE_BY_CODE[store.state[i]!] ?? STYLE_BY_CODE[0]!, changed);
    }
    const { top, topChanged } = this.buildTop(store, order);
    return { ...this.main.views(length, order), changed, top, topChanged };
  }

  /** The top layer: the drawn rows of rank warning and above, by rank (alarms last, on top). */
  private buildTop(store: SensorStore, drawn: Uint32Array): { top: LayerBuffers; topChanged: boolean } {
    const start = this.rankStart.fill(0);
    const ranks = DRAW_RANK_BY_CODE.length;
    for (const row of drawn) {
      const r = rankOf(store.state[row]!);
      if (r >= TOP_RANK) start[r + 1]!++;
    }
    for (let r = 0; r < ranks; r++) start[r + 1]! += start[r]!;
    const length = start[ranks]!;
    const changed = this.top.begin(length, length);
    if (this.topRows.length < length) this.topRows = new Uint32Array(Math.max(length, 2 * this.topRows.length));
    let rowsChanged = false;
    for (const row of drawn) {
      const code = store.state[row]!;
      const r = rankOf(code);
      if (r < TOP_RANK) continue;
      const k = start[r]!++;
      if (this.topRows[k] !== row) {
        this.topRows[k] = row;
        rowsChanged = true;
      }
      this.top.write(k, store.lng[row]!, store.lat[row]!, STYLE_BY_CODE[code] ?? STYLE_BY_CODE[0]!, changed);
    }
    const topChanged = rowsChanged || !this.lastTop || anyChanged(changed);
    if (!topChanged && this.lastTop) return { top: this.lastTop, topChanged };
    this.lastTop = this.top.views(length, this.topRows.slice(0, length));
    return { top: this.lastTop, topChanged };
  }

  private visible(store: SensorStore, filter: SensorFilter, i: number): boolean {
    return filter.kinds[store.kind[i]!] === 1 && filter.states[store.state[i]!] !== 0 && store.hasPosition(i);
  }
}

function sameColor(colors: Uint8Array, at: number, rgba: ArrayLike<number>): boolean {
  return colors[at] === rgba[0] && colors[at + 1] === rgba[1] && colors[at + 2] === rgba[2] && colors[at + 3] === rgba[3];
}

function anyChanged(c: Record<DrawAttribute, boolean>): boolean {
  return c.positions || c.fillColors || c.lineColors || c.radii || c.lineWidths;
}

/** Unknown state codes rank as normal. */
function rankOf(code: number): number {
  return DRAW_RANK_BY_CODE[code] ?? DRAW_RANK_BY_CODE[0]!;
}
