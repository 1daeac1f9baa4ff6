/**
 * What web nodes say to each other about the features one node writes (incidents, dispatch,
 * the hotline case desk, the shift log):
 * the writer's changes, commands forwarded to the writer, and the writer's answers — each a
 * discriminated union on `kind`, sent as JSON and validated on receipt, so a node never acts on
 * a message it does not understand (a node of another version, a corrupted payload).
 */
import { z } from 'zod';
import {
  assignRequestSchema,
  dispatchErrorCodeSchema,
  incidentActionSchema,
  incidentChangeSchema,
  UNIT_STATUSES,
  unitChangeSchema,
  unitRecommendationSchema,
  unitTripSchema,
} from '../../../twin-model/index.ts';
import { CASE_REFUSALS } from '../../../twin-model/cases/index.ts';
import { caseSnapshotV1 } from '../../../storage/case-snapshot.ts';
import { caseCommandSchema, caseIntakeSchema } from '../cases/case-commands.ts';
import { SHIFT_REFUSAL_CODES, shiftCommandSchema, shiftEntrySchema, shiftRecordSchema } from '../shifts/shift-commands.ts';

/** The writer's changes, sent to every other node in the order it made them. */
export const writerChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('incident_changes'), changes: z.array(incidentChangeSchema) }),
  z.object({
    kind: z.literal('unit_changes'),
    units: z.array(z.object({ change: unitChangeSchema, trip: unitTripSchema.nullable() })),
  }),
  /** Entries the writer added to the shift log, for nodes with their own store to keep. */
  z.object({ kind: z.literal('shift_entries'), entries: z.array(shiftEntrySchema) }),
  /**
   * Hotline cases after the writer's changes (each case once a batch, with what happened to it and
   * the departments that no longer have it), so that every node's case desks update live.
   */
  z.object({
    kind: z.literal('case_changes'),
    changes: z.array(z.object({ case: caseSnapshotV1, happened: z.array(z.string()), left: z.array(z.string()) })),
  }),
]);
export type WriterChange = z.infer<typeof writerChangeSchema>;

/** A command another node forwards to the writer. */
export const writerCommandSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('incident_action'),
    incidentId: z.string(),
    actor: z.string(),
    command: incidentActionSchema,
    reason: z.string().optional(),
  }),
  z.object({ kind: z.literal('dispatch_assign'), request: assignRequestSchema }),
  z.object({
    kind: z.literal('dispatch_status'),
    unitId: z.string(),
    to: z.enum(UNIT_STATUSES),
    actor: z.string(),
    reason: z.string().optional(),
  }),
  z.object({ kind: z.literal('dispatch_recommend'), incidentId: z.string(), actor: z.string(), limit: z.number().int().optional() }),
  /** Dead letters the writer's dispatcher holds, by delivery key, sent again (docs/notifications.md). */
  z.object({ kind: z.literal('notify_redeliver'), keys: z.array(z.string()).max(1000), actor: z.string() }),
  /** A hotline case handed over on another node (the case desk runs on the writer). */
  z.object({ kind: z.literal('case_intake'), intake: caseIntakeSchema }),
  /** A command on a case given on another node. */
  z.object({ kind: z.literal('case_command'), caseId: z.string(), command: caseCommandSchema }),
  /** A write in the shift log (the writer numbers every entry and shift). */
  z.object({ kind: z.literal('shift_command'), command: shiftCommandSchema }),
]);
export type WriterCommand = z.infer<typeof writerCommandSchema>;

/** Why the writer refused an incident action: the incident is not known, or the action does not apply to it. */
export const INCIDENT_REFUSAL_CODES = ['unknown_incident', 'action_not_applicable'] as const;
export type IncidentRefusalCode = (typeof INCIDENT_REFUSAL_CODES)[number];

/** The writer's answer to a command: its result, or why it was refused (the state unchanged). */
export const writerAnswerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('incident_changes'), changes: z.array(incidentChangeSchema) }),
  z.object({ kind: z.literal('incident_refused'), code: z.enum(INCIDENT_REFUSAL_CODES), message: z.string() }),
  z.object({ kind: z.literal('unit_changes'), changes: z.array(unitChangeSchema) }),
  z.object({ kind: z.literal('recommendations'), recommendations: z.array(unitRecommendationSchema) }),
  z.object({ kind: z.literal('dispatch_refused'), code: dispatchErrorCodeSchema, message: z.string() }),
  z.object({ kind: z.literal('notify_redelivered'), redelivered: z.array(z.string()), missing: z.array(z.string()) }),
  /** The case after an intake or a command (stored before the answer), and what happened to it. */
  z.object({ kind: z.literal('case_result'), case: caseSnapshotV1, duplicate: z.boolean(), happened: z.array(z.string()) }),
  z.object({
    kind: z.literal('case_refused'),
    code: z.enum(CASE_REFUSALS),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  }),
  /** The shift written to (and, after a sign-off, the one it opened). */
  z.object({ kind: z.literal('shift_result'), shift: shiftRecordSchema, opened: shiftRecordSchema.nullable() }),
  z.object({ kind: z.literal('shift_refused'), code: z.enum(SHIFT_REFUSAL_CODES), message: z.string() }),
  /** The writer failed on the command (not a refusal: an error it did not expect). */
  z.object({ kind: z.literal('failed'), message: z.string() }),
]);
export type WriterAnswer = z.infer<typeof writerAnswerSchema>;

/**
 * What one node tells every other node about configuration it changed, whoever writes incidents:
 * each notice carries the change itself (not just "reload"), so a node applies it without reading
 * a store — web nodes may each have their own. The payloads (a rule set, a notification document)
 * are validated again by their feature's parser on receipt.
 */
export const clusterNoticeSchema = z.discriminatedUnion('kind', [
  /** A saved version of the alarm or incident rules, to put in force (web/server/rules). */
  z.object({
    kind: z.literal('rules_applied'),
    scope: z.enum(['alarms', 'incidents']),
    version: z.number().int().min(1),
    at: z.number(),
    author: z.string(),
    reason: z.string(),
    ruleSet: z.unknown(),
  }),
  /** A register import applied (web/server/register): the whole file, checked again and put in force on receipt. */
  z.object({
    kind: z.literal('register_imported'),
    id: z.string(),
    entity: z.enum(['sensor', 'unit', 'source', 'vocabulary']),
    at: z.number(),
    actor: z.string(),
    reason: z.string(),
    text: z.string(),
  }),
  /** A notification configuration document saved (`doc`) or deleted (`doc: null`) (web/server/notifications). */
  z.object({
    kind: z.literal('notify_config'),
    docKind: z.enum(['channel', 'contact', 'subscription', 'policy', 'roster']),
    id: z.string(),
    doc: z.unknown(),
    actor: z.string(),
    at: z.number(),
  }),
]);
export type ClusterNotice = z.infer<typeof clusterNoticeSchema>;

/** A message between web nodes that did not validate: what it was, and the first problem found. */
export class ClusterMessageError extends Error {
  constructor(what: string, text: string, problem: string) {
    super(`${what} from another web node is not understood (${problem}): ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
    this.name = 'ClusterMessageError';
  }
}

function decode<T>(schema: z.ZodType<T>, what: string, text: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ClusterMessageError(what, text, `not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClusterMessageError(what, text, issue ? `${issue.path.join('.') || 'the message'}: ${issue.message}` : 'invalid');
  }
  return parsed.data;
}

/** A change batch as received; throws {@link ClusterMessageError} when it does not validate. */
export function decodeWriterChange(text: string): WriterChange {
  return decode(writerChangeSchema, 'a change batch', text);
}

/** A forwarded command as received; throws {@link ClusterMessageError} when it does not validate. */
export function decodeWriterCommand(text: string): WriterCommand {
  return decode(writerCommandSchema, 'a forwarded command', text);
}

/** The writer's answer as received; throws {@link ClusterMessageError} when it does not validate. */
export function decodeWriterAnswer(text: string): WriterAnswer {
  return decode(writerAnswerSchema, "the writer's answer", text);
}

/** A configuration notice as received; throws {@link ClusterMessageError} when it does not validate. */
export function decodeClusterNotice(text: string): ClusterNotice {
  return decode(clusterNoticeSchema, 'a configuration notice', text);
}

/** The wire form of any of them (JSON). */
export function encodeClusterMessage(message: WriterChange | WriterCommand | WriterAnswer | ClusterNotice): string {
  return JSON.stringify(message);
}
