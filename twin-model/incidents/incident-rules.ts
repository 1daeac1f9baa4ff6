/**
 * Incident rules are data: one JSON file per incident type (rules/*.json), validated here.
 * A rule says which evidence supports the type (signals), how far apart and how long apart
 * evidence may be to belong to one incident, how sure the twin must be to open one, and how
 * it resolves. docs/incidents.md documents every field.
 */
import { z } from 'zod';
import { quoteValue, valueAt } from '../quote-value.ts';
import { EVENT_TYPES, INCIDENT_TYPES, SENSOR_KINDS, type IncidentType } from '../vocabulary.ts';
import { RULE_FILES } from './rule-files.ts';

/**
 * Independence classes: confidence grows with distinct families, far less with repeats.
 * `warning`: official warnings (CAP), which raise confidence by their own boost instead
 * (incident-correlator.ts, docs/cap.md); no rule signal needs it.
 */
export const EVIDENCE_FAMILIES = ['sensor', 'weather', 'traffic', 'hotline', 'video', 'manual', 'service', 'warning'] as const;
export type EvidenceFamily = (typeof EVIDENCE_FAMILIES)[number];

const signalFieldsSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/),
  /**
   * `sensor_alarm`: one sensor in warning/alarm; `area_share`: at least `minShare` of a
   * district's sensors of these kinds in warning/alarm at once (district-wide conditions);
   * `event`: a discrete report.
   */
  evidence: z.enum(['sensor_alarm', 'area_share', 'event']),
  /** Overrides the rule's repeatGain for this signal (0: more of it adds nothing, e.g. more rain gauges in the same rain). */
  repeatGain: z.number().min(0).max(1).optional(),
  /** For area_share: the share of the district's sensors that must be in alarm. */
  minShare: z.number().gt(0).max(1).optional(),
  /**
   * For area_share: the district's silent sensors (stale: no reading within their limit) count
   * as possibly in warning, so the signal matches when the share in warning or alarm plus the
   * share of silent ones reaches `minShare` — the share the district may be at, which its
   * silent stations neither confirm nor rule out. Needs `corroboration` (other families decide).
   */
  countSilent: z.boolean().optional(),
  sensorKinds: z.array(z.enum(SENSOR_KINDS)).min(1).optional(),
  /** Lowest alarm level that counts. */
  minLevel: z.enum(['warning', 'alarm']).default('warning'),
  eventTypes: z.array(z.enum(EVENT_TYPES)).min(1).optional(),
  categories: z.array(z.string().min(1).max(64)).min(1).optional(),
  family: z.enum(EVIDENCE_FAMILIES),
  /** Probability-like strength of one piece of this evidence, 0 < w < 1. */
  weight: z.number().gt(0).lt(1),
  /** Whether this signal can start an incident (some only corroborate, e.g. rain nearby). */
  canOpen: z.boolean(),
  /** Overrides the rule's radius for this signal (e.g. rain gauges cover kilometres). */
  radiusM: z.number().positive().max(50_000).optional(),
  /**
   * Radius within which this evidence joins an incident that is already open (spill-over:
   * the queue behind a crash, calls about the jam on the approaches). Defaults to radiusM.
   */
  joinRadiusM: z.number().positive().max(50_000).optional(),
  /**
   * For sensor alarms that measure one spot (a water-level gauge): alarms of this signal from
   * sensors farther apart than this are about different places (unless they watch the same
   * asset). Such an alarm joins an incident only near one of the incident's own alarms of the
   * signal, and a cluster led by one gauge leaves out the gauges of other places.
   */
  placeRadiusM: z.number().positive().max(50_000).optional(),
  /**
   * For corroborating signals: when opening, this evidence counts only if it began at most
   * this long after the newest evidence that can open (rain explains water that rises while
   * or after it falls, not a gauge that read high half an hour before the rain came).
   */
  maxLagS: z.number().int().min(0).max(86_400).optional(),
  /**
   * For signals that can open: they open an incident only when the gathered evidence also holds
   * corroboration of at least `minFamilies` independent families among the named `signals`
   * (other than the opener's own family), each begun at most `withinS` before or after the
   * opener. A lower district share of hot stations opens a heat incident only when the grid
   * and the emergency departments of the same district already show the heat.
   */
  corroboration: z
    .object({
      signals: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,40}$/)).min(1),
      minFamilies: z.number().int().min(1).max(EVIDENCE_FAMILIES.length).default(2),
      withinS: z.number().int().positive().max(86_400).default(3600),
    })
    .strict()
    .optional(),
});

type SignalFields = z.infer<typeof signalFieldsSchema>;

/**
 * The rules between a signal's fields ("this field only for that kind of evidence", "that kind
 * needs this field"), checked in this order: the field an issue points at, when the signal
 * breaks the rule, and the reason (after `signal <id>: `).
 */
const SIGNAL_FIELD_CHECKS: readonly {
  field: keyof SignalFields;
  fails: (s: SignalFields) => boolean;
  message: (s: SignalFields) => string;
}[] = [
  { field: 'sensorKinds', fails: (s) => s.evidence !== 'event' && !s.sensorKinds, message: (s) => `${s.evidence} needs sensorKinds` },
  { field: 'minShare', fails: (s) => s.evidence === 'area_share' && s.minShare === undefined, message: () => 'area_share needs minShare' },
  {
    field: 'countSilent',
    fails: (s) => !!s.countSilent && s.evidence !== 'area_share',
    message: (s) => `countSilent applies to area_share signals only, not ${s.evidence}`,
  },
  {
    field: 'countSilent',
    fails: (s) => !!s.countSilent && !s.corroboration,
    message: () => 'countSilent needs corroboration (silent sensors alone cannot open an incident)',
  },
  { field: 'eventTypes', fails: (s) => s.evidence === 'event' && !s.eventTypes, message: () => 'event needs eventTypes' },
  {
    field: 'placeRadiusM',
    fails: (s) => s.placeRadiusM !== undefined && s.evidence !== 'sensor_alarm',
    message: (s) => `placeRadiusM applies to sensor_alarm signals only, not ${s.evidence}`,
  },
  {
    field: 'corroboration',
    fails: (s) => !!s.corroboration && !s.canOpen,
    message: () => 'corroboration applies to signals that can open (canOpen: true) only',
  },
];

const signalSchema = signalFieldsSchema.superRefine((s, ctx) => {
  for (const check of SIGNAL_FIELD_CHECKS)
    if (check.fails(s)) ctx.addIssue({ code: 'custom', path: [check.field], message: `signal ${s.id}: ${check.message(s)}` });
});

export const incidentRuleSchema = z
  .object({
    type: z.enum(INCIDENT_TYPES),
    nameZh: z.string().min(1),
    nameEn: z.string().min(1),
    description: z.string().optional(),
    signals: z.array(signalSchema).min(1),
    spatial: z.object({
      /** Evidence within this distance of an incident (or of each other) belongs together. */
      radiusM: z.number().positive().max(50_000),
      /** Evidence watching the same asset (underpass, bridge, substation …) always belongs together, a different asset never. */
      sameAsset: z.boolean().default(true),
      /** Incidents of this type are per district (heat, area-wide conditions): other districts never join. */
      sameDistrict: z.boolean().default(false),
    }),
    /** Evidence older than this relative to the newest one no longer joins. */
    windowS: z.number().int().positive().max(86_400),
    open: z.object({ minConfidence: z.number().gt(0).lt(1) }),
    /** Each further item of a family already present closes this share of the remaining doubt. */
    repeatGain: z.number().min(0).max(1).default(0.1),
    severity: z.object({
      base: z.number().int().min(1).max(5),
      perAlarm: z.number().min(0).max(2).default(0.5),
      max: z.number().int().min(1).max(5).default(5),
    }),
    resolve: z.object({
      /**
       * Resolve when no sensor alarm is active and the evidence has been quiet this long: a report
       * counts from its date, a sensor alarm from when it cleared (incident-refresh.ts `heldOpen`).
       */
      quietS: z.number().int().positive().max(86_400),
      /** If true the twin proposes resolution and an operator confirms it. */
      operatorConfirms: z.boolean(),
    }),
  })
  .superRefine((r, ctx) => {
    const ids = new Set<string>();
    r.signals.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['signals', i, 'id'], message: `duplicate signal id ${s.id}` });
      ids.add(s.id);
    });
    if (!r.signals.some((s) => s.canOpen)) ctx.addIssue({ code: 'custom', path: ['signals'], message: 'no signal can open an incident' });
    r.signals.forEach((s, i) => {
      s.corroboration?.signals.forEach((id, j) => {
        const other = r.signals.find((x) => x.id === id);
        const message = !other
          ? `signal ${s.id}: corroborating signal ${quoteValue(id)} is not a signal of this rule (one of ${r.signals.map((x) => x.id).join(', ')})`
          : other.family === s.family
            ? `signal ${s.id}: corroborating signal ${quoteValue(id)} is of its own family ${s.family}; name signals of other families`
            : null;
        if (message) ctx.addIssue({ code: 'custom', path: ['signals', i, 'corroboration', 'signals', j], message });
      });
      if (s.corroboration) corroborationCoverage(r.signals, s, i, ctx);
    });
  });

/** Refuses a corroboration whose named signals cannot make up `minFamilies` families other than the opener's. */
function corroborationCoverage(
  signals: readonly { id: string; family: string }[],
  s: { id: string; family: string; corroboration?: { signals: string[]; minFamilies: number } },
  i: number,
  ctx: z.RefinementCtx,
): void {
  const c = s.corroboration;
  if (!c) return;
  const families = [
    ...new Set(c.signals.flatMap((id) => signals.filter((x) => x.id === id && x.family !== s.family).map((x) => x.family))),
  ];
  if (families.length >= c.minFamilies) return;
  ctx.addIssue({
    code: 'custom',
    path: ['signals', i, 'corroboration', 'minFamilies'],
    message:
      `signal ${s.id}: minFamilies ${c.minFamilies} needs corroborating signals of at least ${c.minFamilies} families other than ` +
      `${s.family}; the named signals have ${families.length}${families.length ? ` (${families.join(', ')})` : ''} — ` +
      'name signals of more families or lower minFamilies',
  });
}

export type IncidentRule = z.infer<typeof incidentRuleSchema>;
export type IncidentSignal = IncidentRule['signals'][number];

/** One problem of an incident rule set: where (`rules.fire.windowS`), the value found (as JSON), what is allowed. */
export interface IncidentRuleIssue {
  path: string;
  value?: string;
  message: string;
}

export class IncidentRuleError extends Error {
  constructor(
    message: string,
    /** Each problem with its path in the rule set document (`parseIncidentRuleSet`); empty for files. */
    readonly issues: readonly IncidentRuleIssue[] = [],
  ) {
    super(message);
  }
}

/** The value at `path` of `doc`, as JSON cut to 80 characters (undefined when there is none). */
function quoted(doc: unknown, path: readonly PropertyKey[]): string | undefined {
  const v = valueAt(doc, path);
  return v === undefined ? undefined : quoteValue(v);
}

/** A problem of one file: its field (dotted), the value found, the reason. */
interface FileProblem {
  file: string;
  path: string;
  value?: string;
  message: string;
}

const problemText = (p: FileProblem): string =>
  `${p.file}${p.path ? ` ${p.path}` : p.value !== undefined ? ' (root)' : ''}${p.value !== undefined ? ` = ${p.value}` : ''}: ${p.message}`;

/** Validates one rule document; the error names the file and the field. */
export function parseIncidentRule(doc: unknown, name = 'rule'): IncidentRule {
  const result = incidentRuleSchema.safeParse(doc);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new IncidentRuleError(`${name} is not a valid incident rule: ${issues}`);
  }
  return result.data;
}

/** Validates a set of rules: one per incident type at most. */
export function parseIncidentRules(docs: Record<string, unknown>): ReadonlyMap<IncidentType, IncidentRule> {
  const rules = new Map<IncidentType, IncidentRule>();
  for (const [name, doc] of Object.entries(docs)) {
    const rule = parseIncidentRule(doc, name);
    if (rules.has(rule.type)) throw new IncidentRuleError(`${name}: a second rule for incident type ${rule.type}`);
    rules.set(rule.type, rule);
  }
  return rules;
}

export const INCIDENT_RULE_SET_SCHEMA_VERSION = 1;

/**
 * The incident rules in force as one versioned document: `{"schemaVersion": 1, "rules":
 * {"<incident type>": rule}}` (each rule in the format of docs/incidents.md). Stored with each
 * version of the incident rules; complete (every type the defaults have).
 */
export interface IncidentRuleSet {
  schemaVersion: typeof INCIDENT_RULE_SET_SCHEMA_VERSION;
  rules: Partial<Record<IncidentType, IncidentRule>>;
}

const incidentRuleSetShape = z
  .object(
    {
      schemaVersion: z.literal(INCIDENT_RULE_SET_SCHEMA_VERSION, `${INCIDENT_RULE_SET_SCHEMA_VERSION} (the version of this format)`),
      rules: z.record(z.string(), z.unknown()),
    },
    '{"schemaVersion": 1, "rules": {"<incident type>": rule}}',
  )
  .strict();

/**
 * Validates an incident rule set document; types it does not list keep `defaults`' rules.
 * Each key must be its rule's type. The error lists every problem with its path in the
 * document (`rules.fire.windowS`), the value found and what is allowed (`issues`).
 */
export function parseIncidentRuleSet(doc: unknown, what = 'incident rule set', defaults?: IncidentRuleSet): IncidentRuleSet {
  const shape = incidentRuleSetShape.safeParse(doc);
  if (!shape.success) {
    const issues = shape.error.issues.map((i) => ({
      path: i.path.join('.'),
      ...(quoted(doc, i.path) !== undefined ? { value: quoted(doc, i.path) } : {}),
      message: i.message,
    }));
    const text = issues.map((i) => `${i.path || '(root)'}${i.value !== undefined ? ` = ${i.value}` : ''}: ${i.message}`).join('; ');
    throw new IncidentRuleError(`${what} is not a valid incident rule set: ${text}`, issues);
  }
  const files: Record<string, unknown> = {};
  const typeOf = new Map<string, string>();
  for (const [type, rule] of Object.entries(shape.data.rules)) {
    files[`${type}.json`] = rule;
    typeOf.set(`${type}.json`, type);
  }
  const { rules, problems } = checkRuleFiles(files);
  if (problems.length > 0)
    throw new IncidentRuleError(
      `${what}: ${problems.map(problemText).join('; ')}`,
      problems.map((p) => ({
        path: [`rules.${typeOf.get(p.file) ?? p.file}`, p.path].filter(Boolean).join('.'),
        ...(p.value !== undefined ? { value: p.value } : {}),
        message: p.message,
      })),
    );
  return withDefaults(rules, defaults);
}

/** Every file validated, named after its rule's type, one rule per type: the rules and every problem. */
function checkRuleFiles(files: Record<string, unknown>): {
  rules: Partial<Record<IncidentType, IncidentRule>>;
  problems: FileProblem[];
} {
  const problems: FileProblem[] = [];
  const rules: Partial<Record<IncidentType, IncidentRule>> = {};
  for (const [file, doc] of Object.entries(files)) {
    const r = incidentRuleSchema.safeParse(doc);
    if (!r.success) {
      for (const i of r.error.issues) {
        const value = quoted(doc, i.path);
        problems.push({ file, path: i.path.join('.'), ...(value !== undefined ? { value } : {}), message: i.message });
      }
      continue;
    }
    const name = file.split('/').pop() ?? file;
    if (name !== `${r.data.type}.json`) {
      problems.push({
        file,
        path: '',
        message: `holds the rule of type ${JSON.stringify(r.data.type)}; its file must be named ${r.data.type}.json`,
      });
      continue;
    }
    if (rules[r.data.type]) {
      problems.push({ file, path: '', message: `a second rule for incident type ${r.data.type}` });
      continue;
    }
    rules[r.data.type] = r.data;
  }
  return { rules, problems };
}

function withDefaults(rules: Partial<Record<IncidentType, IncidentRule>>, defaults?: IncidentRuleSet): IncidentRuleSet {
  for (const [type, rule] of Object.entries(defaults?.rules ?? {}) as [IncidentType, IncidentRule][]) rules[type] ??= rule;
  return { schemaVersion: INCIDENT_RULE_SET_SCHEMA_VERSION, rules };
}

/**
 * The one loader of incident rules from files (the shipped rules/*.json, a city package's
 * rules/incidents/<type>.json, a stored version): every file validated, named after its rule's
 * type; types without a file keep `defaults`' rules. Every problem is listed in one error, each
 * with its field and the value found.
 */
export function loadIncidentRuleFiles(
  files: Record<string, unknown>,
  origin = 'incident rules',
  defaults?: IncidentRuleSet,
): IncidentRuleSet {
  const { rules, problems } = checkRuleFiles(files);
  if (problems.length > 0) throw new IncidentRuleError(`${origin}: ${problems.map(problemText).join('; ')}`);
  return withDefaults(rules, defaults);
}

/** The rules of a set as the correlator takes them (createIncidentState). */
export function incidentRulesOf(set: IncidentRuleSet): ReadonlyMap<IncidentType, IncidentRule> {
  return new Map(Object.entries(set.rules) as [IncidentType, IncidentRule][]);
}

/** The shipped rules (twin-model/incidents/rules/*.json), through the one loader. */
export const DEFAULT_INCIDENT_RULE_SET: IncidentRuleSet = loadIncidentRuleFiles(RULE_FILES, 'the shipped incident rules');

/** The shipped rules by type. */
export const DEFAULT_INCIDENT_RULES: ReadonlyMap<IncidentType, IncidentRule> = incidentRulesOf(DEFAULT_INCIDENT_RULE_SET);
