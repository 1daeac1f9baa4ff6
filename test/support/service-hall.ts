/**
 * A service hall's queue for the incident tests (incident-quiet-clear, incident-late-reopen,
 * incident-evidence-cap, incident-index-tick, incident-restore beside the correlator, and
 * late-evidence-pages): the hall, its queue warnings and a supervisor's reports as evidence, and a
 * correlator on a clock the test moves. A hall's wait warning opens a `service_surge` incident on
 * its own; the shipped rule's quiet time is 15 min.
 */
import {
  applyIncidentInput,
  createIncidentState,
  type Evidence,
  type IncidentChange,
  type IncidentContext,
  type IncidentInput,
  type IncidentRule,
  type IncidentState,
  type IncidentType,
} from '../../twin-model/index.ts';

export const T0 = Date.UTC(2026, 6, 1, 8);
export const SEC = 1000;
export const MIN = 60_000;
export const HALL = { lng: 114.35, lat: 30.57, assetId: 'hall-1', district: '420106' } as const;

/** Where a piece of evidence stands when it is not at the hall. */
export interface Place {
  lng?: number;
  lat?: number;
  assetId?: string;
}

/**
 * The queue warning of counter group `sensorId` (a wait of 64 min) raised at `ts`, a little north
 * of the hall unless `place` says otherwise.
 */
export function hallBusy(sensorId: string, ts: number, place: Place = {}): Evidence {
  return {
    id: `alarm:${sensorId}`,
    kind: 'sensor_alarm',
    sensorKind: 'service_hall',
    sensorId,
    level: 'warning',
    metric: 'wait_min',
    value: 64,
    ts,
    lng: HALL.lng,
    lat: HALL.lat + 0.0002,
    assetId: HALL.assetId,
    district: HALL.district,
    ...place,
  };
}

/** A floor supervisor's report number `n` about the hall (`manual_report`, can open), taken at `ts`. */
export function hallReport(ts: number, n = 1, category = 'crowd'): Evidence {
  return {
    id: `event:manual:m${n}`,
    kind: 'event',
    eventType: 'manual_report',
    category,
    source: 'manual',
    ts,
    lng: HALL.lng,
    lat: HALL.lat,
    assetId: HALL.assetId,
    district: HALL.district,
  };
}

/** A correlator on a clock that stands where the test sets it. */
export interface IncidentClock {
  readonly state: IncidentState;
  readonly ctx: IncidentContext & { set(ms: number): void };
  /** Applies `input` at the clock's time. */
  apply(input: IncidentInput): IncidentChange[];
  /** Sets the clock to `ms`, then applies `input`. */
  at(ms: number, input: IncidentInput): IncidentChange[];
}

/** A correlator of `rules` (the shipped ones unless given), its clock at `start`. */
export function incidentClock(rules?: ReadonlyMap<IncidentType, IncidentRule>, start = T0): IncidentClock {
  let now = start;
  const ctx = {
    now: () => now,
    set: (ms: number) => {
      now = ms;
    },
  };
  const state = createIncidentState(rules);
  const apply = (input: IncidentInput) => applyIncidentInput(state, input, ctx);
  const at = (ms: number, input: IncidentInput) => {
    now = ms;
    return apply(input);
  };
  return { state, ctx, apply, at };
}

/**
 * The hall's morning on `clock`: counter group sh-1 warns at T0 (opening the incident) and clears
 * at T0 + 30 min (`withdrawn`: as no longer trusted). Returns the incident's id, what the warning
 * changed and what the clear changed; the clock is left at the clear.
 */
export function hallWarnedAndCleared(clock: IncidentClock, withdrawn = false) {
  const opened = clock.at(T0, { type: 'alarm', evidence: hallBusy('sh-1', T0) });
  const id = opened[0]!.incidentId;
  const cleared = clock.at(T0 + 30 * MIN, { type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 30 * MIN, withdrawn });
  return { id, opened, cleared };
}
