/**
 * What the replay shows at a moment, from what was loaded: the incidents (those at the range
 * start, then every stored change up to the moment), the units (position interpolated between
 * downsampled AVL points, status from the dispatch log) and the frames to apply. Pure, so the
 * console and the unit tests share it.
 */
import type { IncidentView } from '../../shared/protocol.ts';
import type { Frame, RangeEvents, UnitTrack } from './replay-api.ts';

/** The incidents open or acknowledged at `t`. */
export function incidentsAt(events: RangeEvents, t: number): IncidentView[] {
  const byId = new Map(events.incidents.map((i) => [i.id, i]));
  for (const c of events.changes) {
    if (c.at > t) break;
    byId.set(c.incident.id, c.incident);
  }
  return [...byId.values()].filter((i) => i.status === 'open' || i.status === 'acknowledged');
}

/** A unit's position at `t`, interpolated between its track points (held before the first and after the last). */
export function unitPositionAt(track: UnitTrack, t: number): [number, number] | null {
  const p = track.points;
  if (p.length === 0) return null;
  if (t <= p[0]![0]) return [p[0]![1], p[0]![2]];
  let lo = 0;
  let hi = p.length - 1;
  if (t >= p[hi]![0]) return [p[hi]![1], p[hi]![2]];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p[mid]![0] <= t) lo = mid;
    else hi = mid;
  }
  const a = p[lo]!;
  const b = p[hi]!;
  const f = b[0] === a[0] ? 1 : (t - a[0]) / (b[0] - a[0]);
  return [a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

export function unitStatusAt(track: UnitTrack, t: number): string {
  let status = track.statuses[0]?.[1] ?? 'available';
  for (const [at, s] of track.statuses) {
    if (at > t) break;
    status = s;
  }
  return status;
}

/** The trail a unit drove during (t − window, t]: its points in that window and its position at t. */
export function unitTrail(track: UnitTrack, t: number, windowMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [at, lng, lat] of track.points) if (at > t - windowMs && at <= t) out.push([lng, lat]);
  const now = unitPositionAt(track, t);
  if (now) out.push(now);
  return out;
}

/** Frames not yet applied, in order, with a cursor: `due(t)` hands out those at or before `t`. */
export class FrameQueue {
  private frames: Frame[] = [];
  private next = 0;

  /** Time the loaded frames reach (the last frame's moment), or null when none. */
  get loadedUntil(): number | null {
    return this.frames.length ? this.frames[this.frames.length - 1]!.delta.serverTime : null;
  }

  get pending(): number {
    return this.frames.length - this.next;
  }

  clear(): void {
    this.frames = [];
    this.next = 0;
  }

  push(frames: readonly Frame[]): void {
    // Drop what was applied already; keep frames in time order.
    this.frames = this.frames.slice(this.next);
    this.next = 0;
    const last = this.loadedUntil ?? -Infinity;
    for (const f of frames) if (f.delta.serverTime > last) this.frames.push(f);
  }

  /** The frames at or before `t` not applied yet. */
  due(t: number): Frame[] {
    const out: Frame[] = [];
    while (this.next < this.frames.length && this.frames[this.next]!.delta.serverTime <= t) out.push(this.frames[this.next++]!);
    return out;
  }

  /** The moment of the next frame, or null. */
  peek(): number | null {
    return this.next < this.frames.length ? this.frames[this.next]!.delta.serverTime : null;
  }
}

/** The speeds offered; the server takes 1×–{@link MAX_SPEED}× (`GET /api/replay/frames?speed=`). */
export const SPEEDS = [1, 2, 5, 10, 30, 60, 100, 120, 300, 600, 1000] as const;

/** The fastest speed the server plays (its frames route refuses more). */
export const MAX_SPEED = 1000;
