/**
 * The console's side of the big-registry stream (docs/scale.md). When the server answers
 * `resume` with a viewport-scoped snapshot, the registry is too big for the whole table: the
 * console then sends its `viewport` (bbox + zoom) after every pan or zoom (debounced), and
 * draws what comes back — the sensors inside the viewport (snapshot + deltas, through the usual
 * LiveStream and SensorStore) when zoomed in, or aggregate `cells` when zoomed out. Cells are
 * cached by key, so a pan shows the cells already known at once and the answer replaces them.
 * It asks for the viewport's sensors in columns (`encoding: 'columns'`, answered with `points`,
 * which LiveStream applies as the snapshot it stands for).
 */
import type { CellsMessage, CellSummary, PointsMessage, SnapshotMessage, ViewportRequest } from '../../shared/protocol.ts';
import type { StreamSocket } from './live-stream.ts';

/** Pans and zooms settle this long before the viewport is sent. */
export const VIEWPORT_DEBOUNCE_MS = 200;
/** Cells kept in the cache, all levels together. */
export const CELL_CACHE_LIMIT = 6000;

/** Cells by key, per grid level; the newest answer for a bbox replaces what was cached inside it. */
export class CellCache {
  private readonly byKey = new Map<string, CellSummary>();
  /** Level, totals and time of the newest answer. */
  level = -1;
  total = 0;
  registry = 0;
  serverTime = 0;
  /** Bumped on every change (for redraws). */
  version = 0;

  constructor(private readonly limit = CELL_CACHE_LIMIT) {}

  get size(): number {
    return this.byKey.size;
  }

  apply(msg: CellsMessage): void {
    const [w, s, e, n] = msg.bbox;
    const side = msg.cellDeg;
    const x0 = Math.floor(w / side);
    const x1 = Math.floor(e / side);
    const y0 = Math.floor(s / side);
    const y1 = Math.floor(n / side);
    const prefix = `${msg.level}/`;
    // Cells of this level inside the answered bbox that the answer leaves out are empty now.
    for (const key of this.byKey.keys()) {
      if (!key.startsWith(prefix)) continue;
      const [, xs, ys] = key.split('/');
      const x = Number(xs);
      const y = Number(ys);
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) this.byKey.delete(key);
    }
    for (const cell of msg.cells) {
      this.byKey.delete(cell.key);
      this.byKey.set(cell.key, cell);
    }
    // Oldest first in insertion order.
    for (const key of this.byKey.keys()) {
      if (this.byKey.size <= this.limit) break;
      this.byKey.delete(key);
    }
    this.level = msg.level;
    this.total = msg.total;
    this.registry = msg.registry;
    this.serverTime = msg.serverTime;
    this.version++;
  }

  /** The cached cells of `level` (the newest answer's, by default). */
  cells(level = this.level): CellSummary[] {
    const prefix = `${level}/`;
    const out: CellSummary[] = [];
    for (const [key, cell] of this.byKey) if (key.startsWith(prefix)) out.push(cell);
    return out;
  }

  clear(): void {
    this.byKey.clear();
    this.level = -1;
    this.total = 0;
    this.version++;
  }
}

/** What the viewport client needs of the map. */
export interface ViewportMap {
  getBounds(): { getWest(): number; getSouth(): number; getEast(): number; getNorth(): number };
  getZoom(): number;
  on(event: 'moveend', listener: () => void): unknown;
}

/** A viewport request of the map as it is now (bbox clamped to valid degrees). */
export function viewportOf(map: ViewportMap): ViewportRequest {
  const b = map.getBounds();
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const w = clamp(b.getWest(), -180, 180);
  const e = clamp(b.getEast(), -180, 180);
  const s = clamp(b.getSouth(), -90, 90);
  const n = clamp(b.getNorth(), -90, 90);
  return { bbox: [Math.min(w, e), Math.min(s, n), Math.max(w, e), Math.max(s, n)], zoom: map.getZoom() };
}

export type ViewportMode = 'points' | 'cells';

export class ViewportClient {
  /** The server streams viewports (the registry is over its threshold). */
  active = false;
  /** What the map shows: the viewport's sensors, or cells; null before the first answer. */
  mode: ViewportMode | null = null;
  readonly cache = new CellCache();
  /** Viewports sent (for tests and diagnostics). */
  sent = 0;
  /** Sensors in the points table (the last viewport snapshot). */
  points = 0;
  private sentOnConnection = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private socket: StreamSocket | null = null;

  constructor(
    private readonly map: ViewportMap,
    private readonly onChange: () => void,
  ) {
    map.on('moveend', () => {
      if (!this.active) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.send();
      }, VIEWPORT_DEBOUNCE_MS);
    });
  }

  /** Listens on the socket (before LiveStream.start connects it). */
  start(socket: StreamSocket): void {
    this.socket = socket;
    socket.on('connect', () => {
      this.sentOnConnection = false;
    });
    socket.on('points', (msg: PointsMessage) => this.onViewportTable(msg.count));
    socket.on('snapshot', (msg: SnapshotMessage) => {
      if (msg.scope !== 'viewport') {
        // The whole table: the registry is small (again).
        if (this.active) {
          this.active = false;
          this.mode = null;
          this.cache.clear();
          this.onChange();
        }
        return;
      }
      this.onViewportTable(msg.sensors.length);
    });
    socket.on('cells', (msg: CellsMessage) => {
      if (!this.active) return;
      this.mode = 'cells';
      this.cache.apply(msg);
      this.onChange();
    });
  }

  /** A viewport table of `count` sensors arrived (a scoped snapshot or `points`). */
  private onViewportTable(count: number): void {
    this.active = true;
    this.points = count;
    // The server knows no viewport of this connection yet: tell it.
    if (!this.sentOnConnection) this.send();
    else this.mode = 'points';
    this.onChange();
  }

  /** The cells to draw now (none while points are shown). */
  visibleCells(): CellSummary[] {
    return this.active && this.mode === 'cells' ? this.cache.cells() : [];
  }

  private send(): void {
    if (!this.socket?.connected) return;
    this.socket.emit('viewport', { ...viewportOf(this.map), encoding: 'columns' });
    this.sentOnConnection = true;
    this.sent++;
  }
}
