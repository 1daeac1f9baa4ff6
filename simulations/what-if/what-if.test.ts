import { describe, expect, it } from 'vitest';
import { generateCity } from '../../twin-model/city/index.ts';
import { formatWhatIf, parseWhatIfArgs, WhatIfArgsError } from './run-what-if.ts';
import { runWhatIf } from './what-if.ts';

const city = generateCity();

describe('parseWhatIfArgs', () => {
  it('reads the scenario, pump teams, pre-positioned districts and seed', () => {
    expect(
      parseWhatIfArgs(['--scenario', 'rainstorm', '--pump-teams', '12', '--prepositioned', '420105,ambulance:420106', '--seed=3']),
    ).toEqual({
      scenario: 'rainstorm',
      seed: 3,
      fleet: {
        counts: { pump_team: 12 },
        prepositioned: [
          { kind: 'pump_team', district: '420105' },
          { kind: 'ambulance', district: '420106' },
        ],
      },
    });
  });

  it('names a bad flag and what is accepted', () => {
    expect(() => parseWhatIfArgs(['--pump-teams', '3'])).toThrow('--scenario is required');
    expect(() => parseWhatIfArgs(['--scenario', 'flood'])).toThrow(/"flood" is not one of rainstorm, bridge_crash/);
    expect(() => parseWhatIfArgs(['--scenario', 'fire', '--pump-teams', '-1'])).toThrow(WhatIfArgsError);
    expect(() => parseWhatIfArgs(['--scenario', 'fire', '--prepositioned', 'Hanyang'])).toThrow(/district code \(e\.g\. 420105\)/);
  });
});

describe('runWhatIf', () => {
  const result = runWhatIf({ scenario: 'rainstorm', city, tailS: 1800 });

  it('dispatches to every incident that needs units, through the unit state and a verified log', () => {
    expect(result.jobs.length).toBeGreaterThan(5);
    for (const job of result.jobs) expect(job.units.length).toBeGreaterThan(0);
    expect(result.logCheck.ok).toBe(true);
    expect(result.logCheck.checked).toBe(result.log.length);
    const assigned = result.unitChanges.filter((c) => c.what === 'assigned');
    expect(assigned).toHaveLength(result.jobs.reduce((n, j) => n + j.units.length, 0));
    expect(assigned.every((c) => c.actor === 'dispatcher')).toBe(true);
  });

  it('acknowledges and dispatches after the dispatcher delays', () => {
    expect(result.summary.acknowledgeS.medianS).toBeCloseTo(60, 0);
    expect(result.summary.dispatchAfterDetectS.medianS).toBeCloseTo(90, 0);
    for (const t of result.times) {
      if (t.arrivedAt !== null) expect(t.arrivedAt).toBeGreaterThan(t.dispatchedAt!);
    }
  });

  it('brings every dispatched unit home and available by the end of the tail', () => {
    const final = new Map(result.unitChanges.map((c) => [c.unitId, c.unit.status]));
    const dispatched = new Set(result.jobs.flatMap((j) => j.units));
    for (const id of dispatched) expect(final.get(id)).toBe('available');
  });

  it('sends fewer units than incidents need when the fleet is small, and says so', () => {
    const small = runWhatIf({ scenario: 'rainstorm', city, tailS: 600, fleet: { counts: { pump_team: 2 } } });
    expect(small.pumpTeams).toBe(2);
    expect(small.waitedForUnit).toBeGreaterThan(0);
    expect(small.summary.arriveAfterDetectS.medianS).toBeGreaterThan(0);
    expect(formatWhatIf(small, { scenario: 'rainstorm' })).toMatch(/no free unit at first try\s+[1-9]/);
  });
});
