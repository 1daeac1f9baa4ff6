/**
 * Scenarios with ground truth, for evaluating incident fusion: each produces the raw inputs
 * the twin would receive (readings and discrete reports, in receive-time order) and the list of
 * real-world events that happened (type, place, start, end). Deterministic by seed.
 */
import type { CityEvent, CityModel, IncidentType, Reading } from '../../twin-model/index.ts';

/** One input as the twin receives it; `at` is the receive time (epoch ms). */
export type ScenarioInput =
  | { at: number; type: 'readings'; sensorId: string; readings: Reading[] }
  | { at: number; type: 'event'; event: CityEvent };

/** A real-world event that happened in the scenario. */
export interface TrueEvent {
  id: string;
  type: IncidentType;
  lng: number;
  lat: number;
  /** The asset it happened at (underpass, bridge, substation, hall …), if any. */
  assetId?: string;
  district?: string;
  start: number;
  end: number;
  /** What evidence the scenario produced for it (for reading reports; not used for scoring). */
  notes?: string;
  /**
   * Began in the run's last minutes, too late for its evidence to be expected before the run
   * ends (the on-delays alone take up to 10 min). It happened, so an incident about it is not a
   * false alarm; but missing it is not a miss either: scoring leaves such events and the
   * incidents about them out of both precision and recall.
   */
  tail?: boolean;
}

/**
 * A deliberate distractor (for reports: a stuck sensor, an unrelated call, a false detection).
 * Extended compatibly: `duplicate_report` (a case re-sent with the same id), `spillover`
 * (real effects of a true event away from it — congestion behind a crash — that are not an
 * event of their own) and `below_threshold` (something real that stays under what counts as an
 * event: a crowd a service hall absorbed with waits under the warning).
 */
export interface Distractor {
  kind:
    | 'stuck_sensor'
    | 'noisy_sensor'
    | 'unrelated_report'
    | 'false_detection'
    | 'lagging_evidence'
    | 'missing_evidence'
    | 'duplicate_report'
    | 'spillover'
    | 'below_threshold';
  detail: string;
}

export interface ScenarioRun {
  name: ScenarioName;
  seed: number;
  startMs: number;
  endMs: number;
  /** Sorted by `at`. */
  inputs: ScenarioInput[];
  groundTruth: TrueEvent[];
  distractors: Distractor[];
}

export const SCENARIO_NAMES = ['rainstorm', 'bridge_crash', 'fire', 'substation_outage', 'heat_wave', 'service_surge'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioOptions {
  city: CityModel;
  seed: number;
  /** Scenario start (epoch ms). Default: 2026-07-01 08:00 in the city's time zone (`defaultScenarioStart`). */
  startMs?: number;
}
