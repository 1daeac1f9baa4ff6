/**
 * The live stream for a big registry (docs/scale.md). Above `threshold` sensors a client does
 * not get the whole table: it sends its `viewport` (bbox + zoom) and gets
 * - zoomed in (zoom ≥ pointsZoom, or ≥ pointsZoom − hysteresis while already zoomed in) and
 *   at most `maxPoints` sensors in view: the sensors inside the viewport as a `snapshot`
 *   (scope `viewport`, its own epoch, dense numbering) and then `delta`s of exactly those
 *   sensors, in the shapes of the full stream; sensors that appear inside the viewport later
 *   arrive in `added`;
 * - otherwise: aggregate `cells` of the viewport from the twin's grid index, at once and then
 *   every `cellsIntervalMs`, after an empty viewport snapshot that clears its table.
 * Below the threshold the full stream is unchanged; a `viewport` is then answered with `cells`
 * when zoomed out (a client may use them or not) and with nothing when zoomed in.
 *
 * A client whose `viewport` says `encoding: 'columns'` gets its points snapshots as `points`
 * (columns, points-codec.ts) instead of `snapshot`; every other message is the same.
 *
 * Every answer is cut to the caller's classification clearance, exactly as the classified
 * views of live-stream.ts are: a sensor above it is neither sent nor counted.
 */
import type { Classification, TwinState } from '../../../twin-model/index.ts';
import { headlineValue, quoteValue } from '../../../twin-model/index.ts';
import type { CellsMessage, DeltaMessage, PointsMessage, SensorSummary, SnapshotMessage, ViewportRequest } from '../../shared/protocol.ts';
import { decodeDelta, encodeDelta, pickDeltaRows } from '../../shared/delta-codec.ts';
import { PointsBuilder } from '../../shared/points-codec.ts';
import { clearanceMask } from '../auth/classification.ts';
import { summarize, type LiveStream } from './live-stream.ts';
import { kindsFilter, levelForZoom, type Bbox, type SensorGrid } from './sensor-aggregate.ts';

export interface ViewportOptions {
  /** Registry size above which clients get viewports instead of the whole table. */
  threshold: number;
  /** Zoom from which a viewport gets points. */
  pointsZoom: number;
  /** A viewport showing points keeps them down to pointsZoom − hysteresis. */
  hysteresis: number;
  /** Most sensors sent as points; a viewport holding more gets cells. */
  maxPoints: number;
  /** Cells are sent again this often while a client is zoomed out. */
  cellsIntervalMs: number;
}

export const DEFAULT_VIEWPORT_OPTIONS: ViewportOptions = {
  threshold: 50_000,
  pointsZoom: 14,
  hysteresis: 0.5,
  maxPoints: 20_000,
  cellsIntervalMs: 3_000,
};

export type ViewportMode = 'points' | 'cells';

/** Points or cells for a viewport at `zoom` holding `inView` sensors, given the mode shown before. */
export function chooseViewportMode(
  previous: ViewportMode | null,
  zoom: number,
  inView: number,
  options: Pick<ViewportOptions, 'pointsZoom' | 'hysteresis' | 'maxPoints'>,
): ViewportMode {
  const from = previous === 'points' ? options.pointsZoom - options.hysteresis : options.pointsZoom;
  return zoom >= from && inView <= options.maxPoints ? 'points' : 'cells';
}

/** A checked `viewport` request; `columns`: points snapshots go as `points`. */
export interface CheckedViewport {
  bbox: Bbox;
  zoom: number;
  kinds: string[] | null;
  columns: boolean;
}

/** A `viewport` request as received: checked, or an error message that quotes the bad value and says what is accepted. */
export function checkViewport(req: unknown): CheckedViewport | string {
  if (req === null || typeof req !== 'object' || Array.isArray(req))
    return `viewport must be an object {bbox, zoom}, not ${quoteValue(req)}`;
  const r = req as Partial<ViewportRequest>;
  if (!Array.isArray(r.bbox) || r.bbox.length !== 4 || !r.bbox.every((v) => typeof v === 'number' && Number.isFinite(v)))
    return `viewport.bbox must be [west, south, east, north], four finite numbers, not ${quoteValue(r.bbox)}`;
  const [w, s, e, n] = r.bbox;
  if (w < -180 || e > 180 || s < -90 || n > 90 || w > e || s > n)
    return `viewport.bbox must lie within -180..180, -90..90 with west ≤ east, south ≤ north, not ${quoteValue(r.bbox)}`;
  if (typeof r.zoom !== 'number' || !Number.isFinite(r.zoom) || r.zoom < 0 || r.zoom > 24)
    return `viewport.zoom must be a number from 0 to 24, not ${quoteValue(r.zoom)}`;
  if (
    r.kinds !== undefined &&
    (!Array.isArray(r.kinds) || r.kinds.length > 64 || !r.kinds.every((k) => typeof k === 'string' && k.length < 40))
  )
    return `viewport.kinds must be a list of at most 64 sensor kinds (each under 40 characters), not ${quoteValue(r.kinds)}`;
  if (r.encoding !== undefined && r.encoding !== 'columns')
    return `viewport.encoding must be 'columns' or absent, not ${quoteValue(r.encoding)}`;
  return { bbox: [w, s, e, n], zoom: r.zoom, kinds: r.kinds ?? null, columns: r.encoding === 'columns' };
}

/** The cells of a bbox at a zoom, within a clearance mask and kinds, as sent on the socket and the API. */
export function cellsMessage(
  grid: SensorGrid,
  bbox: Bbox,
  zoom: number,
  mask: number,
  kinds: readonly string[] | null,
  now: number,
): CellsMessage {
  const answer = grid.query({ bbox, level: levelForZoom(zoom), mask, kinds: kindsFilter(kinds) });
  return {
    serverTime: now,
    level: answer.level,
    cellDeg: answer.cellDeg,
    bbox,
    zoom,
    total: answer.total,
    registry: grid.registryCount(mask),
    source: 'twin',
    cells: answer.cells,
  };
}

export type ViewportOutput =
  | { type: 'snapshot'; msg: SnapshotMessage }
  | { type: 'points'; msg: PointsMessage }
  | { type: 'delta'; msg: DeltaMessage }
  | { type: 'cells'; msg: CellsMessage };

/** One client's viewport: what it was last sent, and its share of each full delta. */
export class ViewportFeed {
  mode: ViewportMode | null = null;
  private epoch = '';
  private seq = 0;
  private epochs = 0;
  private view: CheckedViewport | null = null;
  private kindFlags = kindsFilter(null);
  private toTwin: number[] = [];
  /** The client's table is an empty viewport table (nothing to clear). */
  private cleared = false;
  private readonly fromTwin = new Map<number, number>();
  readonly mask: number;

  constructor(
    private readonly owner: ViewportStreams,
    readonly id: string,
    clearance: readonly Classification[],
    private readonly send: (out: ViewportOutput) => void,
  ) {
    this.mask = clearanceMask(clearance);
  }

  /** Answers `resume` for a big registry: the viewport's points again, or an empty viewport table. */
  resume(): void {
    if (this.mode === 'points' && this.view) this.send(this.pointsSnapshot());
    else this.send({ type: 'snapshot', msg: this.emptySnapshot() });
  }

  /** A new viewport from the client. Returns an error message when the request is malformed. */
  viewport(req: unknown): string | null {
    const checked = checkViewport(req);
    if (typeof checked === 'string') return checked;
    this.apply(checked);
    return null;
  }

  /** A new viewport, checked ({@link checkViewport}): its table or cells go out. */
  apply(checked: CheckedViewport): void {
    this.view = checked;
    this.kindFlags = kindsFilter(checked.kinds);
    const grid = this.owner.grid;
    if (!this.owner.big()) {
      // The client holds every sensor already: only zoomed-out cells are news.
      this.mode = chooseViewportMode(this.mode, checked.zoom, 0, this.owner.options) === 'points' ? null : 'cells';
      if (this.mode === 'cells') this.sendCells();
      return;
    }
    const probe = chooseViewportMode(this.mode, checked.zoom, 0, this.owner.options);
    let next: ViewportMode = 'cells';
    let found: { indices: number[]; more: boolean } | null = null;
    if (probe === 'points') {
      // Only whether they fit matters here: stop at the first one over.
      found = grid.sensorsIn(checked.bbox, this.mask, this.kindFlags, this.owner.options.maxPoints, false);
      next = found.more ? 'cells' : 'points';
    }
    if (next === 'points') {
      this.mode = 'points';
      this.send(this.pointsSnapshot(found!.indices));
    } else {
      if (this.mode !== 'cells' && !this.cleared) this.send({ type: 'snapshot', msg: this.emptySnapshot() });
      this.mode = 'cells';
      this.sendCells();
    }
  }

  /** Sends the current cells (zoomed out only). */
  sendCells(): void {
    if (this.mode !== 'cells' || !this.view) return;
    this.send({
      type: 'cells',
      msg: cellsMessage(this.owner.grid, this.view.bbox, this.view.zoom, this.mask, this.view.kinds, this.owner.now()),
    });
  }

  /** This viewport's share of a full delta (points mode), sent when not empty. */
  derive(full: DeltaMessage, twin: TwinState): void {
    if (this.mode !== 'points' || !this.view || !this.owner.big()) return;
    const grid = this.owner.grid;
    const columns = decodeDelta(full);
    const index = columns.index;
    const added: SensorSummary[] = [];
    const keep: number[] = [];
    // A sensor of the table whose summary changed (a headline's unit) goes again under its index.
    for (const s of full.added) {
      const v = this.fromTwin.get(s.i);
      if (v !== undefined) added.push(summarize(twin.sensors[s.i]!, v));
    }
    for (let k = 0; k < index.length; k++) {
      const t = index[k]!;
      const v = this.fromTwin.get(t);
      if (v === undefined) {
        if (this.toTwin.length < this.owner.options.maxPoints && grid.inside(t, this.view.bbox, this.mask, this.kindFlags)) {
          const nv = this.toTwin.length;
          this.toTwin.push(t);
          this.fromTwin.set(t, nv);
          added.push(summarize(twin.sensors[t]!, nv));
          keep.push(k);
        }
      } else if (!grid.visibleTo(t, this.mask)) {
        // Reclassified above the clearance: the protocol cannot remove a sensor, so send a
        // fresh table without it (a new epoch).
        this.send(this.pointsSnapshot());
        return;
      } else keep.push(k);
    }
    if (keep.length === 0 && added.length === 0) return;
    const picked = pickDeltaRows(columns, keep, (t) => this.fromTwin.get(t)!);
    this.send({
      type: 'delta',
      msg: encodeDelta(
        { epoch: this.epoch, seq: ++this.seq, serverTime: full.serverTime, dataTime: picked.dataTime, added },
        picked.columns,
      ),
    });
  }

  /** Sensors in the points table now. */
  get pointCount(): number {
    return this.toTwin.length;
  }

  private newEpoch(): void {
    this.epoch = `${this.owner.stream.epoch}-v${this.id}-${++this.epochs}`;
    this.seq = 0;
    this.toTwin = [];
    this.fromTwin.clear();
  }

  private emptySnapshot(): SnapshotMessage {
    this.newEpoch();
    this.cleared = true;
    return { epoch: this.epoch, seq: 0, serverTime: this.owner.now(), sensors: [], scope: 'viewport' };
  }

  /**
   * A new epoch holding the viewport's sensors (`indices`, or the first maxPoints in twin order),
   * as `points` when the client asked for columns, else as a `snapshot` of summaries.
   */
  private pointsSnapshot(indices?: number[]): ViewportOutput {
    const view = this.view!;
    const found = indices ?? this.owner.grid.sensorsIn(view.bbox, this.mask, this.kindFlags, this.owner.options.maxPoints).indices;
    this.newEpoch();
    this.cleared = false;
    const twin = this.owner.twin;
    const header = { epoch: this.epoch, seq: 0, serverTime: this.owner.now() };
    for (let v = 0; v < found.length; v++) {
      this.toTwin.push(found[v]!);
      this.fromTwin.set(found[v]!, v);
    }
    if (!view.columns) {
      const sensors = found.map((t, v) => summarize(twin.sensors[t]!, v));
      return { type: 'snapshot', msg: { ...header, sensors, scope: 'viewport' } };
    }
    const columns = new PointsBuilder(found.length);
    for (let v = 0; v < found.length; v++) {
      const entry = twin.sensors[found[v]!]!;
      const head = headlineValue(entry);
      columns.set(v, entry, head ? head.value : null, head ? head.ts : null);
    }
    return { type: 'points', msg: columns.finish(header) };
  }
}

/** Every client's viewport feed, fed from the full stream's deltas. */
export class ViewportStreams {
  readonly options: ViewportOptions;
  private readonly feeds = new Map<string, ViewportFeed>();
  private counter = 0;

  constructor(
    readonly twin: TwinState,
    readonly stream: LiveStream,
    options: Partial<ViewportOptions> = {},
    readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_VIEWPORT_OPTIONS, ...options };
  }

  get grid(): SensorGrid {
    return this.stream.grid;
  }

  /** Whether the registry is big enough for viewports instead of the whole table. */
  big(): boolean {
    return this.twin.sensors.length > this.options.threshold;
  }

  open(clearance: readonly Classification[], send: (out: ViewportOutput) => void): ViewportFeed {
    const feed = new ViewportFeed(this, (++this.counter).toString(36), clearance, send);
    this.feeds.set(feed.id, feed);
    return feed;
  }

  close(feed: ViewportFeed): void {
    this.feeds.delete(feed.id);
  }

  /** Hands a full delta to every viewport showing points. */
  onDelta(full: DeltaMessage): void {
    for (const feed of this.feeds.values()) feed.derive(full, this.twin);
  }

  /** Sends fresh cells to every viewport showing cells. */
  refreshCells(): void {
    for (const feed of this.feeds.values()) feed.sendCells();
  }

  get size(): number {
    return this.feeds.size;
  }
}
