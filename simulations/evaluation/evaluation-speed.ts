/**
 * How fast the evaluation runs, measured the same way by `npm run eval` and `npm run bench`
 * (run 5): one scenario run is generated, replayed through the twin and the correlator, and
 * scored, each part timed in wall-clock and in this process's CPU time. On a machine shared
 * with other work the wall clock also counts the time other processes held the core; the CPU
 * time is what the evaluation itself costs, so both are printed.
 */
import type { CityModel, IncidentRule, IncidentType } from '../../twin-model/index.ts';
import { generateScenario } from '../scenarios/index.ts';
import type { ScenarioName, ScenarioRun } from '../scenarios/scenario-types.ts';
import { evidenceArrivals, scoreScenario, type ScenarioScore } from './incident-scoring.ts';
import { replayScenario, type ReplayResult } from './replay-scenario.ts';

/** The evaluation should replay at least this many times faster than real time. */
export const EVALUATION_SPEED_TARGET = 10_000;

export interface RunTiming {
  /** Scenario time covered (ms). */
  simulatedMs: number;
  inputs: number;
  /** Wall-clock ms: generating the scenario, replaying it, scoring the incidents. */
  generateMs: number;
  replayMs: number;
  scoreMs: number;
  /** CPU ms of this process for the same three parts. */
  generateCpuMs: number;
  replayCpuMs: number;
  scoreCpuMs: number;
}

export interface TimedRun {
  run: ScenarioRun;
  replay: ReplayResult;
  score: ScenarioScore;
  timing: RunTiming;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Generates, replays and scores one scenario run, timing each part. */
export function timedRun(city: CityModel, name: ScenarioName, seed: number, rules: ReadonlyMap<IncidentType, IncidentRule>): TimedRun {
  let wall = performance.now();
  let cpu = cpuMs();
  const lap = (): [number, number] => {
    const w = performance.now();
    const c = cpuMs();
    const out: [number, number] = [w - wall, c - cpu];
    wall = w;
    cpu = c;
    return out;
  };
  const run = generateScenario(name, { city, seed });
  const [generateMs, generateCpuMs] = lap();
  const replay = replayScenario(city, run, rules);
  const [replayMs, replayCpuMs] = lap();
  const score = scoreScenario(replay.incidents, run.groundTruth, {
    rules,
    arrivedAt: evidenceArrivals(
      run.inputs,
      replay.incidents.flatMap((i) => i.evidence),
    ),
  });
  const [scoreMs, scoreCpuMs] = lap();
  return {
    run,
    replay,
    score,
    timing: {
      simulatedMs: run.endMs - run.startMs,
      inputs: run.inputs.length,
      generateMs,
      replayMs,
      scoreMs,
      generateCpuMs,
      replayCpuMs,
      scoreCpuMs,
    },
  };
}

export interface EvaluationSpeed {
  runs: number;
  simulatedMs: number;
  inputs: number;
  /** Times real time: the replay alone (twin + correlator), wall clock and CPU. */
  replayX: number;
  replayCpuX: number;
  /** Times real time: the whole evaluation (generation + replay + scoring), wall clock and CPU. */
  wholeX: number;
  wholeCpuX: number;
  /** Inputs per second through twin + correlator (CPU time). */
  inputsPerCpuSec: number;
  /** Share of the whole evaluation's CPU time per part. */
  shares: { generate: number; replay: number; score: number };
}

export function evaluationSpeed(timings: readonly RunTiming[]): EvaluationSpeed {
  const sum = (f: (t: RunTiming) => number) => timings.reduce((n, t) => n + f(t), 0);
  const simulatedMs = sum((t) => t.simulatedMs);
  const replayMs = Math.max(
    1e-3,
    sum((t) => t.replayMs),
  );
  const replayCpuMs = Math.max(
    1e-3,
    sum((t) => t.replayCpuMs),
  );
  const wholeMs = Math.max(
    1e-3,
    sum((t) => t.generateMs + t.replayMs + t.scoreMs),
  );
  const wholeCpuMs = Math.max(
    1e-3,
    sum((t) => t.generateCpuMs + t.replayCpuMs + t.scoreCpuMs),
  );
  return {
    runs: timings.length,
    simulatedMs,
    inputs: sum((t) => t.inputs),
    replayX: simulatedMs / replayMs,
    replayCpuX: simulatedMs / replayCpuMs,
    wholeX: simulatedMs / wholeMs,
    wholeCpuX: simulatedMs / wholeCpuMs,
    inputsPerCpuSec: (sum((t) => t.inputs) / replayCpuMs) * 1000,
    shares: {
      generate: sum((t) => t.generateCpuMs) / wholeCpuMs,
      replay: replayCpuMs / wholeCpuMs,
      score: sum((t) => t.scoreCpuMs) / wholeCpuMs,
    },
  };
}
