/**
 * What the rules tab (rules-tab.ts) reads from the rules API (docs/rules.md, docs/api.md): the
 * rule set in force, a version's changes and a preview's figures.
 */

type Json = Record<string, unknown>;

export interface RulesInForce {
  version: number;
  current: number;
  ruleSet: Json;
}

export interface RuleChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  old?: unknown;
  new?: unknown;
}

export interface VersionRow {
  version: number;
  author: string;
  at: number;
  reason: string;
  diff: RuleChange[];
}

export interface PreviewResult {
  episodes: number;
  alarmEpisodes: number;
  sensorsWithEpisodes: number;
  sensorsEvaluated: number;
  readings: number;
  samples: Array<{ sensorId: string; startTs: number; reachedAlarm: boolean }>;
}
