/**
 * The replay's wire shapes (docs/replay.md), shared by the server (web/server/replay-service.ts)
 * and the replay console (web/client/replay/). Keyframes and frames reuse the live stream's
 * shapes (protocol.ts).
 */
import type { IncidentChange } from '../../twin-model/incidents/incident-correlator.ts';
import type { IncidentView } from './protocol.ts';

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
