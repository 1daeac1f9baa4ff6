/**
 * The live stream between the web server and the console (socket.io), shared by both sides.
 *
 * A client receives a `snapshot` (all sensors, with an `epoch` and the sequence number it is
 * current to), then `delta`s numbered `seq = previous + 1`. Deltas are binary (typed arrays
 * in ArrayBuffers, ≈17× cheaper for clients than JSON, see docs/architecture.md). On reconnect
 * the client sends `resume` with its epoch and last seq: the server replays the deltas it
 * still holds, or sends a fresh snapshot when the gap is too old or the epoch changed.
 * The replay feeds the same shapes from stored data (replay-protocol.ts). The binary columns
 * are encoded and decoded only by delta-codec.ts.
 */
import type { CaseUpdateMessage } from './case-protocol.ts';
import type { Incident, IncidentChange } from '../../twin-model/incidents/incident-correlator.ts';
import type { ResponseUnit, UnitRecommendation } from '../../twin-model/dispatch/unit-types.ts';

/** One sensor as the map needs it; `i` is its index within the epoch (stable until epoch changes). */
export interface SensorSummary {
  i: number;
  id: string;
  /** A v1 kind, a kind the city declares (GET /api/vocabulary), or `unknown`. */
  kind: string;
  /** NaN-free: sensors without a known position are listed with `lng`/`lat` null. */
  lng: number | null;
  lat: number | null;
  district: string | null;
  sourceId: string | null;
  /** SensorStateCode */
  state: number;
  /** Headline metric value, or null if none yet. */
  value: number | null;
  /** Epoch ms of the latest reading, or null. */
  ts: number | null;
  registered: boolean;
  /**
   * Only for a sensor whose kind names no headline metric (`unknown`): the metric `value` is of
   * (the first it reported). Compatible addition; absent otherwise.
   */
  metric?: string;
  /**
   * With `metric`: the unit that metric last came in, when the vocabulary has none for it (SenML
   * `u`, docs/ingest.md); absent when none was sent or kept. A sensor whose unit changes is sent
   * again in a delta's `added`, under its same `i`.
   */
  unit?: string;
}

export interface SnapshotMessage {
  epoch: string;
  seq: number;
  serverTime: number;
  sensors: SensorSummary[];
  /**
   * `viewport` for a big registry (docs/scale.md): the table holds only the sensors inside the
   * client's last `viewport` (none before it sends one, and none while it is shown cells).
   * Absent: every sensor the client may see.
   */
  scope?: 'viewport';
}

/** `viewport` from the client: what the map shows (docs/scale.md). */
export interface ViewportRequest {
  /** [west, south, east, north] in degrees. */
  bbox: [number, number, number, number];
  zoom: number;
  /** Only these sensor kinds (default: all). */
  kinds?: string[];
  /**
   * `columns`: send this viewport's sensors as a {@link PointsMessage} (`points`) instead of a
   * `snapshot` listing them (web/shared/points-codec.ts). Absent: the `snapshot` as before.
   */
  encoding?: 'columns';
}

/**
 * `points`: a viewport snapshot (scope `viewport`) in columns, sent instead of `snapshot` to a
 * client whose `viewport` asked for `encoding: 'columns'`; it replaces the table exactly as
 * that snapshot would, and the deltas that follow are the same. Row r is the sensor numbered
 * `i = r`. Encoded and decoded only by points-codec.ts.
 */
export interface PointsMessage {
  epoch: string;
  seq: number;
  serverTime: number;
  scope: 'viewport';
  /** Rows. */
  count: number;
  /** Every row's sensor id, one after the other; `idEnd` says where each ends. */
  ids: string;
  idEnd: ArrayBuffer; // Uint32Array: end of row r's id in `ids` (UTF-16 code units)
  /** Distinct kinds, districts and source ids; the columns below hold places in them. */
  kinds: string[];
  districts: string[];
  sources: string[];
  kind: ArrayBuffer; // Uint32Array: place in `kinds`
  district: ArrayBuffer; // Uint32Array: 0 = null, k + 1 = districts[k]
  source: ArrayBuffer; // Uint32Array: 0 = null, k + 1 = sources[k]
  lng: ArrayBuffer; // Float64Array, NaN = null
  lat: ArrayBuffer; // Float64Array, NaN = null
  state: ArrayBuffer; // Uint8Array: SensorStateCode
  value: ArrayBuffer; // Float64Array: headline value, NaN = none
  ts: ArrayBuffer; // Float64Array: its reading time (epoch ms), NaN = none
  registered: ArrayBuffer; // Uint8Array: 1 = registered
}

/** One aggregate cell of the sensor grid; `key` (`level/ix/iy`) is the same on every pan. */
export interface CellSummary {
  key: string;
  /** Sensors in the cell (within the caller's clearance and kinds). */
  n: number;
  /** Their mean position. */
  lng: number;
  lat: number;
  /** Counts per SensorStateCode (normal, warning, alarm, stale, unregistered); empty when unknown (registry counts). */
  states: number[];
}

/** `cells` on the socket and `GET /api/sensors/aggregate`. */
export interface CellsMessage {
  serverTime: number;
  /** Grid level (cell side = 90 / 2^level degrees) and cell side in degrees. */
  level: number;
  cellDeg: number;
  bbox: [number, number, number, number];
  zoom: number;
  /** Sensors in the bbox (sum of `n`). */
  total: number;
  /** Sensors the caller may see in the whole registry. */
  registry: number;
  /** Where the counts come from: the twin's grid index, or the ClickHouse registry (no states). */
  source: 'twin' | 'registry';
  cells: CellSummary[];
}

/**
 * Changes since the previous seq. Arrays are parallel: for k in 0..n-1, sensor `index[k]`
 * has `state[k]`, headline `value[k]` (NaN = none) and reading time `ts[k]` (0 = none).
 * Sensors new to the epoch come first in `added` (their `i` continues the numbering). A
 * delta may repeat a sensor the client already has from a snapshot taken just before it:
 * every field is an absolute value, so applying it again is harmless (replace by `i`).
 */
export interface DeltaMessage {
  epoch: string;
  seq: number;
  serverTime: number;
  /** Newest reading time in this delta's source data (epoch ms), for freshness. */
  dataTime: number;
  added: SensorSummary[];
  index: ArrayBuffer; // Uint32Array
  state: ArrayBuffer; // Uint8Array
  value: ArrayBuffer; // Float32Array
  ts: ArrayBuffer; // Float64Array
}

/** What the ingest did with one source's messages: received = stored + rejected + pending. */
export interface SourceIngestCounts {
  received: number;
  stored: number;
  rejected: number;
  /** Accepted, not yet written. */
  pending: number;
}

/**
 * A data source as `GET /api/sources` lists it: the city's registered sources, then the ones
 * the ingest has seen that are not registered (`registered: false`; `unknown` holds messages
 * whose source is not known, `other` what is beyond the number of sources counted apart).
 * `ingest` is null on a process without an ingest (a separate web node).
 */
export interface SourceListing {
  id: string;
  nameZh: string;
  nameEn: string;
  departmentZh: string;
  departmentEn: string;
  classification: 'public' | 'internal' | 'sensitive';
  /** Other names its reports arrive under (`citytwin/v1/events/{name}`), when the city declares them. */
  eventSources?: string[];
  registered: boolean;
  ingest: SourceIngestCounts | null;
}

/**
 * `GET /api/city`: the city the server runs (its package's city.json): what the console shows
 * in its header and KPI title, the initial map view, and the IANA time zone every local time
 * is shown in.
 */
export interface CityInfo {
  id: string;
  name: { zh: string; en: string };
  /** IANA time zone, e.g. `Europe/Vienna`, `Asia/Shanghai`. */
  timezone: string;
  /** Initial map view. */
  center: [number, number];
  zoom: number;
  /** West, south, east, north. */
  bbox: [number, number, number, number];
}

/** Live system figures for the status strip, about once a second. */
export interface StatsMessage {
  serverTime: number;
  /** Messages received per second over the last few seconds. */
  messagesPerSec: number;
  readingsPerSec: number;
  receivedTotal: number;
  storedTotal: number;
  rejectedTotal: number;
  /** Readings accepted but not yet stored (in the batch queue). */
  pendingReadings: number;
  /** Ingest lag: time from receiving to durable storage, recent p95 in ms. */
  ingestLagMs: number;
  connectedClients: number;
  /** Newest reading time the twin has seen (epoch ms), or 0. */
  lastDataTime: number;
  sensorsTotal: number;
  byState: Record<'normal' | 'warning' | 'alarm' | 'stale' | 'unregistered', number>;
  storage: 'ok' | 'degraded' | 'down';
  broker: 'ok' | 'down';
  /** Web node without an ingest: ingest workers heard in the last 10 s (figures above are their sums). */
  ingestWorkers?: number;
  /** Clients on all web nodes (Redis adapter); equals `connectedClients` on a single node. */
  clusterClients?: number;
  /** Web nodes heard through the Redis adapter, this one included. */
  webNodes?: number;
}

export interface ServerToClientEvents {
  snapshot: (msg: SnapshotMessage) => void;
  delta: (msg: DeltaMessage) => void;
  stats: (msg: StatsMessage) => void;
  /** The server refused an event (the role lacks its permission) or is closing the socket (token revoked or expired). */
  refused: (msg: RefusedMessage) => void;
  /** The active incidents (open or acknowledged), sent on every (re)connect. */
  incidents: (msg: IncidentsMessage) => void;
  /** One incident after a change to it (opened, evidence linked, acknowledged, merged …). */
  incident: (msg: IncidentUpdateMessage) => void;
  /** The vocabulary changed (a kind declared, a vocabulary.json imported): fetch `GET /api/vocabulary` again. */
  vocabulary: (msg: { serverTime: number }) => void;
  /** Every response unit with its trip, on every (re)connect and when units join or leave the fleet. */
  units: (msg: UnitsMessage) => void;
  /** The units that changed (status, position, trip, warnings), about twice a second. */
  unit: (msg: UnitsMessage) => void;
  /** Aggregate cells of the client's viewport when it is zoomed out (docs/scale.md). */
  cells: (msg: CellsMessage) => void;
  /** A zoomed-in viewport's sensors in columns, for a client that asked for them (`ViewportRequest.encoding`). */
  points: (msg: PointsMessage) => void;
  /** Every escalation in progress, on every (re)connect and whenever one changes (a tier paged, an acknowledgement). */
  escalations: (msg: EscalationsMessage) => void;
  /** One hotline case after a change, as the user may see it (the case desk page, docs/cases.md). */
  case: (msg: CaseUpdateMessage) => void;
}

/**
 * Where an incident's escalation stands (docs/notifications.md): the highest tier paged so far
 * and when the next page is due, so the console counts down "next escalation in mm:ss" against
 * `serverTime`. Null on an incident without a policy, acknowledged, or whose schedule is done.
 */
export interface IncidentEscalationView {
  policyId: string;
  /** The highest tier paged so far (0 before the first page). */
  tier: number;
  /** The tier and reminder number of the next page, or null when the schedule is done. */
  nextTier: number | null;
  nextRepeat: number | null;
  /** Epoch ms of the next page, or null. */
  nextEscalationAt: number | null;
}

/** `escalations` on the socket: every escalation in progress, the soonest next page first. */
export interface EscalationsMessage {
  serverTime: number;
  escalations: Array<IncidentEscalationView & { incidentId: string }>;
}

/**
 * An incident as a role receives it: evidence (sensor alarms and reports) above the role's
 * classification clearance is left out, and `hiddenEvidence` says how many items were (so a
 * reader knows the list is partial without learning what was in it). When any evidence is left
 * out, the position is rounded to a 0.01° grid and `coarse` is true (web/server/incidents/incident-view.ts).
 */
export interface IncidentView extends Incident {
  hiddenEvidence: number;
  /** The position is coarsened (about 1 km): evidence that placed it is above the clearance. */
  coarse: boolean;
  /** The escalation in progress (live incidents over HTTP and the socket, when notifications run); absent elsewhere. */
  escalation?: IncidentEscalationView | null;
}

/** `incidents` on the socket: the active incidents now. */
export interface IncidentsMessage {
  serverTime: number;
  incidents: IncidentView[];
}

/** `incident` on the socket: one change and the incident after it. */
export interface IncidentUpdateMessage {
  at: number;
  actor: string;
  what: IncidentChange['what'];
  detail: string;
  incident: IncidentView;
}

/** One entry of an incident's history (`GET /api/incidents/{id}`): who did what, when. */
export interface IncidentHistoryEntry {
  at: number;
  actor: string;
  what: IncidentChange['what'];
  detail: string;
  status: Incident['status'];
  severity: number;
  confidence: number;
}

/** `GET /api/incidents/{id}` */
export interface IncidentDetail extends IncidentView {
  history: IncidentHistoryEntry[];
}

/** Why the server refused something on the socket (web/server/auth/policy.ts). */
export interface RefusedMessage {
  event: string;
  /** The permission needed, when a role lacked it. */
  permission?: string;
  reason: string;
}

export interface ResumeRequest {
  epoch: string | null;
  lastSeq: number | null;
}

export interface ClientToServerEvents {
  /** Ask for the stream from after `lastSeq` (or a snapshot). */
  resume: (req: ResumeRequest) => void;
  /** What the map shows: answered with `cells` (zoomed out) or, for a big registry, the sensors inside it. */
  viewport: (req: ViewportRequest) => void;
}

/** `GET /api/sensors/{id}` */
export interface SensorDetail {
  id: string;
  /** A v1 kind, a kind the city declares (GET /api/vocabulary), or `unknown`. */
  kind: string;
  lng: number | null;
  lat: number | null;
  registered: boolean;
  name: string | null;
  nameZh: string | null;
  nameEn: string | null;
  district: string | null;
  districtNameZh: string | null;
  districtNameEn: string | null;
  source: { id: string; nameZh: string; nameEn: string; classification: string } | null;
  classification: string | null;
  state: 'normal' | 'warning' | 'alarm' | 'stale' | 'unregistered';
  /** Latest value per metric with its time (epoch ms) and unit. */
  latest: Record<string, { value: number; ts: number; unit: string }>;
  /** Why the state is what it is (e.g. "water_level_cm 34 ≥ alarm 30"). */
  stateReason: string | null;
}

/** `GET /api/sensors/{id}/readings` */
export interface ReadingsResponse {
  sensorId: string;
  metric: string;
  points: [number, number][];
  /** 'raw' or the rollup step used, e.g. '1m'. */
  resolution: string;
  /**
   * The metric's unit: the vocabulary's, else the unit its readings last came in (compatible
   * addition; `''` when neither is known).
   */
  unit?: string;
}

/** A unit's current trip, as drawn on the map. */
export interface TripView {
  incidentId: string | null;
  /** `to_incident` while dispatched / en route, `home` while returning. */
  leg: 'to_incident' | 'home';
  /** When the route was computed (epoch ms). */
  since: number;
  etaS: number;
  lengthM: number;
  reroutes: number;
  /** `[lng, lat]` polyline. */
  path: [number, number][];
  /** Cumulative seconds at each point of `path`. */
  cumulativeS: number[];
}

/** A response unit as the API (`GET /api/units`) and the socket (`units`, `unit`) show it. */
export interface UnitView extends ResponseUnit {
  /** Raised warnings: `silent` (no AVL fix for a while), `off_road`. */
  warnings: string[];
  trip: TripView | null;
}

/** `units` (every unit, on connect) and `unit` (the units that changed) socket messages. */
export interface UnitsMessage {
  serverTime: number;
  units: UnitView[];
}

/** A recommended unit (`GET /api/incidents/{id}/recommendations`). */
export interface RecommendationView extends Omit<UnitRecommendation, 'route'> {
  nameZh: string;
  nameEn: string;
  status: ResponseUnit['status'];
  version: number;
  /** The route from the unit to the incident, `[lng, lat]`. */
  path: [number, number][];
}
