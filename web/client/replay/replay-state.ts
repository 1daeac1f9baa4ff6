/**
 * The replay page's ONE state object (replaces the page's closure variables) and the pure
 * helpers around it: where the playhead is, what is loaded, what is playing.
 */
import { snapToGrid } from '../../shared/replay-protocol.ts';
import { formatCityDateTime, parseCityDateTime } from '../i18n/format.ts';
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
    loadParts: { done: 0, total: 0 },
    framesApplied: 0,
    gaps: new Uint32Array(0),
    mapReady: false,
    generation: 0,
    fetching: null,
    lastStep: 1000,
    queue: new FrameQueue(),
    incidentId: options.incidentId,
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

/** `datetime-local` value on the clocks of `zone` (the city's; the browser's when null). */
export function toLocalInput(ms: number, zone: string | null): string {
  if (zone) return formatCityDateTime(ms, zone).replace(' ', 'T');
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

/** A `datetime-local` value read on the clocks of `zone` (the city's; the browser's when null). */
export function fromLocalInput(value: string, zone: string | null): number | null {
  if (!value) return null;
  if (zone) return parseCityDateTime(value, zone);
  return parseTime(new Date(value).toISOString());
}

/** A frame step for a person: `10 s`, `5 min`. */
export function stepLabel(ms: number): string {
  return ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
