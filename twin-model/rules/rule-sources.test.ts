import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCityPackage } from '../city-package/index.ts';
import {
  DEFAULT_INCIDENT_RULE_SET,
  DEFAULT_INCIDENT_RULES,
  IncidentRuleError,
  loadIncidentRuleFiles,
  parseIncidentRuleSet,
} from '../incidents/incident-rules.ts';
import waterlogging from '../incidents/rules/waterlogging.json' with { type: 'json' };
import { ruleSetsOfCity } from './city-rules.ts';
import { DEFAULT_RULE_SET } from './rule-set.ts';

const RIVER_TOWN = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'cities', 'river-town');

describe('incident rules through the one loader', () => {
  it('loads the shipped files: every type, in the order the correlator has always seen them', () => {
    expect([...DEFAULT_INCIDENT_RULES.keys()]).toEqual([
      'waterlogging',
      'traffic_accident',
      'fire',
      'power_outage',
      'heat_stress',
      'crowd',
      'service_surge',
    ]);
    expect(DEFAULT_INCIDENT_RULE_SET.schemaVersion).toBe(1);
  });

  it('lists every problem: a bad field, a file not named after its type, a second rule of a type', () => {
    const bad = { ...waterlogging, windowS: -5 };
    expect(() =>
      loadIncidentRuleFiles(
        { 'waterlogging.json': bad, 'fire.json': waterlogging, 'rules/incidents/waterlogging.json': waterlogging },
        'pkg',
      ),
    ).toThrow(
      new IncidentRuleError(
        'pkg: waterlogging.json windowS = -5: Too small: expected number to be >0; fire.json: holds the rule of type "waterlogging"; its file must be named waterlogging.json',
      ),
    );
  });

  it('reads a stored incident rule set, keeping the defaults for types it does not list', () => {
    const set = parseIncidentRuleSet(
      { schemaVersion: 1, rules: { waterlogging: { ...waterlogging, windowS: 1800 } } },
      'v3',
      DEFAULT_INCIDENT_RULE_SET,
    );
    expect(set.rules.waterlogging?.windowS).toBe(1800);
    expect(set.rules.fire).toEqual(DEFAULT_INCIDENT_RULE_SET.rules.fire);
    expect(() => parseIncidentRuleSet({ schemaVersion: 2, rules: {} })).toThrow('schemaVersion = 2: 1 (the version of this format)');
  });

  it('names each problem of a stored set by its path in the document, with the value found', () => {
    const signals = waterlogging.signals.map((s, i) => (i === 0 ? { ...s, weight: 1.5 } : s));
    let caught: unknown;
    try {
      parseIncidentRuleSet({ schemaVersion: 1, rules: { waterlogging: { ...waterlogging, windowS: -5, signals } } }, 'draft');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IncidentRuleError);
    expect((caught as IncidentRuleError).issues).toEqual([
      { path: 'rules.waterlogging.signals.0.weight', value: '1.5', message: expect.stringContaining('<1') },
      { path: 'rules.waterlogging.windowS', value: '-5', message: expect.stringContaining('>0') },
    ]);
    expect((caught as Error).message).toContain('waterlogging.json windowS = -5: ');
  });
});

describe("a city package's rules/", () => {
  it('loads its alarm rules (first format, upgraded; a declared kind) and its incident rules over the defaults', () => {
    const city = loadCityPackage(RIVER_TOWN);
    const sets = ruleSetsOfCity(city, 'river-town');
    expect(sets.alarms.kinds.noise_level?.rules.noise_dba).toMatchObject({ type: 'threshold', metric: 'noise_dba', onDelayMs: 300_000 });
    expect(sets.alarms.kinds.water_level).toEqual(DEFAULT_RULE_SET.kinds.water_level);
    expect(Object.keys(sets.incidents.rules).sort()).toEqual(Object.keys(DEFAULT_INCIDENT_RULE_SET.rules).sort());
    expect(ruleSetsOfCity({}).alarms).toBe(DEFAULT_RULE_SET);
  });
});
