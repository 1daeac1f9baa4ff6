/**
 * Plays a range: loads its events, seeks (a keyframe rebuilt on the replay grid, then the
 * frames after it), fetches frames ahead of the playhead, and advances the playhead by speed ×
 * real time, applying the frames it passes to the sensor table. All it knows is in the page's
 * {@link ReplayState}; `changed()` tells the page to redraw.
 */
import { snapToGrid, snapUpToGrid } from '../../shared/replay-protocol.ts';
import type { SensorStore } from '../stream/sensor-store.ts';
import { fetchEvents, fetchFrames, fetchKeyframe } from './replay-api.ts';
import { RESUME_FRAMES, type ReplayState } from './replay-state.ts';

/** Frames per chunk request (the server caps a request at 600). */
const CHUNK_FRAMES = 120;
/**
 * Frames of the first chunk after a seek: small, so the first frame comes quickly; the server
 * continues the next chunk from where this one ended (docs/replay.md).
 */
const FIRST_CHUNK_FRAMES = 5;
/** Fetch the next chunk when fewer frames than this are left. */
const LOW_WATER = 40;
/** The playhead advances at most this much real time per animation frame (a hidden tab resumes gently). */
const MAX_FRAME_MS = 250;

export interface ReplayPlayerParts {
  state: ReplayState;
  store: SensorStore;
  /** Something shown changed (playhead, frames, loading). */
  changed(): void;
  /** The sensor table changed (the layer redraws). */
  tableChanged(): void;
  /** Loading failed with `reason`. */
  failed(reason: string): void;
}

export class ReplayPlayer {
  private lastFrameAt = performance.now();

  constructor(private readonly parts: ReplayPlayerParts) {}

  get state(): ReplayState {
    return this.parts.state;
  }

  /** Loads a range: its events, then the keyframe at its start (or at `start`: the grid point at or after it) and the first frames. */
  async load(from: number, to: number, start?: number): Promise<void> {
    const s = this.parts.state;
    s.range = { from, to };
    s.loading = true;
    s.buffering = false;
    s.loadParts = { done: 0, total: 3 };
    this.parts.changed();
    try {
      s.events = await fetchEvents(from, to);
      s.loadParts.done = 1;
      this.parts.changed();
      await (start === undefined ? this.seek(from, true) : this.seek(start, true, 'after'));
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Rebuilds the state at `time` (keyframe) and loads the frames after it. The playhead goes to
   * the grid point at or before `time` (`after`: at or after it, at most the range's end), the
   * moment the keyframe is.
   */
  async seek(time: number, initial = false, snap: 'before' | 'after' = 'before'): Promise<void> {
    const s = this.parts.state;
    if (!s.range) return;
    const gen = ++s.generation;
    const clamped = Math.min(s.range.to, Math.max(s.range.from, time));
    // (At the end of the range, `after` stops at its end: the keyframe is then the grid point before.)
    s.playhead = snap === 'after' ? Math.min(s.range.to, snapUpToGrid(clamped)) : snapToGrid(clamped);
    s.queue.clear();
    s.fetching = null;
    s.loading = true;
    s.buffering = false;
    s.loadParts = initial ? { done: s.loadParts.done, total: s.loadParts.total } : { done: 0, total: 2 };
    this.parts.changed();
    try {
      // The keyframe and the first frames at once: the server rebuilds the moment once for both.
      const more = this.fetchMore(true);
      const kf = await fetchKeyframe(s.playhead);
      if (gen !== s.generation) return;
      this.parts.store.applySnapshot(kf.snapshot);
      s.gaps = kf.gaps;
      s.loadParts.done++;
      this.parts.changed();
      this.parts.tableChanged();
      await more;
      if (gen !== s.generation) return;
      s.loadParts.done++;
      s.loading = false;
      this.parts.changed();
    } catch (err) {
      if (gen === s.generation) this.fail(err);
    }
  }

  setPlaying(on: boolean): void {
    const s = this.parts.state;
    s.playing = on && s.range !== null && s.playhead < s.range.to;
    this.parts.changed();
  }

  /** A new speed: frames of its step from the playhead on. */
  setSpeed(speed: number): Promise<void> {
    const s = this.parts.state;
    s.speed = speed;
    return s.range ? this.seek(s.playhead) : Promise.resolve();
  }

  /** Pauses and moves to the next frame. */
  async step(): Promise<void> {
    const s = this.parts.state;
    this.setPlaying(false);
    if (s.queue.pending === 0) await this.fetchMore();
    const next = s.queue.peek();
    if (next !== null) {
      s.playhead = next;
      this.applyDue();
      this.parts.changed();
    }
  }

  /** Pauses and goes back one frame (a seek: the keyframe before it). */
  stepBack(): void {
    const s = this.parts.state;
    this.setPlaying(false);
    void this.seek(s.playhead - s.lastStep);
  }

  /** One animation frame: advance the playhead, apply due frames, prefetch. */
  tick(now: number): void {
    const s = this.parts.state;
    const dt = Math.min(MAX_FRAME_MS, now - this.lastFrameAt);
    this.lastFrameAt = now;
    if (s.playing && s.range && !s.loading) this.advance(s.range, dt);
    else if (s.buffering) {
      s.buffering = false;
      this.parts.changed();
    }
    if (s.range && s.queue.pending < LOW_WATER && !s.loading) void this.fetchMore();
  }

  /**
   * Moves the playhead by `dt` real ms at the speed, never past the loaded frames: there the
   * clock stops and the page says it is buffering until {@link RESUME_FRAMES} frames (or the
   * rest of the range) are loaded.
   */
  private advance(range: { from: number; to: number }, dt: number): void {
    const s = this.parts.state;
    const until = s.queue.loadedUntil;
    if (s.buffering) {
      const rest = until !== null && until >= Math.min(range.to, s.playhead + s.lastStep * RESUME_FRAMES);
      if (s.queue.pending < RESUME_FRAMES && !rest) {
        this.parts.changed();
        return;
      }
      s.buffering = false;
    }
    const target = s.playhead + dt * s.speed;
    const reachable = until !== null ? Math.max(s.playhead, until) : s.playhead;
    s.playhead = Math.min(range.to, target, reachable);
    this.applyDue();
    if (s.playhead >= range.to) this.setPlaying(false);
    else if (target > reachable && s.queue.pending === 0) s.buffering = true;
    this.parts.changed();
  }

  /** Loads the next chunk of frames after what is loaded (one at a time). */
  private fetchMore(first = false): Promise<void> {
    const s = this.parts.state;
    const range = s.range;
    if (s.fetching || !range) return s.fetching ?? Promise.resolve();
    const from = s.queue.loadedUntil ?? s.playhead;
    if (from >= range.to) return Promise.resolve();
    const gen = s.generation;
    const speed = s.speed;
    s.fetching = (async () => {
      try {
        const guess = Math.max(1000, (speed * 1000) / 10);
        const chunk = await fetchFrames(from, Math.min(range.to, from + guess * (first ? FIRST_CHUNK_FRAMES : CHUNK_FRAMES * 2)), speed);
        if (gen !== s.generation) return;
        s.lastStep = chunk.step;
        s.queue.push(chunk.frames);
      } finally {
        s.fetching = null;
      }
    })();
    return s.fetching;
  }

  private applyDue(): void {
    const s = this.parts.state;
    for (const f of s.queue.due(s.playhead)) {
      this.parts.store.applyDelta(f.delta);
      s.gaps = f.gaps;
      s.framesApplied++;
    }
    this.parts.tableChanged();
  }

  private fail(err: unknown): void {
    this.parts.state.loading = false;
    this.parts.failed(err instanceof Error ? err.message : String(err));
  }
}
