/**
 * The corroborated lower district share (`signals[].corroboration`, docs/incidents.md) through
 * the whole fusion engine, on tuning seed 19 of the heat wave: in Jiang'an one of its stations
 * warns (under the 30 % share) while its substations and emergency departments warn. The shipped
 * heat rule opens nothing there; with the corroborated share it opens the district's incident.
 */
import { describe, expect, it } from 'vitest';
import { generateCity } from '../../twin-model/city/index.ts';
import { heatRuleWithCorroboratedShare } from '../../twin-model/incidents/corroborated-heat-example.ts';
import { DEFAULT_INCIDENT_RULES, type IncidentRule, type IncidentType } from '../../twin-model/index.ts';
import { generateScenario } from '../scenarios/index.ts';
import { replayScenario } from './replay-scenario.ts';

const city = generateCity();
const run = generateScenario('heat_wave', { city, seed: 19 });
const JIANGAN = '420102';

function withCorroboratedShare(): ReadonlyMap<IncidentType, IncidentRule> {
  const rules = new Map(DEFAULT_INCIDENT_RULES);
  rules.set('heat_stress', heatRuleWithCorroboratedShare());
  return rules;
}

describe('heat: a lower district share with corroboration (seed 19)', () => {
  it('the truth has a Jiang’an event that the shipped rule does not open', () => {
    expect(run.groundTruth.some((t) => t.district === JIANGAN && !t.tail)).toBe(true);
    const { incidents } = replayScenario(city, run);
    expect(incidents.filter((i) => i.type === 'heat_stress' && i.district === JIANGAN)).toEqual([]);
  });

  it('opens it when the district’s grid and emergency departments corroborate', () => {
    const { incidents } = replayScenario(city, run, withCorroboratedShare());
    const jiangan = incidents.filter((i) => i.type === 'heat_stress' && i.district === JIANGAN);
    expect(jiangan).toHaveLength(1);
    const signals = new Set(jiangan[0]!.evidence.map((e) => e.signal));
    for (const s of ['district_heat_corroborated', 'grid_load', 'hospital_load']) expect(signals).toContain(s);
  });
});
