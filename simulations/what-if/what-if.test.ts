import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadCityPackage } from '../../twin-model/city-package/index.ts';
import { generateCity } from '../../twin-model/city/index.ts';
import { formatWhatIf, parseWhatIfArgs, runWhatIfCli, WhatIfArgsError } from './run-what-if.ts';
import { fleetProblems, runWhatIf } from './what-if.ts';

const city = generateCity();
const RIVER_TOWN = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'cities', 'river-town');

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
    expect(() => parseWhatIfArgs(['--scenario', 'fire', '--prepositioned', 'Han yang'])).toThrow(/"Han yang" is not a district id/);
    expect(() => parseWhatIfArgs(['--scenario', 'fire', '--prepositioned', 'tank:420105'])).toThrow(/KIND one of pump_team/);
    expect(() => parseWhatIfArgs(['--scenario', 'fire', '--city', ''])).toThrow(/--city needs the path/);
  });

  it('takes a city package and district ids of any form, checked against the city once loaded', () => {
    expect(parseWhatIfArgs(['--city', RIVER_TOWN, '--scenario', 'rainstorm', '--prepositioned', 'bahnhof,police:altstadt'])).toEqual({
      scenario: 'rainstorm',
      cityPath: RIVER_TOWN,
      fleet: {
        prepositioned: [
          { kind: 'pump_team', district: 'bahnhof' },
          { kind: 'police', district: 'altstadt' },
        ],
      },
    });
    const town = loadCityPackage(RIVER_TOWN);
    expect(fleetProblems(town, { prepositioned: [{ kind: 'pump_team', district: 'bahnhof' }] })).toEqual([]);
    expect(fleetProblems(town, { prepositioned: [{ kind: 'pump_team', district: '420104' }] })).toEqual([
      '--prepositioned "420104" is not a district of Flusstal (sample river town); its districts are altstadt, nordost, suedwest, bahnhof',
    ]);
    // The town registers its fleet: counts would be ignored, so they are refused.
    expect(fleetProblems(town, { counts: { pump_team: 9 } })[0]).toMatch(/registers its units \(11 in units\.csv\).*--prepositioned/);
    expect(fleetProblems(city, { counts: { pump_team: 9 }, prepositioned: [{ kind: 'pump_team', district: '420104' }] })).toEqual([]);
  });
});

describe('the what-if on a city package (river-town)', () => {
  const town = loadCityPackage(RIVER_TOWN);
  const result = runWhatIf({
    scenario: 'rainstorm',
    city: town,
    tailS: 1800,
    fleet: { prepositioned: [{ kind: 'pump_team', district: 'bahnhof' }] },
  });

  it('floods the town under its own storm and dispatches its registered pump teams by its roads', () => {
    expect(result.city).toBe('Flusstal (sample river town)');
    // 11 registered units and the one pre-positioned in Bahnhof.
    expect(result.fleetSize).toBe(12);
    expect(result.jobs.length).toBeGreaterThan(0);
    expect(result.jobs.some((j) => j.district === 'bahnhof')).toBe(true);
    const assigned = result.unitChanges.filter((c) => c.what === 'assigned');
    expect(assigned.length).toBeGreaterThan(0);
    const townUnits = new Set([...(town.units ?? []).map((u) => u.id)]);
    for (const c of assigned) expect(townUnits.has(c.unitId) || c.unitId.includes('bahnhof')).toBe(true);
    expect(result.primaryArrive.count).toBeGreaterThan(0);
    expect(result.logCheck.ok).toBe(true);
  });

  it('runs from the command line with --city, and refuses districts of another city', () => {
    let out = '';
    let err = '';
    const ok = runWhatIfCli(
      ['--city', RIVER_TOWN, '--scenario', 'rainstorm', '--prepositioned', 'bahnhof', '--tail', '600'],
      (t) => (out += t),
      (t) => (err += t),
    );
    expect(ok).toBe(0);
    expect(out).toMatch(
      /^What-if: rainstorm \(seed 1\) in Flusstal \(sample river town\), fleet 12 units, pump teams 4, pre-positioned bahnhof/,
    );
    expect(out).toMatch(/dispatch log\s+\d+ entries, chain verified/);
    const bad = runWhatIfCli(
      ['--city', RIVER_TOWN, '--scenario', 'rainstorm', '--prepositioned', '420104'],
      (t) => (out += t),
      (t) => (err += t),
    );
    expect(bad).toBe(2);
    expect(err).toContain('"420104" is not a district of Flusstal');
  });

  it('runs on the configured package without --city, its district ids pre-positioned', () => {
    let out = '';
    let err = '';
    const configured = { cityPackage: RIVER_TOWN };
    const ok = runWhatIfCli(
      ['--scenario', 'rainstorm', '--prepositioned', 'bahnhof', '--tail', '600'],
      (t) => (out += t),
      (t) => (err += t),
      configured,
    );
    expect(err).toBe('');
    expect(ok).toBe(0);
    expect(out).toMatch(/^What-if: rainstorm \(seed 1\) in Flusstal \(sample river town\), fleet 12 units/);
    const wuhanDistrict = runWhatIfCli(
      ['--scenario', 'rainstorm', '--prepositioned', '420104'],
      (t) => (out += t),
      (t) => (err += t),
      configured,
    );
    expect(wuhanDistrict).toBe(2);
    expect(err).toContain('"420104" is not a district of Flusstal');
  });
});

describe('runWhatIf', () => {
  // An hour after the last input (the default): incidents resolve a quiet time after their alarms clear, then units drive home.
  const result = runWhatIf({ scenario: 'rainstorm', city, tailS: 3600 });

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
