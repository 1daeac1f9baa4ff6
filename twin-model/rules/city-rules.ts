/**
 * A city package's rule sets (`rules/alarms.json`, `rules/incidents/<type>.json`,
 * docs/city-packages.md) through the same loaders as every other rule set: the alarm rules
 * in their first format (schema version 0, upgraded) or the current one, checked against the
 * v1 kinds and the kinds the package declares; the incident rules file by file. What the
 * package does not list keeps the defaults.
 */
import type { CityModel } from '../city/city-types.ts';
import { DEFAULT_INCIDENT_RULE_SET, loadIncidentRuleFiles, type IncidentRuleSet } from '../incidents/incident-rules.ts';
import { DEFAULT_RULE_SET, parseRuleSet, ruleVocabulary, type RuleSet } from './rule-set.ts';

export interface CityRuleSets {
  alarms: RuleSet;
  incidents: IncidentRuleSet;
}

/** The rule sets a city brings (its package's `rules/`), or the defaults. */
export function ruleSetsOfCity(city: Pick<CityModel, 'rules' | 'vocabulary'>, origin = 'the city package'): CityRuleSets {
  const declared = Object.fromEntries((city.vocabulary ?? []).map((k) => [k.kind, Object.keys(k.metrics)]));
  const { rules } = city;
  return {
    alarms: rules?.alarms
      ? parseRuleSet(rules.alarms, `${origin} rules/alarms.json`, { vocabulary: ruleVocabulary(declared) })
      : DEFAULT_RULE_SET,
    incidents: rules?.incidents
      ? loadIncidentRuleFiles(rules.incidents, `${origin} rules/incidents/`, DEFAULT_INCIDENT_RULE_SET)
      : DEFAULT_INCIDENT_RULE_SET,
  };
}
