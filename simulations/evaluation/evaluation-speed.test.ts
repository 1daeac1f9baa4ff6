import { describe, expect, it } from 'vitest';
import { evaluationSpeed, type RunTiming } from './evaluation-speed.ts';

const HOUR = 3_600_000;
const timing = (over: Partial<RunTiming>): RunTiming => ({
  simulatedMs: 2 * HOUR,
  inputs: 100_000,
  generateMs: 400,
  replayMs: 600,
  scoreMs: 0,
  generateCpuMs: 200,
  replayCpuMs: 300,
  scoreCpuMs: 0,
  ...over,
});

describe('evaluationSpeed', () => {
  it('sums city time and divides it by the time of each part, in wall clock and in CPU time', () => {
    const s = evaluationSpeed([timing({}), timing({ simulatedMs: HOUR, inputs: 50_000, scoreCpuMs: 100, scoreMs: 100 })]);
    expect(s.runs).toBe(2);
    expect(s.simulatedMs).toBe(3 * HOUR);
    expect(s.inputs).toBe(150_000);
    expect(s.replayX).toBe((3 * HOUR) / 1200);
    expect(s.replayCpuX).toBe((3 * HOUR) / 600);
    expect(s.wholeX).toBe((3 * HOUR) / 2100);
    expect(s.wholeCpuX).toBe((3 * HOUR) / 1100);
    expect(s.inputsPerCpuSec).toBe(250_000);
    expect(s.shares.generate + s.shares.replay + s.shares.score).toBeCloseTo(1, 12);
    expect(s.shares.score).toBeCloseTo(100 / 1100, 12);
  });
});
