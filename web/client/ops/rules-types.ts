/**
 * What the rules tab (rules-tab.ts) reads from the rules API (docs/rules.md, docs/api.md): the
 * rule set in force and a version's changes (each change as twin-model/rules/rule-diff.ts makes it).
 */

import type { RuleChange } from '../../../twin-model/rules/rule-diff.ts';

/** A preview's figures, as the twin model works them out (the route returns them as they are). */
export type { PreviewResult } from '../../../twin-model/rules/rule-preview.ts';

type Json = Record<string, unknown>;

export interface RulesInForce {
  version: number;
  current: number;
  ruleSet: Json;
}

export interface VersionRow {
  version: number;
  author: string;
  at: number;
  reason: string;
  diff: RuleChange[];
}
