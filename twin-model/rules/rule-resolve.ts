/**
 * Which rules apply to one sensor: its kind's rules, then its asset's override, then its own
 * (most specific wins, field by field — docs/rules.md). A compiled rule set hands out one
 * shared `ResolvedRules` per kind (and per asset with an override), so a million sensors
 * without overrides hold one pointer each.
 */
import type { SensorSite } from '../city/city-types.ts';
import type { SensorKind } from '../vocabulary.ts';
import {
  alarmRuleSchema,
  DEFAULT_RULE_SET,
  patchRule,
  RuleSetError,
  type AlarmRuleDoc,
  type FlatlineRuleDoc,
  type KindOverride,
  type KindRuleSet,
  type RateRuleDoc,
  type RuleIssue,
  type RuleSet,
  type ThresholdRuleDoc,
} from './rule-set.ts';

type WithId<T> = Omit<T, 'enabled'> & { id: string };
export type ResolvedThresholdRule = WithId<ThresholdRuleDoc>;
export type ResolvedRateRule = WithId<RateRuleDoc>;
export type ResolvedFlatlineRule = WithId<FlatlineRuleDoc>;
/** A rule as it applies to a sensor (enabled; `enabled: false` rules are left out). */
export type ResolvedRule = ResolvedThresholdRule | ResolvedRateRule | ResolvedFlatlineRule;

export interface ResolvedRules {
  /** What these rules were resolved for: `water_level`, `water_level@up-12`, `water_level#wl-1`. */
  readonly key: string;
  readonly staleAfterMs: number;
  /** In the order reasons are preferred: the kind's rules, then rules the asset, then the sensor added. */
  readonly rules: readonly ResolvedRule[];
  /** Whether any rule keeps history (rate, flatline): only then does a sensor get a memory. */
  readonly keepsHistory: boolean;
  readonly hasFlatline: boolean;
}

/** Staleness of a kind the rule set and the defaults do not know. */
const FALLBACK_STALE_MS = 10 * 60_000;

export interface CompiledRuleSet {
  readonly source: RuleSet;
  /** The rules of a sensor of `kind` watching `assetId` (or none). */
  rulesFor(kind: SensorKind | string, assetId: string | null, sensorId: string): ResolvedRules;
}

function resolvedRule(id: string, doc: AlarmRuleDoc): ResolvedRule | null {
  if (doc.enabled === false) return null;
  const { enabled: _enabled, ...rest } = doc;
  return { ...rest, id } as ResolvedRule;
}

function merge(
  key: string,
  base: KindRuleSet,
  overrides: readonly (KindOverride | undefined)[],
  where: string,
  what: string,
): ResolvedRules {
  let staleAfterMs = base.staleAfterMs;
  const docs = new Map<string, unknown>(Object.entries(base.rules));
  const patched = new Map<string, number>();
  for (const o of overrides) {
    if (!o) continue;
    if (o.staleAfterMs !== undefined) staleAfterMs = o.staleAfterMs;
    for (const [id, patch] of Object.entries(o.rules ?? {})) {
      docs.set(id, patchRule(docs.get(id) as AlarmRuleDoc | undefined, patch));
      patched.set(id, (patched.get(id) ?? 0) + 1);
    }
  }
  const rules: ResolvedRule[] = [];
  const issues: RuleIssue[] = [];
  for (const [id, doc] of docs) {
    // Each override was checked against the kind's rule when the set was parsed; an asset's
    // and a sensor's override of the same rule together are checked here.
    const checked = (patched.get(id) ?? 0) > 1 ? alarmRuleSchema.safeParse(doc) : { success: true as const, data: doc as AlarmRuleDoc };
    if (!checked.success) {
      for (const i of checked.error.issues) issues.push({ path: `${where}.rules.${id}.${i.path.join('.')}`, message: i.message });
      continue;
    }
    const rule = resolvedRule(id, checked.data);
    if (rule) rules.push(rule);
  }
  if (issues.length > 0) throw new RuleSetError(what, issues);
  return {
    key,
    staleAfterMs,
    rules,
    keepsHistory: rules.some((r) => r.type !== 'threshold'),
    hasFlatline: rules.some((r) => r.type === 'flatline'),
  };
}

/**
 * Compiles a rule set for the twin. A kind the set does not have (a declared kind) has no
 * rules and the default staleness. With `sites`
 * (the city's register: sensor → asset), every sensor that has both an asset's and its own
 * override is resolved now, so a combination that is not a valid rule fails here, before the
 * twin applies anything.
 */
export function compileRuleSet(set: RuleSet, options: { sites?: Iterable<SensorSite> } = {}): CompiledRuleSet {
  const cache = new Map<string, ResolvedRules>();
  const baseOf = (kind: string): KindRuleSet => set.kinds[kind] ?? { staleAfterMs: FALLBACK_STALE_MS, rules: {} };
  const compiled: CompiledRuleSet = {
    source: set,
    rulesFor(kind, assetId, sensorId) {
      const own = set.sensors?.[sensorId]?.[kind];
      const asset = assetId === null ? undefined : set.assets?.[assetId]?.[kind];
      const key = own ? `${kind}#${sensorId}` : asset ? `${kind}@${assetId}` : kind;
      let rules = cache.get(key);
      if (!rules) {
        const where = own ? `sensors.${sensorId}.${kind}` : asset ? `assets.${assetId}.${kind}` : `kinds.${kind}`;
        const what = own && asset ? `the overrides of asset ${assetId} and of sensor ${sensorId} together` : `the rules of ${where}`;
        rules = merge(key, baseOf(kind), [asset, own], where, what);
        cache.set(key, rules);
      }
      return rules;
    },
  };
  for (const site of options.sites ?? []) {
    if (site.assetId && set.sensors?.[site.id]?.[site.kind] && set.assets?.[site.assetId]?.[site.kind])
      compiled.rulesFor(site.kind, site.assetId, site.id);
  }
  return compiled;
}

/** The compiled default rule set (today's thresholds). */
export const DEFAULT_COMPILED_RULES: CompiledRuleSet = compileRuleSet(DEFAULT_RULE_SET);
