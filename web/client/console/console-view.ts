/**
 * The view every console panel is drawn from, built once per tick, with the revision of each
 * part of it: a panel that names its parts (`reads`, app/panel.ts) is redrawn only when one of
 * them moved on. A delta that changes sensor values only moves `counts` (the legend) and, when
 * the age shown changes, `freshness`; the queue, the board and the top bar stay as they are.
 */
import type { CellSummary } from '../../shared/protocol.ts';
import { Revisions } from '../app/panel.ts';
import type { SensorOverlay } from '../map/sensor-overlay.ts';
import type { ConnectionState } from '../panels/top-bar.ts';
import type { Freshness } from '../stream/freshness.ts';
import type { LiveStream } from '../stream/live-stream.ts';
import type { ViewportClient } from '../stream/viewport-client.ts';
import { cellCounts, type ConsoleState, type ConsoleView } from './console-state.ts';

/** The parts of the console's view a panel can name in `reads`. */
export const CONSOLE_PARTS = ['connection', 'clock', 'freshness', 'stats', 'table', 'counts', 'drawn', 'scale'] as const;
export type ConsolePart = (typeof CONSOLE_PARTS)[number];

export interface ConsoleViewParts {
  state: ConsoleState;
  stream: LiveStream;
  overlay: SensorOverlay;
  viewport: ViewportClient;
  zoom(): number;
  serverNow(): number;
}

/** Builds the console's view each tick and keeps the revisions of its parts. */
export class ConsoleViewBuilder {
  private readonly revisions = new Revisions<ConsolePart>(CONSOLE_PARTS);

  constructor(private readonly parts: ConsoleViewParts) {}

  /** What every panel draws this tick. */
  build(): ConsoleView {
    const { state, stream, overlay, viewport } = this.parts;
    const store = stream.store;
    const rev = this.revisions;
    if (state.countsDirty) {
      state.counts = store.counts(state.counts);
      state.countsDirty = false;
      rev.bump('counts');
    }
    const cells = viewport.active ? viewport.visibleCells() : [];
    const cellsMode = viewport.active && viewport.mode === 'cells';
    const freshness = stream.freshness();
    const connection = connectionOf(stream);
    const serverTime = stream.clock.synced ? this.parts.serverNow() : null;
    const scale = {
      active: viewport.active,
      mode: viewport.mode,
      total: viewport.cache.total,
      cells: cells.length,
      points: store.count,
      zoom: this.parts.zoom(),
    };
    rev.note('connection', connection);
    rev.note('clock', serverTime === null ? null : Math.floor(serverTime / 1000));
    rev.note('freshness', freshnessKey(freshness));
    rev.note('stats', stream.stats);
    rev.note('table', store.count);
    rev.note('drawn', overlay.drawnCount);
    // Zoomed out the legend counts the viewport's cells: they move with the scale.
    rev.note(
      'scale',
      `${scale.active}:${scale.mode}:${scale.total}:${scale.cells}:${scale.points}:${scale.zoom.toFixed(2)}:${cellsMode ? cellsVersion(cells) : ''}`,
    );
    return {
      revisions: rev.snapshot(),
      freshness,
      stats: stream.stats,
      sensorsOnScreen: store.count,
      connection,
      serverTime,
      // Zoomed out on a big registry: the legend counts the viewport's cells by state.
      legend: cellsMode
        ? { counts: cellCounts(cells, state.counts?.byKind.length ?? 16), drawn: 0, cellsMode: true }
        : state.counts
          ? { counts: state.counts, drawn: overlay.drawnCount, cellsMode: false }
          : null,
      scale,
    };
  }
}

/** What the strip and the banner show of the freshness: whole seconds, level, condition (and a wall's stale watermark). */
function freshnessKey(f: Freshness): string {
  const s = (ms: number | null) => (ms === null ? '' : Math.floor(ms / 1000));
  const staleWall = document.body.classList.contains('kiosk-stale');
  return `${f.condition}:${f.level}:${f.stopped}:${s(f.dataAgeMs)}:${f.stopped ? s(f.sinceUpdateMs) : ''}:${staleWall}`;
}

/** A hash of the cells' counts by state: changes when the legend's counts would. */
function cellsVersion(cells: readonly CellSummary[]): number {
  let h = 0;
  for (const c of cells)
    c.states.forEach((n, code) => {
      h = (h * 31 + n * 8 + code) | 0;
    });
  return h;
}

/** The connection as the top bar shows it. */
export function connectionOf(stream: LiveStream): ConnectionState {
  if (!stream.connected) return stream.connectedAt === null ? 'connecting' : 'disconnected';
  if (stream.resyncing) return 'resyncing';
  if (stream.store.epoch === null) return 'connecting';
  return stream.freshness().stopped ? 'stalled' : 'live';
}
