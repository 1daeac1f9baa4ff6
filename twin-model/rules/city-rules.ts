/**
 * A city package's rule sets (`rules/alarms.json`, `rules/incidents/<type>.json`,
 * docs/city-packages.md) through the same loaders as every other rule set: the alarm rules
 * in their first format (schema version 0, upgraded) or the current one, the incident rules
 * file by file. What the package does not list keeps the defaults.
 */
import type { CityRules } from '../city/city-types.ts';
import { DEFAULT_INCIDENT_RULE_SET, loadIncidentRuleFiles, type IncidentRuleSet } from '../incidents/incident-rules.ts';
import { DEFAULT_RULE_SET, parseRuleSet, ruleVocabulary, type RuleSet, type RuleVocabulary } from './rule-set.ts';

export interface CityRuleSets {
  alarms: RuleSet;
  incidents: IncidentRuleSet;
}

/** The rule sets of a package; `declared` are the kinds its vocabulary.json declares (kind → metrics). */
export function ruleSetsOfCity(rules: CityRules | undefined, origin = 'the city package', declared: RuleVocabulary = {}): CityRuleSets {
  return {
    alarms: rules?.alarms
      ? parseRuleSet(rules.alarms, `${origin} rules/alarms.json`, { vocabulary: ruleVocabulary(declared) })
      : DEFAULT_RULE_SET,
    incidents: rules?.incidents
      ? loadIncidentRuleFiles(rules.incidents, `${origin} rules/incidents/`, DEFAULT_INCIDENT_RULE_SET)
      : DEFAULT_INCIDENT_RULE_SET,
  };
}
