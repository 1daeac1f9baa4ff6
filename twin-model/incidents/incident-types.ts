/**
 * The incident correlator's vocabulary: evidence as it arrives and as it is linked, the incident,
 * the inputs the updater takes, the changes it returns and its state (incident-correlator.ts).
 */
import type { WarningContext } from '../cap/cap-context.ts';
import type { IncidentType } from '../vocabulary.ts';
import type { ChangeWhat, LinkReason } from './incident-explanations.ts';
import type { EvidenceFamily, IncidentRule } from './incident-rules.ts';

/**
 * A piece of evidence: a sensor alarm (while it lasts), a discrete report, or an official
 * warning (CAP) covering the incident — context that raises confidence by its own boost
 * (`raisedConfidence`), never opens an incident and does not place it.
 */
export interface Evidence {
  /** Stable id: `alarm:<sensorId>`, `event:<source>:<id>` or `warning:<sender>,<identifier>,<sent>#<info>`. */
  id: string;
  kind: 'sensor_alarm' | 'event' | 'official_warning';
  ts: number;
  lng: number;
  lat: number;
  /** The alarming sensor's kind (a v1 kind, or one the city declares). */
  sensorKind?: string;
  sensorId?: string;
  level?: 'warning' | 'alarm';
  metric?: string;
  value?: number;
  /** Set for district-wide evidence: the share of the district's sensors of this kind in alarm. */
  areaShare?: number;
  /** With areaShare: the share of the district's sensors of this kind that are silent (stale). */
  silentShare?: number;
  /** Event type and category, for reports. */
  eventType?: string;
  category?: string;
  source?: string;
  /** The asset the evidence is about (underpass, bridge, substation …), when known. */
  assetId?: string;
  district?: string;
}

export interface LinkedEvidence extends Evidence {
  signal: string;
  family: EvidenceFamily;
  weight: number;
  /** What one more item of this signal adds (see confidenceOf); the rule's unless the signal overrides it. */
  gain?: number;
  /** Sensor alarms stay active until they clear. */
  active: boolean;
  /**
   * When a sensor alarm cleared (back to normal, the clearing reading's time): its quiet time
   * counts from then, not from when it was raised (`heldOpen`). Absent while it is active, for
   * reports, and for an alarm withdrawn as no longer trusted (a stuck sensor).
   */
  clearedAt?: number;
  /**
   * When a sensor alarm was withdrawn as no longer trusted (a stuck sensor): it then has no clear
   * time and counts from its own date. Tells such an alarm apart from one stored before clear
   * times existed, which a restore gives one (incident-restore.ts).
   */
  withdrawnAt?: number;
  /** Why it belongs to this incident (a code with parameters, worded by the reader). */
  why: LinkReason;
  linkedAt: number;
}

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved' | 'closed' | 'false_alarm';

export interface Incident {
  id: string;
  type: IncidentType;
  status: IncidentStatus;
  lng: number;
  lat: number;
  district: string | null;
  assetId: string | null;
  severity: number;
  /** Set by an operator; the twin no longer changes severity then. */
  severityPinned: boolean;
  confidence: number;
  openedAt: number;
  updatedAt: number;
  /** Newest evidence time. */
  lastEvidenceAt: number;
  /** The twin proposes resolution and waits for an operator (rules with operatorConfirms). */
  resolutionProposed: boolean;
  evidence: LinkedEvidence[];
  /** Evidence linked beyond MAX_EVIDENCE_PER_INCIDENT (counted, not listed). */
  moreEvidence?: number;
  /**
   * What holds the incident open of the evidence beyond the cap (incident-evidence-cap.ts): the
   * ids of its alarms still active, and when the newest of it went quiet (a report's date, an
   * alarm's clear).
   */
  beyondCap?: { active: string[]; quietSince: number };
}

export type IncidentAction =
  | { action: 'acknowledge' }
  | { action: 'set_severity'; severity: number }
  | { action: 'merge'; otherId: string }
  | { action: 'split'; evidenceIds: string[] }
  | { action: 'false_alarm' }
  | { action: 'resolve' }
  | { action: 'close' }
  | { action: 'reopen' };

export type IncidentInput =
  | { type: 'alarm'; evidence: Evidence }
  /** An alarm back to normal; `withdrawn` when the sensor is no longer trusted (e.g. stuck). */
  | { type: 'alarm_cleared'; sensorId: string; ts: number; withdrawn?: boolean }
  | { type: 'event'; evidence: Evidence }
  | { type: 'operator'; incidentId: string; actor: string; reason?: string; command: IncidentAction }
  /**
   * The official warnings held now (twin-model/cap `applyWarningAlert`); `withdrawn`: keys of
   * warnings their issuer cancelled or updated since, which stop counting for every incident.
   * A warning that merely expired keeps counting for the incidents it covered while in force.
   */
  | { type: 'warnings'; warnings: readonly WarningContext[]; withdrawn?: readonly string[] }
  | { type: 'tick' };

export interface IncidentChange {
  incidentId: string;
  at: number;
  /** `twin` for automatic changes, otherwise the operator's user name. */
  actor: string;
  what: ChangeWhat;
  /** The change's note in its record form (incident-explanations.ts: `changeNoteOf` reads it back). */
  detail: string;
  /** The incident after the change. */
  incident: Incident;
}

export interface IncidentContext {
  now(): number;
}

export interface IncidentState {
  rules: ReadonlyMap<IncidentType, IncidentRule>;
  incidents: Map<string, Incident>;
  /** Evidence not yet part of an incident, by incident type it could support. */
  pending: Map<IncidentType, Array<LinkedEvidence>>;
  /** Every evidence id seen (de-duplication of repeated reports). */
  seen: Set<string>;
  nextId: number;
  counters: { duplicates: number; unmatched: number; linked: number; opened: number };
  /** The official warnings held (the last `warnings` input), matched against incidents as they change. */
  warnings: readonly WarningContext[];
  /**
   * Incidents the twin resolved (quiet), by id, with when; an operator's action on one removes
   * it. Late evidence dated before that time reopens such an incident (incident-correlator.ts).
   */
  resolvedByTwin: Map<string, number>;
  /**
   * Late alarms that would reopen an incident the twin resolved, held for the rest of their
   * delivery (`LATE_HOLD_MS`), by incident type and evidence id (incident-late-evidence.ts).
   */
  heldLate: Map<string, HeldLateAlarm>;
}

/** A late alarm held for the rest of its delivery: its evidence, as linked, and the incident it would reopen. */
export interface HeldLateAlarm {
  type: IncidentType;
  incidentId: string;
  evidence: Evidence;
  linked: LinkedEvidence;
  /** When the twin resolved that incident. */
  resolvedAt: number;
  /** When it was held (`ctx.now()`): it is committed at the first tick at least `LATE_HOLD_MS` later. */
  heldAt: number;
}

/** An open incident as a summary shows it: a point on the map, counted by type and district (the KPI screen). */
export interface IncidentPoint {
  id: string;
  type: string;
  status: string;
  district: string;
  lng: number;
  lat: number;
  severity: number;
  detectedAt: number;
}
