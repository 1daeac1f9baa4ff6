/**
 * The dispatch vocabulary: response units, their kinds, capabilities and statuses, and the
 * shapes the router, the recommender, the unit state and the dispatch log share. Types and
 * constants only (used by the server, the simulator and the console).
 */
import type { IncidentType } from '../vocabulary.ts';

/** Kinds of response unit (extend compatibly: add names, never rename). */
export const UNIT_KINDS = ['pump_team', 'fire_engine', 'ambulance', 'police', 'traffic_police'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** What a unit can do; an incident type needs some of these. */
export const CAPABILITIES = ['pumping', 'firefighting', 'rescue', 'medical', 'policing', 'traffic_control'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * Live status of a unit. `available` units may be assigned; `dispatched` is assigned but not
 * yet moving; `en_route` drives to the incident; `on_scene` works there; `returning` drives
 * home (and may be re-assigned); `out_of_service` is off shift or broken down.
 */
export const UNIT_STATUSES = ['available', 'dispatched', 'en_route', 'on_scene', 'returning', 'out_of_service'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

/** Statuses in which a unit may take a new assignment. */
export const ASSIGNABLE_STATUSES: readonly UnitStatus[] = ['available', 'returning'];

export interface Shift {
  /** Local hour the shift starts (0–23) and ends (1–24); start > end wraps past midnight. */
  startHour: number;
  endHour: number;
}

/** A response unit as the twin knows it (static part from the fleet, live part from AVL and actions). */
export interface ResponseUnit {
  id: string;
  kind: UnitKind;
  nameZh: string;
  nameEn: string;
  capabilities: Capability[];
  /** The station (an asset id: pump depot, fire station, hospital, police station) it belongs to. */
  homeStationId: string;
  /** District code of the home station: the area whose coverage it provides. */
  homeDistrict: string;
  homeLng: number;
  homeLat: number;
  /** Road-graph node of the home station. */
  homeNodeId: number;
  shift: Shift;
  status: UnitStatus;
  /** Last known position (AVL fix or home), and the road-graph node it snaps to. */
  lng: number;
  lat: number;
  nodeId: number;
  /** Epoch ms of the last position fix; 0 when only the home position is known. */
  lastFixAt: number;
  /** The incident the unit works for, while dispatched, en route or on scene. */
  incidentId?: string;
  /** Monotonic version: bumped on every change, for optimistic concurrency. */
  version: number;
}

/** A path on the road graph. */
export interface Route {
  fromNode: number;
  toNode: number;
  /** Node ids in driving order, `fromNode` first. */
  nodes: number[];
  /** Edge ids in driving order (one fewer than nodes). */
  edges: number[];
  lengthM: number;
  travelTimeS: number;
  /** Polyline `[lng, lat]` for the map. */
  coords: [number, number][];
  /** Cumulative travel time (s) at each coordinate, for driving along the route. */
  cumulativeS: number[];
}

/** Edges that cannot be driven, and edges that are slowed, from the twin's state. */
export interface RoadRestrictions {
  /** Closed edge ids (a flooded underpass, a blocked bridge), with why. */
  closed: Map<number, string>;
  /** Slowed edge ids: travel time multiplied by the factor (≥ 1). */
  slowed?: Map<number, number>;
}

/** A reason code with its parameters: the console words it in zh-CN or English. */
export interface ReasonPart {
  code: string;
  params?: Record<string, string | number>;
}

/** One recommended unit for an incident. */
export interface UnitRecommendation {
  unitId: string;
  kind: UnitKind;
  /** Road travel time from the unit's position to the incident, in seconds. */
  etaS: number;
  distanceM: number;
  /** Capabilities the incident needs that this unit brings. */
  matched: Capability[];
  /** Whether the unit brings every capability the incident's type needs. */
  fullMatch: boolean;
  /** Coverage left behind in the unit's home district if it goes. */
  coverage: {
    district: string;
    /** Units of the same kind still available in that district after this one leaves. */
    remaining: number;
    /** Estimated minutes until this unit is back home (drive there, work, drive back). */
    awayMin: number;
  };
  /** Rank 1 = best. */
  rank: number;
  reasons: ReasonPart[];
  route: Route;
}

/** Actions recorded in the hash-chained dispatch log. */
export const DISPATCH_ACTIONS = ['recommend', 'assign', 'override', 'status', 'arrive', 'clear', 'reroute', 'warning'] as const;
export type DispatchAction = (typeof DISPATCH_ACTIONS)[number];

export interface DispatchLogEntry {
  seq: number;
  /** Epoch ms. */
  at: number;
  /** User name, or `twin` / `simulator` for automatic entries. */
  actor: string;
  action: DispatchAction;
  unitId?: string;
  incidentId?: string;
  reason?: string;
  /** Action details (status from/to, ETA, ranked unit ids …), canonical JSON when hashed. */
  data: Record<string, unknown>;
  /** Hash of the previous entry (64 hex zeros for the first). */
  prevHash: string;
  /** SHA-256 over the canonical form of every field above. */
  hash: string;
}

/** What each incident type needs (data: see dispatch/unit-needs.json). */
export interface IncidentNeeds {
  type: IncidentType;
  /** Capabilities required, in order of importance; empty when no unit responds (e.g. service_surge). */
  capabilities: Capability[];
  /** Unit kinds that bring them, preferred first. */
  unitKinds: UnitKind[];
  /** Typical minutes on scene, for the coverage estimate and the what-if simulation. */
  onSceneMin: number;
}
