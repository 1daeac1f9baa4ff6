/**
 * Incident rules are data: one JSON file per incident type (rules/*.json), validated here.
 * A rule says which evidence supports the type (signals), how far apart and how long apart
 * evidence may be to belong to one incident, how sure the twin must be to open one, and how
 * it resolves. docs/incidents.md documents every field.
 */
import { z } from 'zod';
import { EVENT_TYPES, INCIDENT_TYPES, SENSOR_KINDS, type IncidentType } from '../vocabulary.ts';
import crowd from './rules/crowd.json' with { type: 'json' };
import fire from './rules/fire.json' with { type: 'json' };
import heatStress from './rules/heat_stress.json' with { type: 'json' };
import powerOutage from './rules/power_outage.json' with { type: 'json' };
import serviceSurge from './rules/service_surge.json' with { type: 'json' };
import trafficAccident from './rules/traffic_accident.json' with { type: 'json' };
import waterlogging from './rules/waterlogging.json' with { type: 'json' };

/** Independence classes: confidence grows with distinct families, far less with repeats. */
export const EVIDENCE_FAMILIES = ['sensor', 'weather', 'traffic', 'hotline', 'video', 'manual', 'service'] as const;
export type EvidenceFamily = (typeof EVIDENCE_FAMILIES)[number];

const signalSchema = z
  .object({
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
  })
  .superRefine((s, ctx) => {
    if (s.evidence !== 'event' && !s.sensorKinds)
      ctx.addIssue({ code: 'custom', message: `signal ${s.id}: ${s.evidence} needs sensorKinds` });
    if (s.evidence === 'area_share' && s.minShare === undefined)
      ctx.addIssue({ code: 'custom', message: `signal ${s.id}: area_share needs minShare` });
    if (s.evidence === 'event' && !s.eventTypes) ctx.addIssue({ code: 'custom', message: `signal ${s.id}: event needs eventTypes` });
    if (s.placeRadiusM !== undefined && s.evidence !== 'sensor_alarm')
      ctx.addIssue({ code: 'custom', message: `signal ${s.id}: placeRadiusM applies to sensor_alarm signals only, not ${s.evidence}` });
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
      /** Resolve when no sensor evidence is active and nothing new came for this long. */
      quietS: z.number().int().positive().max(86_400),
      /** If true the twin proposes resolution and an operator confirms it. */
      operatorConfirms: z.boolean(),
    }),
  })
  .superRefine((r, ctx) => {
    const ids = new Set<string>();
    for (const s of r.signals) {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', message: `duplicate signal id ${s.id}` });
      ids.add(s.id);
    }
    if (!r.signals.some((s) => s.canOpen)) ctx.addIssue({ code: 'custom', message: 'no signal can open an incident' });
  });

export type IncidentRule = z.infer<typeof incidentRuleSchema>;
export type IncidentSignal = IncidentRule['signals'][number];

export class IncidentRuleError extends Error {}

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

/** The shipped rules (twin-model/incidents/rules/*.json). */
export const DEFAULT_INCIDENT_RULES = parseIncidentRules({
  'waterlogging.json': waterlogging,
  'traffic_accident.json': trafficAccident,
  'fire.json': fire,
  'power_outage.json': powerOutage,
  'heat_stress.json': heatStress,
  'crowd.json': crowd,
  'service_surge.json': serviceSurge,
});
