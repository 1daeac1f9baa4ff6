/**
 * The replay page's ONE state object (replaces the page's closure variables) and the pure
 * helpers around it: where the playhead is, what is loaded, what is playing.
 */
import { snapToGrid } from '../../shared/replay-protocol.ts';
import { formatDateTime } from '../i18n/format.ts';
import { FrameQueue } from './playback.ts';
import type { RangeEvents } from './replay-api.ts';

export interface ReplayState {
  /** The range loaded, or null before the first load. */
  range: { from: number; to: number } | null;
  /** Its incidents, units, operator actions and coverage. */
  events: RangeEvents | null;
  /** The moment shown (epoch ms). */
  playhead: number;
  playing: boolean;
  /** Data seconds per real second. */
  speed: number;
  loading: boolean;
  /**
   * Playing, the playhead reached the last loaded frame: the clock stops until enough frames
   * are there again ({@link bufferProgress}).
   */
  buffering: boolean;
  loadParts: { done: number; total: number };
  framesApplied: number;
  /** Replay indices of sensors in a gap at the playhead. */
  gaps: Uint32Array;
  /** The base map has loaded and the map is idle. */
  mapReady: boolean;
  /** Bumped by every seek and load: answers for an older one are dropped. */
  generation: number;
  /** The chunk of frames being fetched, if any. */
  fetching: Promise<void> | null;
  /** Data ms per frame of the last chunk. */
  lastStep: number;
  /** Frames loaded and not yet applied. */
  readonly queue: FrameQueue;
  /** `?incident=` of the address (its range is proposed; its report offered), or null. */
  readonly incidentId: string | null;
  /** The incident's proposed range (the "incident span" preset), once known. */
  incidentSpan: { from: number; to: number } | null;
  /** The incident the page was opened for: highlighted on the map. */
  focus: { id: string; lng: number; lat: number; openedAt: number } | null;
  /** The signed-in role's permissions. */
  readonly permissions: readonly string[];
}

export function createReplayState(options: { speed: number; incidentId: string | null; permissions: readonly string[] }): ReplayState {
  return {
    range: null,
    events: null,
    playhead: 0,
    playing: false,
    speed: options.speed,
    loading: false,
    buffering: false,
    loadParts: { done: 0, total: 0 },
    framesApplied: 0,
    gaps: new Uint32Array(0),
    mapReady: false,
    generation: 0,
    fetching: null,
    lastStep: 1000,
    queue: new FrameQueue(),
    incidentId: options.incidentId,
    incidentSpan: null,
    focus: null,
    permissions: options.permissions,
  };
}

/** Where `time` lies in the range, 0..1 (0 before a range is loaded). */
export function fractionOf(state: ReplayState, time: number): number {
  const r = state.range;
  return r ? Math.min(1, Math.max(0, (time - r.from) / (r.to - r.from))) : 0;
}

/** Slider notches: one per replay grid step from the grid point at or before the range start. */
export function gridOrigin(state: ReplayState): number {
  return state.range ? snapToGrid(state.range.from) : 0;
}

/** A moment from an address or an input: epoch ms digits or an ISO time; null when neither. */
export function parseTime(v: string | null): number | null {
  if (!v) return null;
  if (/^\d{1,15}$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The replay clock: the playhead in the city's time, or a dash before a range is loaded (the
 * playhead is not a moment yet: it would read as 1 January 1970).
 */
export function playheadLabel(state: Pick<ReplayState, 'range' | 'playhead'>): string {
  return state.range === null && state.playhead <= 0 ? '—' : formatDateTime(state.playhead);
}

/** A frame step for a person: `10 s`, `5 min`. */
export function stepLabel(ms: number): string {
  return ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** Frames buffered ahead before a stalled playback goes on. */
export const RESUME_FRAMES = 20;

/** How far a buffering playback is towards going on, 0..100 (frames ahead of {@link RESUME_FRAMES}). */
export function bufferProgress(state: ReplayState): number {
  return Math.min(100, Math.round((state.queue.pending / RESUME_FRAMES) * 100));
}
