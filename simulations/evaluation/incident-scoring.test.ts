import { describe, expect, it } from 'vitest';
import { generateCity } from '../../twin-model/city/index.ts';
import { DEFAULT_INCIDENT_RULES } from '../../twin-model/index.ts';
import { generateScenario } from '../scenarios/index.ts';
import { evidenceArrivals, scoreScenario } from './incident-scoring.ts';
import { replayScenario } from './replay-scenario.ts';

const city = generateCity();

describe('detection delay after the second independent evidence', () => {
  // Bridge crash, seed 1: the crash camera (+29.6 min), a call taken at +31.7 min but delivered
  // at +33.7 min, the bridge's traffic alarm at +33.3 min; the incident opens on camera and alarm.
  const run = generateScenario('bridge_crash', { city, seed: 1 });
  const { incidents } = replayScenario(city, run, DEFAULT_INCIDENT_RULES);
  const min = (ms: number) => Math.round(ms / 6_000) / 10;

  it('by the evidence’s own time counts from when the call was taken', () => {
    const score = scoreScenario(incidents, run.groundTruth, { rules: DEFAULT_INCIDENT_RULES });
    expect(score.detected).toBe(1);
    expect(score.delaysAfterSecond.map(min)).toEqual([1.6]);
    expect(score.delaysAfterSecondArrival).toEqual(score.delaysAfterSecond);
  });

  it('by arrival counts from the first evidence of a second family the twin had: here the alarm it opened on', () => {
    const arrivedAt = evidenceArrivals(run.inputs, incidents[0]!.evidence);
    const call = incidents[0]!.evidence.find((e) => e.id === 'event:hotline.12345-cases:12345-20260701-002718')!;
    expect(min(call.ts - run.startMs)).toBe(31.7);
    expect(min(arrivedAt(call) - run.startMs)).toBe(33.7);
    const alarm = incidents[0]!.evidence.find((e) => e.kind === 'sensor_alarm')!;
    expect(arrivedAt(alarm)).toBeGreaterThanOrEqual(alarm.ts);
    const score = scoreScenario(incidents, run.groundTruth, { rules: DEFAULT_INCIDENT_RULES, arrivedAt });
    expect(score.delaysAfterSecondArrival).toEqual([0]);
  });
});
