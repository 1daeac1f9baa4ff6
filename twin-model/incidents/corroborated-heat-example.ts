/**
 * The example rule of docs/incidents.md ("Corroboration"): the shipped heat rule with a lower
 * district share of hot stations (15 %) that opens an incident only when other families of the
 * same district (the grid, the emergency departments) show the heat too. The rule's tests and
 * the heat-wave evaluation start from this one definition.
 */
import { DEFAULT_INCIDENT_RULES, type IncidentRule, parseIncidentRule } from './incident-rules.ts';

/** What the example's corroborated signal asks for, unless a caller asks otherwise. */
export const EXAMPLE_CORROBORATION: Readonly<Record<string, unknown>> = { signals: ['hospital_load', 'grid_load'] };

/** The shipped heat rule with the corroborated lower-share signal second; `corroboration` as written in a rule file. */
export function heatRuleWithCorroboratedShare(corroboration: Record<string, unknown> = { ...EXAMPLE_CORROBORATION }): IncidentRule {
  const heat = DEFAULT_INCIDENT_RULES.get('heat_stress')!;
  const partial = {
    id: 'district_heat_corroborated',
    evidence: 'area_share',
    sensorKinds: ['temperature'],
    minLevel: 'warning',
    minShare: 0.15,
    family: 'weather',
    weight: 0.3,
    canOpen: true,
    corroboration,
  };
  return parseIncidentRule({ ...heat, signals: [heat.signals[0], partial, ...heat.signals.slice(1)] }, 'heat_stress.json');
}
