/**
 * The replay API (docs/replay.md): keyframes, frames and the events of a range, decoded into
 * the live stream's shapes (web/shared/protocol.ts) so the live console's store and layers
 * take them as they are.
 */
import type { IncidentView, SnapshotMessage } from '../../shared/protocol.ts';
import { jsonCall } from '../backend/session.ts';
import { indicesFromBase64 } from '../../shared/delta-codec.ts';
import {
  decodeFrame,
  type Frame,
  type ReplayAction,
  type ReplayEvents,
  type ReplayFrames,
  type ReplayKeyframe,
  type UnitAt,
  type UnitTrack,
} from '../../shared/replay-protocol.ts';

export type { Frame, ReplayAction, UnitAt, UnitTrack };
/** The events of a range (the server's ReplayEvents). */
export type RangeEvents = ReplayEvents;

export interface Keyframe {
  at: number;
  snapshot: SnapshotMessage;
  gaps: Uint32Array;
  incidents: IncidentView[];
  units: UnitAt[];
}

export interface FrameChunk extends Omit<ReplayFrames, 'frames' | 'timings'> {
  frames: Frame[];
}

async function get<T>(path: string): Promise<T> {
  const r = await jsonCall<T>('GET', path);
  if (!r.ok) throw Object.assign(new Error(r.error), { status: r.status });
  return r.value;
}

export async function fetchKeyframe(at: number): Promise<Keyframe> {
  const k = await get<ReplayKeyframe>(`/api/replay/keyframe?at=${Math.round(at)}`);
  return { at: k.at, snapshot: k.snapshot, gaps: indicesFromBase64(k.gaps), incidents: k.incidents, units: k.units };
}

export async function fetchFrames(from: number, to: number, speed: number): Promise<FrameChunk> {
  const c = await get<ReplayFrames>(`/api/replay/frames?from=${Math.round(from)}&to=${Math.round(to)}&speed=${speed}`);
  return { epoch: c.epoch, from: c.from, to: c.to, step: c.step, source: c.source, frames: c.frames.map(decodeFrame) };
}

export function fetchEvents(from: number, to: number): Promise<RangeEvents> {
  return get<RangeEvents>(`/api/replay/events?from=${Math.round(from)}&to=${Math.round(to)}`);
}

/** The incident's proposed range and the incident as the caller's clearance sees it (the report's JSON form). */
export function fetchReportRange(incidentId: string): Promise<{ range: { from: number; to: number }; incident: IncidentView }> {
  return get(`/api/replay/incidents/${encodeURIComponent(incidentId)}/report`);
}
