/**
 * The corroborated lower district share (`signals[].corroboration`, docs/incidents.md) through
 * the whole fusion engine, on tuning seed 19 of the heat wave: in Jiang'an one of its stations
 * warns (under the 30 % share) while its substations and emergency departments warn. Its other
 * hot station is offline: the shipped rule opens the district through the share its silent
 * station leaves undecided (`district_heat_silent`, `countSilent`); without that signal it opens
 * nothing there, and with the corroborated lower share it opens the district's incident too.
 */
import { describe, expect, it } from 'vitest';
import { generateCity } from '../../twin-model/city/index.ts';
import { heatRuleWithCorroboratedShare } from '../../twin-model/incidents/corroborated-heat-example.ts';
import { DEFAULT_INCIDENT_RULES, parseIncidentRule, type IncidentRule, type IncidentType } from '../../twin-model/index.ts';
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
  it('the truth has a Jiang’an event that the rule without the silent-station share does not open', () => {
    expect(run.groundTruth.some((t) => t.district === JIANGAN && !t.tail)).toBe(true);
    const heat = DEFAULT_INCIDENT_RULES.get('heat_stress')!;
    const rules = new Map(DEFAULT_INCIDENT_RULES);
    rules.set('heat_stress', parseIncidentRule({ ...heat, signals: heat.signals.filter((s) => s.id !== 'district_heat_silent') }));
    const { incidents } = replayScenario(city, run, rules);
    expect(incidents.filter((i) => i.type === 'heat_stress' && i.district === JIANGAN)).toEqual([]);
  });

  it('the shipped rule opens it: one hot station of five, one silent, the grid and the EDs warn', () => {
    const { incidents } = replayScenario(city, run);
    const jiangan = incidents.filter((i) => i.type === 'heat_stress' && i.district === JIANGAN);
    expect(jiangan).toHaveLength(1);
    const area = jiangan[0]!.evidence.find((e) => e.areaShare !== undefined);
    expect(area).toMatchObject({ signal: 'district_heat_silent', areaShare: 0.2, silentShare: 0.2 });
    const signals = new Set(jiangan[0]!.evidence.map((e) => e.signal));
    for (const s of ['grid_load', 'hospital_load']) expect(signals).toContain(s);
  });

  it('opens it when the district’s grid and emergency departments corroborate', () => {
    const { incidents } = replayScenario(city, run, withCorroboratedShare());
    const jiangan = incidents.filter((i) => i.type === 'heat_stress' && i.district === JIANGAN);
    expect(jiangan).toHaveLength(1);
    const signals = new Set(jiangan[0]!.evidence.map((e) => e.signal));
    for (const s of ['district_heat_corroborated', 'grid_load', 'hospital_load']) expect(signals).toContain(s);
  });
});
