/**
 * Runtime schemas of the incident shapes that leave a process: an incident as stored with each
 * of its changes (storage/stored-json/incident-snapshot.ts), and the changes and operator
 * actions web nodes send each other (web/server/cluster/cluster-messages.ts). The TypeScript
 * types stay the correlator's (incident-correlator.ts); each schema is checked against its type
 * below, in both directions, so a field added to one and not the other fails the type check.
 */
import { z } from 'zod';
import { CAP_SEVERITIES } from '../cap/cap-types.ts';
import { SIGNAL_COLOURS, WARNING_KINDS } from '../cap/cap-context.ts';
import { INCIDENT_TYPES } from '../vocabulary.ts';
import { KIND_NAME_PATTERN } from '../vocabulary-registry.ts';
import type { Incident, IncidentAction, IncidentChange, LinkedEvidence } from './incident-correlator.ts';
import type { LinkReason } from './incident-explanations.ts';
import { EVIDENCE_FAMILIES } from './incident-rules.ts';
import type { SameShape } from '../schema-check.ts';

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved', 'closed', 'false_alarm'] as const;

export const INCIDENT_CHANGE_KINDS = [
  'opened',
  'evidence_linked',
  'evidence_inactive',
  'updated',
  'acknowledged',
  'severity_set',
  'merged_into',
  'absorbed',
  'split_from',
  'split_off',
  'false_alarm',
  'resolution_proposed',
  'resolved',
  'closed',
  'reopened',
] as const;

const finite = z.number().finite();
/**
 * An optional number: JSON writes a non-finite number as null, so null reads as absent instead of
 * failing a whole incident for one measurement.
 */
const optionalNumber = z
  .number()
  .nullable()
  .transform((v) => (v === null || !Number.isFinite(v) ? undefined : v))
  .optional();

/** Why a piece of evidence belongs to its incident (incident-explanations.ts `LinkReason`). */
export const linkReasonSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('same_district'), params: z.object({ district: z.string(), minutes: finite }) }),
  z.object({ code: z.literal('same_asset'), params: z.object({ assetId: z.string(), minutes: finite }) }),
  z.object({ code: z.literal('near'), params: z.object({ distanceM: finite, limitM: finite, minutes: finite }) }),
  z.object({ code: z.literal('spill_over'), params: z.object({ distanceM: finite, limitM: finite, minutes: finite }) }),
  z.object({ code: z.literal('anchor'), params: z.record(z.string(), z.never()) }),
  z.object({ code: z.literal('merged_from'), params: z.object({ incidentId: z.string(), actor: z.string() }) }),
  z.object({ code: z.literal('split_from'), params: z.object({ incidentId: z.string(), actor: z.string() }) }),
  z.object({
    code: z.literal('official_warning_covers'),
    params: z.object({
      kind: z.enum(WARNING_KINDS),
      severity: z.enum(CAP_SEVERITIES),
      colour: z.enum(SIGNAL_COLOURS).nullable(),
      sender: z.string(),
      identifier: z.string(),
      inside: z.enum(['polygon', 'circle']),
      distanceM: finite.optional(),
      effective: finite,
      expires: finite.nullable(),
    }),
  }),
  z.object({ code: z.literal('text'), params: z.object({ text: z.string() }) }),
]);

export const linkedEvidenceSchema = z.object({
  id: z.string(),
  kind: z.enum(['sensor_alarm', 'event', 'official_warning']),
  ts: finite,
  lng: finite,
  lat: finite,
  sensorKind: z.string().regex(KIND_NAME_PATTERN).optional(),
  sensorId: z.string().optional(),
  level: z.enum(['warning', 'alarm']).optional(),
  metric: z.string().optional(),
  value: optionalNumber,
  areaShare: optionalNumber,
  silentShare: optionalNumber,
  eventType: z.string().optional(),
  category: z.string().optional(),
  source: z.string().optional(),
  assetId: z.string().optional(),
  district: z.string().optional(),
  signal: z.string(),
  family: z.enum(EVIDENCE_FAMILIES),
  weight: finite,
  gain: optionalNumber,
  active: z.boolean(),
  clearedAt: optionalNumber,
  withdrawnAt: optionalNumber,
  why: linkReasonSchema,
  linkedAt: finite,
});

export const incidentSchema = z.object({
  id: z.string(),
  type: z.enum(INCIDENT_TYPES),
  status: z.enum(INCIDENT_STATUSES),
  lng: finite,
  lat: finite,
  district: z.string().nullable(),
  assetId: z.string().nullable(),
  severity: finite,
  severityPinned: z.boolean(),
  confidence: finite,
  openedAt: finite,
  updatedAt: finite,
  lastEvidenceAt: finite,
  resolutionProposed: z.boolean(),
  evidence: z.array(linkedEvidenceSchema),
  moreEvidence: optionalNumber,
  beyondCap: z.object({ active: z.array(z.string()), quietSince: finite }).optional(),
});

export const incidentChangeSchema = z.object({
  incidentId: z.string(),
  at: finite,
  actor: z.string(),
  what: z.enum(INCIDENT_CHANGE_KINDS),
  detail: z.string(),
  incident: incidentSchema,
});

export const incidentActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('acknowledge') }),
  z.object({ action: z.literal('set_severity'), severity: finite }),
  z.object({ action: z.literal('merge'), otherId: z.string() }),
  z.object({ action: z.literal('split'), evidenceIds: z.array(z.string()) }),
  z.object({ action: z.literal('false_alarm') }),
  z.object({ action: z.literal('resolve') }),
  z.object({ action: z.literal('close') }),
  z.object({ action: z.literal('reopen') }),
]);

// Compile-time checks: the schemas describe exactly the correlator's types.
const sameReason: SameShape<z.infer<typeof linkReasonSchema>, LinkReason> = true;
const sameEvidence: SameShape<z.infer<typeof linkedEvidenceSchema>, LinkedEvidence> = true;
const sameIncident: SameShape<z.infer<typeof incidentSchema>, Incident> = true;
const sameChange: SameShape<z.infer<typeof incidentChangeSchema>, IncidentChange> = true;
const sameAction: SameShape<z.infer<typeof incidentActionSchema>, IncidentAction> = true;
void [sameReason, sameEvidence, sameIncident, sameChange, sameAction];
