/**
 * The replay's wire shapes (docs/replay.md), shared by the server (web/server/replay/)
 * and the replay console (web/client/replay/): the replay grid, keyframes and frames (the live
 * stream's snapshot and delta, with binary fields as base64 in JSON: delta-codec.ts), and the
 * events of a range.
 */
import type { IncidentChange } from '../../twin-model/incidents/incident-correlator.ts';
import { bytesToBase64, type Base64Encoder } from './base64.ts';
import { deltaColumnsToBase64, deltaFromBase64, indicesFromBase64, indicesToBase64 } from './delta-codec.ts';
import type { DeltaMessage, IncidentView, SensorSummary, SnapshotMessage } from './protocol.ts';

/**
 * The replay grid (ms): the API rebuilds keyframes and starts frames at moments on it, so a
 * keyframe is a range read of the time-first rollup `readings_10s`; the console's slider has
 * one notch per grid step.
 */
export const REPLAY_GRID_MS = 10_000;

/** `at` snapped down to the {@link REPLAY_GRID_MS} grid. */
export function snapToGrid(at: number): number {
  return Math.floor(at / REPLAY_GRID_MS) * REPLAY_GRID_MS;
}

/** `at` snapped up to the {@link REPLAY_GRID_MS} grid. */
export function snapUpToGrid(at: number): number {
  return Math.ceil(at / REPLAY_GRID_MS) * REPLAY_GRID_MS;
}

/** A playback frame: the delta and the sensors in a gap at its time. */
export interface Frame {
  delta: DeltaMessage;
  /** Replay indices of registered sensors without a reading for longer than the gap limit. */
  gaps: Uint32Array;
}

/** A frame as sent over HTTP: the delta with its binary fields (and the gaps) in base64. */
export interface EncodedFrame {
  epoch: string;
  seq: number;
  /** The frame's moment (end of its step), epoch ms. */
  serverTime: number;
  dataTime: number;
  index: string;
  state: string;
  value: string;
  ts: string;
  gaps: string;
  /** Sensors registered, moved or first met in this step, with their position; absent when none. */
  added?: SensorSummary[];
}

/** A frame for JSON; `encode` is the platform's base64 encoder where it has a faster one. */
export function encodeFrame(f: Frame, encode: Base64Encoder = bytesToBase64): EncodedFrame {
  const d = f.delta;
  return {
    epoch: d.epoch,
    seq: d.seq,
    serverTime: d.serverTime,
    dataTime: d.dataTime,
    ...deltaColumnsToBase64(d, encode),
    gaps: indicesToBase64(f.gaps, encode),
    ...(d.added.length > 0 ? { added: d.added } : {}),
  };
}

/** A frame from JSON (the keyframe lists every sensor; a frame's `added` rewrites the rows it names). */
export function decodeFrame(f: EncodedFrame): Frame {
  return {
    delta: deltaFromBase64({ epoch: f.epoch, seq: f.seq, serverTime: f.serverTime, dataTime: f.dataTime, added: f.added ?? [] }, f),
    gaps: indicesFromBase64(f.gaps),
  };
}

/** `GET /api/replay/keyframe`: the twin at a past moment. */
export interface ReplayKeyframe {
  at: number;
  snapshot: SnapshotMessage;
  /** Replay indices of sensors in a gap at `at`, base64 Uint32Array. */
  gaps: string;
  /** The incidents open or acknowledged at `at`. */
  incidents: IncidentView[];
  units: UnitAt[];
  /** Time spent on the server (ms): registry, values, twin. */
  timings: Record<string, number>;
}

/** `GET /api/replay/frames`: a chunk of frames. */
export interface ReplayFrames {
  epoch: string;
  from: number;
  to: number;
  step: number;
  source: 'raw' | 'rollup';
  frames: EncodedFrame[];
  timings: Record<string, number>;
}

/** Who did what on the timeline under the map. */
export interface ReplayAction {
  at: number;
  actor: string;
  /** `incident` (incident_changes) or `dispatch` (dispatch_log). */
  source: 'incident' | 'dispatch';
  /** The change (`acknowledged`, `resolved` …) or the dispatch action (`assign`, `override`, `status` …). */
  what: string;
  incidentId: string | null;
  unitId: string | null;
  detail: string;
  /** Made by the twin or the simulator, not a person. */
  automatic: boolean;
}

/** A unit through a range: where it was (downsampled AVL) and its statuses. */
export interface UnitTrack {
  id: string;
  kind: string;
  nameZh: string;
  nameEn: string;
  /** `[t, lng, lat]`, oldest first; the first point is the last fix at or before the range start, when there is one. */
  points: [number, number, number][];
  /** `[t, status]`, oldest first; the first is the status at the range start. */
  statuses: [number, string][];
}

/** A unit at a keyframe's moment. */
export interface UnitAt {
  id: string;
  kind: string;
  nameZh: string;
  nameEn: string;
  lng: number;
  lat: number;
  status: string;
  lastFixAt: number;
}

export interface Coverage {
  from: number;
  bucketMs: number;
  /** Readings stored per bucket (all sensors); 0 is a gap in the data. */
  counts: number[];
}

/** The incidents at a moment with their changes to the end of a range, for the console to play. */
export interface ReplayEvents {
  from: number;
  to: number;
  /** Incidents as they were at `from` (any status). */
  incidents: IncidentView[];
  /** Every incident change in (from, to], oldest first, with the incident after it. */
  changes: Array<{ at: number; actor: string; what: IncidentChange['what']; detail: string; incident: IncidentView }>;
  actions: ReplayAction[];
  units: UnitTrack[];
  coverage: Coverage;
}
