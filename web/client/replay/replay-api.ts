/**
 * The replay API (docs/replay.md): keyframes, frames and the events of a range, decoded into
 * the live stream's shapes (web/shared/protocol.ts) so the live console's store and layers
 * take them as they are.
 */
import type { DeltaMessage, IncidentView, SnapshotMessage } from '../../shared/protocol.ts';
import { jsonCall } from '../backend/session.ts';
import type { ReplayAction, ReplayEvents, UnitAt, UnitTrack } from '../../shared/replay-protocol.ts';

export type { ReplayAction, UnitAt, UnitTrack };
/** The events of a range (the server's ReplayEvents). */
export type RangeEvents = ReplayEvents;

export interface Keyframe {
  at: number;
  snapshot: SnapshotMessage;
  gaps: Uint32Array;
  incidents: IncidentView[];
  units: UnitAt[];
}

export interface Frame {
  delta: DeltaMessage;
  gaps: Uint32Array;
}

export interface FrameChunk {
  epoch: string;
  from: number;
  to: number;
  step: number;
  source: 'raw' | 'rollup';
  frames: Frame[];
}

/** base64 → a fresh, aligned ArrayBuffer. */
export function fromBase64(text: string): ArrayBuffer {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

async function get<T>(path: string): Promise<T> {
  const r = await jsonCall<T>('GET', path);
  if (!r.ok) throw Object.assign(new Error(r.error), { status: r.status });
  return r.value;
}

export async function fetchKeyframe(at: number): Promise<Keyframe> {
  const k = await get<Omit<Keyframe, 'gaps'> & { gaps: string }>(`/api/replay/keyframe?at=${Math.round(at)}`);
  return { ...k, gaps: new Uint32Array(fromBase64(k.gaps)) };
}

export async function fetchFrames(from: number, to: number, speed: number): Promise<FrameChunk> {
  const c = await get<
    Omit<FrameChunk, 'frames'> & {
      frames: Array<{
        epoch: string;
        seq: number;
        serverTime: number;
        dataTime: number;
        index: string;
        state: string;
        value: string;
        ts: string;
        gaps: string;
      }>;
    }
  >(`/api/replay/frames?from=${Math.round(from)}&to=${Math.round(to)}&speed=${speed}`);
  return {
    ...c,
    frames: c.frames.map((f) => ({
      delta: {
        epoch: f.epoch,
        seq: f.seq,
        serverTime: f.serverTime,
        dataTime: f.dataTime,
        added: [],
        index: fromBase64(f.index),
        state: fromBase64(f.state),
        value: fromBase64(f.value),
        ts: fromBase64(f.ts),
      },
      gaps: new Uint32Array(fromBase64(f.gaps)),
    })),
  };
}

export function fetchEvents(from: number, to: number): Promise<RangeEvents> {
  return get<RangeEvents>(`/api/replay/events?from=${Math.round(from)}&to=${Math.round(to)}`);
}

export function fetchReportRange(incidentId: string): Promise<{ range: { from: number; to: number } }> {
  return get(`/api/replay/incidents/${encodeURIComponent(incidentId)}/report`);
}
