/**
 * Alarm rule sets as data (docs/rules.md): rules per sensor kind, with overrides per asset and
 * per sensor, as one versioned JSON document (`schemaVersion`). Validated here with zod and
 * then against the vocabulary; every problem names its path, quotes the value and says what
 * is allowed.
 *
 * Rule types: `threshold` (levels with hysteresis and an on-delay), `rate` (a change of at
 * least `delta` within `windowMs`), `flatline` (the value stays within ±`epsilon` for
 * `forMs`). Silence is the sensor's `staleAfterMs` (the display state `stale`).
 */
import { z } from 'zod';
import { DEFAULT_ALARM_RULES, type KindRules } from '../alarm-rules.ts';
import { quoteValue, valueAt } from '../quote-value.ts';
import { KIND_METRICS, SENSOR_KINDS } from '../vocabulary.ts';

export const RULE_SET_SCHEMA_VERSION = 1;

const DAY_MS = 86_400_000;
const ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const ID_RULE = 'lower case letters, digits and _, starting with a letter, up to 64 characters';
/** Asset and sensor ids (contracts.md). */
const ENTITY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const wholeMs = (what: string, min: number, max: number, maxText: string) =>
  z
    .number(`${what} in whole milliseconds`)
    .int('whole milliseconds')
    .min(min, `at least ${min} ms`)
    .max(max, `at most ${max} ms (${maxText})`);

const metricSchema = z.string('a metric of the sensor kind').regex(ID_PATTERN, `a metric name: ${ID_RULE}`);
const levelSchema = z.enum(['warning', 'alarm'], 'warning or alarm');
const onDelaySchema = wholeMs('how long a rise must last before it counts', 0, DAY_MS, 'one day');
const enabledSchema = z.boolean('true or false');
const pairSchema = z.object({ enter: z.number('a number'), exit: z.number('a number') }, '{"enter": number, "exit": number}').strict();

export const thresholdRuleSchema = z
  .object({
    type: z.literal('threshold'),
    metric: metricSchema,
    /** `above`: high values are bad; `below`: low values are bad (traffic speed). */
    direction: z.enum(['above', 'below'], 'above (high values are bad) or below (low values are bad)'),
    warning: pairSchema,
    alarm: pairSchema,
    onDelayMs: onDelaySchema.optional(),
    enabled: enabledSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const up = r.direction === 'above';
    for (const level of ['warning', 'alarm'] as const) {
      const t = r[level];
      if (up ? t.exit > t.enter : t.exit < t.enter)
        ctx.addIssue({
          code: 'custom',
          path: [level, 'exit'],
          message: `hysteresis: exit must be ${up ? 'at or below' : 'at or above'} enter (${t.enter}) for direction ${r.direction}`,
        });
    }
    if (up ? r.alarm.enter < r.warning.enter : r.alarm.enter > r.warning.enter)
      ctx.addIssue({
        code: 'custom',
        path: ['alarm', 'enter'],
        message: `the alarm level must be ${up ? 'at or above' : 'at or below'} the warning level (${r.warning.enter})`,
      });
  });

export const rateRuleSchema = z
  .object({
    type: z.literal('rate'),
    metric: metricSchema,
    /** `rise`: the value went up by `delta`; `fall`: down by `delta`; `either`. */
    direction: z.enum(['rise', 'fall', 'either'], 'rise, fall or either'),
    /** The change that raises the level, in the metric's unit (10 = +10 cm for water_level_cm). */
    delta: z.number('a number in the unit of the metric').positive('above 0'),
    /** The change below which the level clears again (hysteresis); defaults to `delta`. */
    exitDelta: z.number('a number in the unit of the metric').positive('above 0').optional(),
    windowMs: wholeMs('the window the change happens within', 10_000, DAY_MS, 'one day'),
    level: levelSchema,
    onDelayMs: onDelaySchema.optional(),
    enabled: enabledSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.exitDelta !== undefined && r.exitDelta > r.delta)
      ctx.addIssue({ code: 'custom', path: ['exitDelta'], message: `hysteresis: at most delta (${r.delta})` });
  });

export const flatlineRuleSchema = z
  .object({
    type: z.literal('flatline'),
    metric: metricSchema,
    /** Values within ±epsilon of where the run began count as the same value. */
    epsilon: z.number('a number in the unit of the metric').min(0, 'from 0'),
    forMs: wholeMs('how long the value must stay put', 60_000, 7 * DAY_MS, '7 days'),
    /** Readings the run must hold as well (a sensor reporting once an hour is not "flat" after two). */
    minReadings: z.number('a whole number').int('a whole number').min(2, 'at least 2').max(100_000, 'at most 100000').optional(),
    level: levelSchema,
    enabled: enabledSchema.optional(),
  })
  .strict();

export const alarmRuleSchema = z.discriminatedUnion('type', [thresholdRuleSchema, rateRuleSchema, flatlineRuleSchema], {
  error: 'a rule with "type": threshold, rate or flatline',
});

export type ThresholdRuleDoc = z.infer<typeof thresholdRuleSchema>;
export type RateRuleDoc = z.infer<typeof rateRuleSchema>;
export type FlatlineRuleDoc = z.infer<typeof flatlineRuleSchema>;
export type AlarmRuleDoc = z.infer<typeof alarmRuleSchema>;
export type AlarmRuleType = AlarmRuleDoc['type'];
export const ALARM_RULE_TYPES = ['threshold', 'rate', 'flatline'] as const satisfies readonly AlarmRuleType[];

const staleSchema = wholeMs('silence before the sensor is stale', 1000, 7 * DAY_MS, '7 days');
const ruleIdSchema = z.string().regex(ID_PATTERN, `a rule id: ${ID_RULE}`);

const kindRulesSchema = z
  .object(
    {
      staleAfterMs: staleSchema,
      /** Rules by id, in the order their reasons are preferred. */
      rules: z.record(ruleIdSchema, z.unknown()),
    },
    '{"staleAfterMs": number, "rules": {"<rule id>": rule}}',
  )
  .strict();

/** Fields of a rule to change for an asset or a sensor; an id the kind does not have adds a whole rule. */
export type RulePatch = Partial<Record<string, unknown>>;

const overrideSchema = z
  .object(
    {
      staleAfterMs: staleSchema.optional(),
      rules: z.record(ruleIdSchema, z.record(z.string(), z.unknown(), 'the fields to change: {"<field>": value}')).optional(),
    },
    '{"staleAfterMs"?: number, "rules"?: {"<rule id>": {fields}}}',
  )
  .strict();

const entityIdSchema = z.string().regex(ENTITY_ID_PATTERN, 'an id: 1-64 characters of A-Z a-z 0-9 . _ -');
const overridesSchema = z.record(entityIdSchema, z.record(z.string(), overrideSchema, '{"<sensor kind>": override}'));

const ruleSetShape = z
  .object(
    {
      schemaVersion: z.literal(RULE_SET_SCHEMA_VERSION, `${RULE_SET_SCHEMA_VERSION} (the version of this format)`),
      kinds: z.record(z.string(), kindRulesSchema),
      assets: overridesSchema.optional(),
      sensors: overridesSchema.optional(),
    },
    '{"schemaVersion": 1, "kinds": {…}, "assets"?: {…}, "sensors"?: {…}}',
  )
  .strict();

export interface KindRuleSet {
  staleAfterMs: number;
  rules: Record<string, AlarmRuleDoc>;
}

export interface KindOverride {
  staleAfterMs?: number;
  rules?: Record<string, RulePatch>;
}

/** A validated rule set (schema version 1). */
export interface RuleSet {
  schemaVersion: typeof RULE_SET_SCHEMA_VERSION;
  /** Every kind's rules: kinds a document does not list get the defaults when it is parsed. */
  kinds: Record<string, KindRuleSet>;
  /** Asset id → kind → override: sensors of that kind watching the asset. */
  assets?: Record<string, Record<string, KindOverride>>;
  /** Sensor id → its kind → override (one kind per sensor). */
  sensors?: Record<string, Record<string, KindOverride>>;
}

/** One problem of a rule set: where, the value found there (quoted JSON), and what is allowed. */
export interface RuleIssue {
  path: string;
  value?: string;
  message: string;
}

export class RuleSetError extends Error {
  constructor(
    readonly what: string,
    readonly issues: readonly RuleIssue[],
  ) {
    super(`${what} is not a valid rule set: ${issues.map(formatRuleIssue).join('; ')}`);
  }
}

/** `kinds.water_level.rules.rise.delta = -3: above 0`. */
export function formatRuleIssue(i: RuleIssue): string {
  return `${i.path || '(root)'}${i.value !== undefined ? ` = ${i.value}` : ''}: ${i.message}`;
}

/** Metrics per sensor kind the rules may name: the v1 vocabulary, and declared kinds when given. */
export type RuleVocabulary = Readonly<Record<string, readonly string[]>>;

class Issues {
  readonly list: RuleIssue[] = [];
  add(path: readonly PropertyKey[], value: unknown, message: string): void {
    const issue: RuleIssue = { path: path.map(String).join('.'), message };
    if (value !== undefined) issue.value = quoteValue(value);
    this.list.push(issue);
  }
  zod(prefix: readonly PropertyKey[], issues: readonly z.core.$ZodIssue[], input: unknown): void {
    for (const i of issues) {
      if (i.code === 'unrecognized_keys') {
        for (const key of i.keys)
          this.add([...prefix, ...i.path, key], undefined, 'not a field of the format (misspelt?); see docs/rules.md for the fields');
        continue;
      }
      this.add([...prefix, ...i.path], valueAt(input, i.path), i.message);
    }
  }
}

/** Validates one rule against the rule schema and the kind's metrics; returns it or null. */
function checkRule(
  issues: Issues,
  path: readonly PropertyKey[],
  doc: unknown,
  metrics: readonly string[],
  kind: string,
): AlarmRuleDoc | null {
  const r = alarmRuleSchema.safeParse(doc);
  if (!r.success) {
    issues.zod(path, r.error.issues, doc);
    return null;
  }
  if (!metrics.includes(r.data.metric)) {
    issues.add([...path, 'metric'], r.data.metric, `not a metric of ${kind}; allowed: ${metrics.join(', ')}`);
    return null;
  }
  return r.data;
}

/** A rule with an override's fields applied: the fields the patch names replace the rule's, one by one. */
export function patchRule(base: AlarmRuleDoc | undefined, patch: RulePatch): unknown {
  return base ? { ...base, ...patch } : patch;
}

function checkOverrides(
  issues: Issues,
  scope: 'assets' | 'sensors',
  doc: Record<string, Record<string, KindOverride>>,
  kinds: Record<string, KindRuleSet | undefined>,
  vocabulary: RuleVocabulary,
): void {
  for (const [id, byKind] of Object.entries(doc)) {
    const kindNames = Object.keys(byKind);
    if (scope === 'sensors' && kindNames.length !== 1)
      issues.add([scope, id], kindNames, 'a sensor has one kind: {"<its kind>": override}');
    for (const [kind, override] of Object.entries(byKind)) {
      const metrics = vocabulary[kind];
      if (!metrics) {
        issues.add([scope, id, kind], undefined, `unknown sensor kind; allowed: ${Object.keys(vocabulary).join(', ')}`);
        continue;
      }
      const base = kinds[kind];
      for (const [ruleId, patch] of Object.entries(override.rules ?? {})) {
        const path = [scope, id, kind, 'rules', ruleId];
        const baseRule = base?.rules[ruleId];
        if (baseRule && patch.type !== undefined && patch.type !== baseRule.type) {
          issues.add(
            [...path, 'type'],
            patch.type,
            `the rule is a ${baseRule.type} rule; an override cannot change the type (add a rule with a new id)`,
          );
          continue;
        }
        if (baseRule && patch.metric !== undefined && patch.metric !== baseRule.metric) {
          issues.add(
            [...path, 'metric'],
            patch.metric,
            `the rule watches ${baseRule.metric}; an override cannot change the metric (add a rule with a new id)`,
          );
          continue;
        }
        if (!baseRule && patch.type === undefined) {
          issues.add(
            path,
            patch,
            `${kind} has no rule ${quoteValue(ruleId)} to change (its rules: ${Object.keys(base?.rules ?? {}).join(', ') || 'none'}); a new rule needs all its fields, "type" first`,
          );
          continue;
        }
        checkRule(issues, path, patchRule(baseRule, patch), metrics, kind);
      }
    }
  }
}

/** The vocabulary the rules are checked against: the v1 kinds, plus declared ones. */
export function ruleVocabulary(declared: RuleVocabulary = {}): RuleVocabulary {
  const out: Record<string, readonly string[]> = {};
  for (const kind of SENSOR_KINDS) out[kind] = KIND_METRICS[kind];
  return { ...out, ...declared };
}

export interface ParseRuleSetOptions {
  /** Kinds and metrics the rules may name. @default the v1 vocabulary */
  vocabulary?: RuleVocabulary;
  /** The rules of kinds the document does not list. @default DEFAULT_RULE_SET */
  defaults?: RuleSet;
}

/**
 * Validates a rule set document (an older form is upgraded first, `upgradeRuleSetDoc`) and
 * completes it: kinds it does not list get the defaults' rules, so a stored version says all
 * that was in force. Throws RuleSetError listing every problem; `what` names the document.
 */
export function parseRuleSet(doc: unknown, what = 'rule set', options: ParseRuleSetOptions = {}): RuleSet {
  const vocabulary = options.vocabulary ?? ruleVocabulary();
  const defaults = options.defaults ?? DEFAULT_RULE_SET;
  const issues = new Issues();
  const upgraded = upgradeRuleSetDoc(doc);
  const shape = ruleSetShape.safeParse(upgraded);
  if (!shape.success) {
    issues.zod([], shape.error.issues, upgraded);
    throw new RuleSetError(what, issues.list);
  }
  const kinds: Record<string, KindRuleSet> = {};
  for (const [kind, entry] of Object.entries(shape.data.kinds)) {
    const metrics = vocabulary[kind];
    if (!metrics) {
      issues.add(['kinds', kind], undefined, `unknown sensor kind; allowed: ${Object.keys(vocabulary).join(', ')}`);
      continue;
    }
    const rules: Record<string, AlarmRuleDoc> = {};
    for (const [id, ruleDoc] of Object.entries(entry.rules)) {
      const rule = checkRule(issues, ['kinds', kind, 'rules', id], ruleDoc, metrics, kind);
      if (rule) rules[id] = rule;
    }
    kinds[kind] = { staleAfterMs: entry.staleAfterMs, rules };
  }
  for (const [kind, entry] of Object.entries(defaults.kinds)) if (!(kind in shape.data.kinds)) kinds[kind] = entry;
  const set: RuleSet = { schemaVersion: RULE_SET_SCHEMA_VERSION, kinds };
  if (shape.data.assets) {
    checkOverrides(issues, 'assets', shape.data.assets, kinds, vocabulary);
    set.assets = shape.data.assets;
  }
  if (shape.data.sensors) {
    checkOverrides(issues, 'sensors', shape.data.sensors, kinds, vocabulary);
    set.sensors = shape.data.sensors;
  }
  if (issues.list.length > 0) throw new RuleSetError(what, issues.list);
  return set;
}

/**
 * Upgrades an older rule set document to the current schema version (kepler.gl-style explicit
 * upgraders). Version 0 is a city package's `rules/alarms.json` as first specified: kind →
 * `{staleAfterMs, metrics: [threshold]}`, no `schemaVersion`; each metric rule becomes a
 * threshold rule whose id is its metric (`<metric>_2`, … when a metric repeats).
 */
export function upgradeRuleSetDoc(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || 'schemaVersion' in doc) return doc;
  const kinds: Record<string, unknown> = {};
  for (const [kind, entry] of Object.entries(doc as Record<string, unknown>)) {
    if (entry === null || typeof entry !== 'object' || !Array.isArray((entry as { metrics?: unknown }).metrics)) {
      kinds[kind] = entry;
      continue;
    }
    const { metrics, ...rest } = entry as { metrics: unknown[] } & Record<string, unknown>;
    const rules: Record<string, unknown> = {};
    for (const m of metrics) {
      const metric = m !== null && typeof m === 'object' ? (m as { metric?: unknown }).metric : undefined;
      const base = typeof metric === 'string' && ID_PATTERN.test(metric) ? metric : 'rule';
      let id = base;
      for (let n = 2; id in rules; n++) id = `${base}_${n}`;
      rules[id] = m !== null && typeof m === 'object' ? { type: 'threshold', ...(m as object) } : m;
    }
    kinds[kind] = { ...rest, rules };
  }
  return { schemaVersion: RULE_SET_SCHEMA_VERSION, kinds };
}

/** A rule set from per-kind thresholds in the constants' (and version 0's) shape. */
export function ruleSetFromKindRules(
  rules: Readonly<Record<string, KindRules>>,
  what = 'kind rules',
  options: ParseRuleSetOptions = {},
): RuleSet {
  return parseRuleSet(upgradeRuleSetDoc(rules), what, options);
}

const NO_RULES: RuleSet = { schemaVersion: RULE_SET_SCHEMA_VERSION, kinds: {} };

/**
 * The default rule set: today's per-kind thresholds (alarm-rules.ts `DEFAULT_ALARM_RULES`) in
 * this model. Each threshold's id is its metric; no overrides, no rate or flatline rules, so
 * the twin behaves with it exactly as with the constants.
 */
export const DEFAULT_RULE_SET: RuleSet = ruleSetFromKindRules(DEFAULT_ALARM_RULES, 'the default alarm rules', { defaults: NO_RULES });
