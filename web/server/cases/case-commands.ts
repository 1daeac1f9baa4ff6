/**
 * The case desk's commands at the edge: the body of `POST /api/cases/{caseId}/commands` (zod,
 * strict), the same commands as they travel to the twin writer between web nodes, who the
 * signed-in user acts as (a principal's roles → a case actor), what they may see of a case
 * (→ a case viewer), and a refusal worded for HTTP with its status.
 */
import { z } from 'zod';
import { EVENT_TYPES, ID_PATTERN, quoteValue } from '../../../twin-model/index.ts';
import {
  CASE_ACTOR_ROLES,
  CASE_CATEGORIES,
  MAX_COMMENT_CHARS,
  MAX_REASON_CHARS,
  MAX_REPLY_CHARS,
  type CaseActor,
  type CaseCommand,
  type CaseRefusal,
  type CaseRefusalCode,
  type CaseViewer,
  type HotlineCase,
} from '../../../twin-model/cases/index.ts';
import type { Principal } from '../auth/auth-types.ts';

const reason = (what: string) =>
  z.string(`${what}: text`).trim().min(1, `${what}: not empty`).max(MAX_REASON_CHARS, `${what}: at most ${MAX_REASON_CHARS} characters`);
const department = z.string('a department of the source catalogue').trim().min(1, 'a department of the source catalogue').max(120);

/** `POST /api/cases/{caseId}/commands`: one command, named by `command`, with what it needs. */
export const caseCommandBody = z.discriminatedUnion(
  'command',
  [
    /** To the department the routing table names, or (with a reason) re-assigned from the department that holds it. */
    z.object({ command: z.literal('assign'), department, reason: reason('the reason').optional() }).strict(),
    /** Elsewhere than the routing table says: the reason is required. */
    z.object({ command: z.literal('override'), department, reason: reason('the reason for the override') }).strict(),
    z.object({ command: z.literal('accept') }).strict(),
    z.object({ command: z.literal('return'), reason: reason('the reason for returning the case') }).strict(),
    z
      .object({
        command: z.literal('reply'),
        text: z
          .string('the reply: text')
          .trim()
          .min(1, 'the reply: not empty')
          .max(MAX_REPLY_CHARS, `the reply: at most ${MAX_REPLY_CHARS} characters`),
      })
      .strict(),
    z.object({ command: z.literal('close') }).strict(),
    z
      .object({
        command: z.literal('feedback'),
        satisfaction: z
          .number('satisfaction: a whole number 1–5')
          .int('satisfaction: a whole number 1–5')
          .min(1, 'satisfaction: 1–5')
          .max(5, 'satisfaction: 1–5'),
        comment: z.string().trim().max(MAX_COMMENT_CHARS, `the comment: at most ${MAX_COMMENT_CHARS} characters`).optional(),
      })
      .strict(),
    z.object({ command: z.literal('reopen'), reason: reason('the reason for reopening') }).strict(),
    z
      .object({ command: z.literal('link_incident'), incidentId: z.string().regex(ID_PATTERN, 'an incident id such as inc-000012') })
      .strict(),
  ],
  'command: one of assign, override, accept, return, reply, close, feedback, reopen, link_incident',
);
export type CaseCommandBody = z.infer<typeof caseCommandBody>;

/** The commands of the body, in the order the docs list them. */
export const CASE_COMMAND_NAMES = [
  'assign',
  'override',
  'accept',
  'return',
  'reply',
  'close',
  'feedback',
  'reopen',
  'link_incident',
] as const;

/** The workflow command of a validated body, given as `actor`. */
export function caseCommandOf(body: CaseCommandBody, actor: CaseActor): CaseCommand {
  switch (body.command) {
    case 'assign':
      return { type: 'assign', actor, department: body.department, ...(body.reason ? { reason: body.reason } : {}) };
    case 'override':
      return { type: 'assign', actor, department: body.department, reason: body.reason };
    case 'accept':
      return { type: 'accept', actor };
    case 'return':
      return { type: 'return', actor, reason: body.reason };
    case 'reply':
      return { type: 'reply', actor, text: body.text };
    case 'close':
      return { type: 'close', actor };
    case 'feedback':
      return { type: 'feedback', actor, satisfaction: body.satisfaction, ...(body.comment ? { comment: body.comment } : {}) };
    case 'reopen':
      return { type: 'reopen', actor, reason: body.reason };
    case 'link_incident':
      return { type: 'link_incident', actor, incidentId: body.incidentId, how: 'joined' };
  }
}

const actorSchema = z.object({ user: z.string(), role: z.enum(CASE_ACTOR_ROLES), department: z.string().optional() });

/** A workflow command as it travels to the twin writer (cluster-messages.ts). */
export const caseCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('assign'), actor: actorSchema, department: z.string(), reason: z.string().optional() }),
  z.object({ type: z.literal('accept'), actor: actorSchema }),
  z.object({ type: z.literal('return'), actor: actorSchema, reason: z.string() }),
  z.object({ type: z.literal('reply'), actor: actorSchema, text: z.string() }),
  z.object({ type: z.literal('close'), actor: actorSchema }),
  z.object({ type: z.literal('feedback'), actor: actorSchema, satisfaction: z.number(), comment: z.string().optional() }),
  z.object({ type: z.literal('reopen'), actor: actorSchema, reason: z.string() }),
  z.object({ type: z.literal('link_incident'), actor: actorSchema, incidentId: z.string(), how: z.enum(['opened', 'joined']) }),
  z.object({ type: z.literal('tick') }),
]);

/** A validated intake as it travels to the twin writer. */
export const caseIntakeSchema = z.object({
  source: z.string(),
  externalId: z.string(),
  channel: z.enum(['http', 'mqtt']),
  eventType: z.enum(EVENT_TYPES),
  category: z.enum(CASE_CATEGORIES),
  reportedCategory: z.string().nullable(),
  severity: z.number().nullable(),
  text: z.string(),
  caller: z.object({ name: z.string().nullable(), phone: z.string().nullable() }),
  lng: z.number(),
  lat: z.number(),
  address: z.string().nullable(),
  district: z.string().nullable(),
  receivedAt: z.number(),
});

/** The dispatch desk: sees every case with its caller, assigns, closes, records feedback, reopens. */
const DESK_ROLES = new Set(['admin', 'dispatcher']);
/** Staff who see cases without the caller (case-view.ts `staff`). */
const STAFF_ROLES = new Set(['operator', 'analyst']);

/** Who the principal is to the case desk: the dispatch desk, a bound department, other staff. */
export interface CaseSeat {
  desk: boolean;
  /** The department the account is bound to, when it holds the `department` role and is bound. */
  department: string | null;
  staff: boolean;
  /** Holds the `department` role without a binding: sees and does nothing until an admin binds it. */
  unbound: boolean;
}

export function caseSeatOf(principal: Principal, boundDepartment: string | null): CaseSeat {
  const isDepartment = principal.roles.includes('department');
  return {
    desk: principal.roles.some((r) => DESK_ROLES.has(r)),
    department: isDepartment ? boundDepartment : null,
    staff: principal.roles.some((r) => STAFF_ROLES.has(r)),
    unbound: isDepartment && boundDepartment === null,
  };
}

/**
 * How the seat looks at one case: the desk sees everything; the case's own department sees it
 * with the caller; other staff without the caller; another department not at all (null).
 */
export function caseViewerFor(seat: CaseSeat, c: Pick<HotlineCase, 'department'>): CaseViewer | null {
  if (seat.desk) return { role: 'hotline_desk' };
  if (seat.department !== null && c.department === seat.department) return { role: 'department', department: seat.department };
  if (seat.staff) return { role: 'staff' };
  return null;
}

/** The department's own commands; the others are the dispatch desk's (or, linking, an operator's). */
const DEPARTMENT_COMMANDS = new Set<CaseCommandBody['command']>(['accept', 'return', 'reply']);

/**
 * The actor a principal gives `command` as: a department's handler for the department's own
 * commands (and for closing a case of its own), the dispatch desk for the rest, an operator for a
 * link. The workflow decides whether that actor may (case-workflow.ts).
 */
export function caseActorFor(
  principal: Principal,
  seat: CaseSeat,
  command: CaseCommandBody['command'],
  c: Pick<HotlineCase, 'department'>,
): CaseActor {
  const user = principal.username;
  const asDepartment = seat.department !== null ? { user, role: 'department' as const, department: seat.department } : null;
  if (asDepartment && (DEPARTMENT_COMMANDS.has(command) || (command === 'close' && !seat.desk && c.department === seat.department)))
    return asDepartment;
  if (seat.desk) return { user, role: 'dispatcher' };
  if (command === 'link_incident' && principal.roles.includes('operator')) return { user, role: 'operator' };
  if (asDepartment) return asDepartment;
  return { user, role: 'operator' };
}

/** The HTTP status of a refusal: not found, not allowed, conflicting with the case as it is, or a bad request. */
export const CASE_REFUSAL_STATUS: Readonly<Record<CaseRefusalCode, 400 | 403 | 404 | 409>> = {
  unknown_case: 404,
  actor_required: 403,
  role_not_allowed: 403,
  department_required: 403,
  other_department: 403,
  wrong_status: 409,
  close_without_reply: 409,
  feedback_before_close: 409,
  feedback_given: 409,
  already_assigned: 409,
  already_linked: 409,
  reason_required: 400,
  text_required: 400,
  text_too_long: 400,
  unknown_department: 400,
  automatic_override: 400,
  invalid_satisfaction: 400,
  invalid_incident: 400,
};

const str = (v: unknown) => String(v ?? '');

/** A refusal in English for the API (the console words the code in the user's language). */
export function caseRefusalMessage(r: CaseRefusal, departments: readonly string[] = []): string {
  const p = r.params;
  switch (r.code) {
    case 'unknown_case':
      return `case ${quoteValue(p.caseId)} is not known`;
    case 'actor_required':
      return 'a command needs a signed-in user';
    case 'role_not_allowed':
      return `a ${str(p.role)} may not ${str(p.command)} a case; that is for: ${str(p.allowed)}`;
    case 'department_required':
      return `the account "${str(p.user)}" is not bound to a department; an admin binds it (POST /api/case-departments/{username})`;
    case 'other_department':
      return `the case is not with your department "${str(p.department)}"`;
    case 'wrong_status':
      return `the case is ${str(p.status)}; this needs: ${str(p.needs)}`;
    case 'close_without_reply':
      return `the case is ${str(p.status)}: it is closed only after the citizen has a reply`;
    case 'feedback_before_close':
      return `the case is ${str(p.status)}: feedback comes after closing`;
    case 'feedback_given':
      return `feedback was already given in round ${str(p.round)}`;
    case 'reason_required':
      return `${str(p.command)} needs a reason`;
    case 'text_required':
      return `the ${str(p.field)} needs text`;
    case 'text_too_long':
      return `the ${str(p.field)} has ${str(p.length)} characters; at most ${str(p.max)} are accepted`;
    case 'unknown_department':
      return `${quoteValue(p.department)} is not a department of the source catalogue${departments.length ? `; accepted: ${departments.join(', ')}` : ''}`;
    case 'already_assigned':
      return `the case is already with "${str(p.department)}"`;
    case 'automatic_override':
      return `the routing may only assign to "${str(p.routed)}", not "${str(p.department)}"`;
    case 'invalid_satisfaction':
      return `satisfaction ${quoteValue(p.value)} is not a whole number from 1 to 5`;
    case 'invalid_incident':
      return `${quoteValue(p.incidentId)} is not an incident id such as inc-000012`;
    case 'already_linked':
      return `the case is already linked to ${str(p.incidentId)}`;
  }
}
