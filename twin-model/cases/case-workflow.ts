/**
 * The case workflow as ONE pure updater, `applyCaseCommand(state, command, ctx)`: the next case
 * and the events it emitted (`case_assigned`, `case_overdue` …, each carrying the case after the
 * change, as incident changes do), or a refusal with a code and parameters, worded at the edge in
 * the user's language. Time comes from `ctx`; nothing here reads a clock or does I/O, so the
 * same code runs live, in replay and in tests. The case given is never changed.
 *
 * Who may do what (docs/cases.md#the-workflow):
 * | command         | roles                            | from                                          | to          |
 * | assign          | dispatcher, system (routing)     | received, returned, reopened, assigned, accepted | assigned |
 * | accept          | department (its own case)        | assigned                                      | accepted    |
 * | return          | department (its own case)        | assigned, accepted                            | returned    |
 * | reply           | department (its own case)        | accepted                                      | replied     |
 * | close           | dispatcher, hotline, department  | replied                                       | closed      |
 * | feedback        | hotline, dispatcher              | closed (once a round)                         | closed      |
 * | reopen          | hotline, dispatcher              | closed                                        | reopened    |
 * | link_incident   | system, operator, dispatcher     | any                                           | (unchanged) |
 * | tick            | (the time-limit clock)           | any                                           | (unchanged) |
 */
import { ID_PATTERN } from '../vocabulary.ts';
import { routeCase } from './case-routing.ts';
import type { CaseRules } from './case-rules.ts';
import { slaDeadline, slaLimitOf } from './case-sla.ts';
import {
  REPLY_OWED,
  type CaseActor,
  type CaseActorRole,
  type CaseContext,
  type CaseHappening,
  type CaseParams,
  type CaseStatus,
  type HotlineCase,
} from './case-types.ts';

export const MAX_REPLY_CHARS = 2000;
export const MAX_REASON_CHARS = 500;
export const MAX_COMMENT_CHARS = 500;

export type CaseCommand =
  | { type: 'assign'; actor: CaseActor; department: string; reason?: string }
  | { type: 'accept'; actor: CaseActor }
  | { type: 'return'; actor: CaseActor; reason: string }
  | { type: 'reply'; actor: CaseActor; text: string }
  | { type: 'close'; actor: CaseActor }
  | { type: 'feedback'; actor: CaseActor; satisfaction: number; comment?: string }
  | { type: 'reopen'; actor: CaseActor; reason: string }
  | { type: 'link_incident'; actor: CaseActor; incidentId: string; how: 'opened' | 'joined' }
  /** The time-limit clock: marks limits missed since the last tick. */
  | { type: 'tick' };

export type CaseCommandType = CaseCommand['type'];

export const CASE_REFUSALS = [
  /** An empty user name. */
  'actor_required',
  /** The actor's role may not do this (`role`, `command`, `allowed`). */
  'role_not_allowed',
  /** A department actor that names no department. */
  'department_required',
  /** A department acting on a case that is not (or no longer) with it (`department`, `caseDepartment`). */
  'other_department',
  /** The command needs another status (`status`, `needs`). */
  'wrong_status',
  /** Closing a case the citizen has had no reply on (`status`). */
  'close_without_reply',
  /** Feedback on a case not closed (`status`). */
  'feedback_before_close',
  /** Feedback given twice in one round (`round`). */
  'feedback_given',
  /** A return, override, re-assignment or reopening without a reason (`command`). */
  'reason_required',
  /** A reply without text. */
  'text_required',
  /** A text over its limit (`field`, `max`, `length`). */
  'text_too_long',
  /** A department not in the source catalogue (`department`). */
  'unknown_department',
  /** Assigning a case to the department it is already with (`department`). */
  'already_assigned',
  /** The routing (system) assigning elsewhere than its table says, or re-assigning (`department`, `routed`). */
  'automatic_override',
  /** Satisfaction not a whole number 1–5 (`value`). */
  'invalid_satisfaction',
  /** An incident id that is not an id (`incidentId`). */
  'invalid_incident',
  /** The case is already linked to that incident (`incidentId`). */
  'already_linked',
  /** No case with this id (`caseId`): from the desk. */
  'unknown_case',
] as const;
export type CaseRefusalCode = (typeof CASE_REFUSALS)[number];

export interface CaseRefusal {
  code: CaseRefusalCode;
  params: CaseParams;
}

/** One thing that happened to a case: stored as a change, pushed to consoles, escalated (`case_overdue`). */
export interface CaseEvent {
  type: `case_${CaseHappening}`;
  caseId: string;
  at: number;
  actor: CaseActor;
  reason: string | null;
  params: CaseParams;
  /** The case after the change. */
  case: HotlineCase;
}

export type CaseResult = { ok: true; state: HotlineCase; emitted: CaseEvent[] } | { ok: false; refusal: CaseRefusal };

export interface CaseWorkflowContext extends CaseContext {
  rules: CaseRules;
}

/** The actor of the time-limit clock. */
export const SLA_CLOCK: CaseActor = { user: 'sla-clock', role: 'system' };
/** The actor of automatic assignment. */
export const ROUTING: CaseActor = { user: 'routing', role: 'system' };

const ALLOWED: Readonly<Record<Exclude<CaseCommandType, 'tick'>, readonly CaseActorRole[]>> = {
  assign: ['dispatcher', 'system'],
  accept: ['department'],
  return: ['department'],
  reply: ['department'],
  close: ['dispatcher', 'hotline', 'department'],
  feedback: ['hotline', 'dispatcher'],
  reopen: ['hotline', 'dispatcher'],
  link_incident: ['system', 'operator', 'dispatcher'],
};

const ASSIGNABLE: ReadonlySet<CaseStatus> = new Set(['received', 'returned', 'reopened', 'assigned', 'accepted']);
const WITH_DEPARTMENT: ReadonlySet<CaseStatus> = new Set(['assigned', 'accepted']);

const refuse = (code: CaseRefusalCode, params: CaseParams = {}): CaseResult => ({ ok: false, refusal: { code, params } });

/** The case after one happening, and its event. */
function happen(
  c: HotlineCase,
  at: number,
  actor: CaseActor,
  what: CaseHappening,
  reason: string | null,
  params: CaseParams,
  patch: Partial<HotlineCase>,
): { state: HotlineCase; event: CaseEvent } {
  const state: HotlineCase = {
    ...c,
    ...patch,
    history: [...c.history, { at, actor: { ...actor }, what, reason, params }],
    updatedAt: at,
  };
  return { state, event: { type: `case_${what}`, caseId: c.id, at, actor: { ...actor }, reason, params, case: state } };
}

function one(
  c: HotlineCase,
  at: number,
  actor: CaseActor,
  what: CaseHappening,
  reason: string | null,
  params: CaseParams,
  patch: Partial<HotlineCase>,
): CaseResult {
  const { state, event } = happen(c, at, actor, what, reason, params, patch);
  return { ok: true, state, emitted: [event] };
}

/** A reason the command must carry: trimmed, non-empty, within its limit. */
function reasonProblem(command: string, reason: string | undefined): CaseResult | null {
  const r = reason?.trim() ?? '';
  if (r === '') return refuse('reason_required', { command });
  if (r.length > MAX_REASON_CHARS) return refuse('text_too_long', { field: 'reason', max: MAX_REASON_CHARS, length: r.length });
  return null;
}

/** The department checks of a department actor: it names one, and the case is with it. */
function ownCase(c: HotlineCase, actor: CaseActor): CaseResult | null {
  if (actor.role !== 'department') return null;
  if (!actor.department) return refuse('department_required', { user: actor.user });
  if (c.department !== actor.department)
    return refuse('other_department', { department: actor.department, caseDepartment: c.department ?? '' });
  return null;
}

function tick(c: HotlineCase, ctx: CaseWorkflowContext): CaseResult {
  const now = ctx.now();
  let state = c;
  const emitted: CaseEvent[] = [];
  const { acceptBy, replyBy } = c.sla;
  /** The clock marks a stage overdue: its event, and the moment noted in the case's time limits. */
  const overdue = (stage: 'accept' | 'reply', deadline: number, noted: Partial<HotlineCase['sla']>): void => {
    const params = { stage, deadline, department: c.department ?? '', overdueMin: Math.floor((now - deadline) / 60_000) };
    const r = happen(state, now, SLA_CLOCK, 'overdue', null, params, { sla: { ...state.sla, ...noted } });
    state = r.state;
    emitted.push(r.event);
  };
  if (c.status === 'assigned' && acceptBy !== null && now > acceptBy && c.sla.acceptOverdueAt === null)
    overdue('accept', acceptBy, { acceptOverdueAt: now });
  if (REPLY_OWED.has(c.status) && now > replyBy && c.sla.replyOverdueAt === null) overdue('reply', replyBy, { replyOverdueAt: now });
  return { ok: true, state, emitted };
}

function assign(c: HotlineCase, command: Extract<CaseCommand, { type: 'assign' }>, ctx: CaseWorkflowContext): CaseResult {
  const { rules } = ctx;
  if (!ASSIGNABLE.has(c.status)) return refuse('wrong_status', { status: c.status, needs: [...ASSIGNABLE].join(', ') });
  const department = command.department.trim();
  if (!rules.departments.includes(department)) return refuse('unknown_department', { department });
  const reassign = WITH_DEPARTMENT.has(c.status);
  if (reassign && department === c.department) return refuse('already_assigned', { department });
  const route = routeCase(rules.routing, c.category, c.place.district);
  const override = department !== route.department;
  if (command.actor.role === 'system' && (override || reassign)) {
    return refuse('automatic_override', { department, routed: route.department });
  }
  if (command.actor.role !== 'system' && (override || reassign)) {
    const problem = reasonProblem('assign', command.reason);
    if (problem) return problem;
  }
  const now = ctx.now();
  const limit = slaLimitOf(rules.sla, c.category);
  const acceptBy = slaDeadline(now, limit.acceptH, limit.time, rules.sla.calendar, rules.timeZone);
  return one(
    c,
    now,
    command.actor,
    'assigned',
    command.reason?.trim() || null,
    { department, routed: route.department, match: route.match, override, reassign, from: c.department ?? '', acceptBy },
    { status: 'assigned', department, acceptedAt: null, sla: { ...c.sla, acceptBy, acceptOverdueAt: null } },
  );
}

/** Applies one command to one case (pure: `state` is not changed). */
export function applyCaseCommand(state: HotlineCase, command: CaseCommand, ctx: CaseWorkflowContext): CaseResult {
  if (command.type === 'tick') return tick(state, ctx);
  const { actor } = command;
  if (actor.user.trim() === '') return refuse('actor_required');
  const allowed = ALLOWED[command.type];
  if (!allowed.includes(actor.role))
    return refuse('role_not_allowed', { role: actor.role, command: command.type, allowed: allowed.join(', ') });
  const c = state;
  const now = ctx.now();
  switch (command.type) {
    case 'assign':
      return assign(c, command, ctx);
    case 'accept': {
      const own = ownCase(c, actor);
      if (own) return own;
      if (c.status !== 'assigned') return refuse('wrong_status', { status: c.status, needs: 'assigned' });
      return one(
        c,
        now,
        actor,
        'accepted',
        null,
        { department: c.department ?? '', onTime: c.sla.acceptBy === null || now <= c.sla.acceptBy },
        {
          status: 'accepted',
          acceptedAt: now,
        },
      );
    }
    case 'return': {
      const own = ownCase(c, actor);
      if (own) return own;
      if (!WITH_DEPARTMENT.has(c.status)) return refuse('wrong_status', { status: c.status, needs: 'assigned, accepted' });
      const problem = reasonProblem('return', command.reason);
      if (problem) return problem;
      return one(
        c,
        now,
        actor,
        'returned',
        command.reason.trim(),
        { department: c.department ?? '' },
        {
          status: 'returned',
          department: null,
          acceptedAt: null,
          sla: { ...c.sla, acceptBy: null, acceptOverdueAt: null },
        },
      );
    }
    case 'reply': {
      const own = ownCase(c, actor);
      if (own) return own;
      if (c.status !== 'accepted') return refuse('wrong_status', { status: c.status, needs: 'accepted' });
      const text = command.text.trim();
      if (text === '') return refuse('text_required', { field: 'reply' });
      if (text.length > MAX_REPLY_CHARS) return refuse('text_too_long', { field: 'reply', max: MAX_REPLY_CHARS, length: text.length });
      const onTime = now <= c.sla.replyBy;
      return one(
        c,
        now,
        actor,
        'replied',
        null,
        { department: c.department ?? '', onTime },
        {
          status: 'replied',
          reply: { text, at: now, by: actor.user, department: c.department ?? '', onTime },
        },
      );
    }
    case 'close': {
      const own = ownCase(c, actor);
      if (own) return own;
      if (c.status === 'closed') return refuse('wrong_status', { status: c.status, needs: 'replied' });
      if (c.status !== 'replied') return refuse('close_without_reply', { status: c.status });
      return one(c, now, actor, 'closed', null, { department: c.department ?? '' }, { status: 'closed', closedAt: now });
    }
    case 'feedback': {
      if (c.status !== 'closed') return refuse('feedback_before_close', { status: c.status });
      if (c.feedback !== null) return refuse('feedback_given', { round: c.round });
      const s = command.satisfaction;
      if (!Number.isInteger(s) || s < 1 || s > 5) return refuse('invalid_satisfaction', { value: String(s) });
      const comment = command.comment?.trim() || null;
      if (comment && comment.length > MAX_COMMENT_CHARS)
        return refuse('text_too_long', { field: 'comment', max: MAX_COMMENT_CHARS, length: comment.length });
      return one(
        c,
        now,
        actor,
        'feedback',
        null,
        { satisfaction: s, department: c.department ?? '' },
        {
          feedback: { satisfaction: s, comment, at: now },
        },
      );
    }
    case 'reopen': {
      if (c.status !== 'closed') return refuse('wrong_status', { status: c.status, needs: 'closed' });
      const problem = reasonProblem('reopen', command.reason);
      if (problem) return problem;
      const limit = slaLimitOf(ctx.rules.sla, c.category);
      const replyBy = slaDeadline(now, limit.replyH, limit.time, ctx.rules.sla.calendar, ctx.rules.timeZone);
      return one(
        c,
        now,
        actor,
        'reopened',
        command.reason.trim(),
        { round: c.round + 1, replyBy, department: c.department ?? '' },
        {
          status: 'reopened',
          round: c.round + 1,
          acceptedAt: null,
          reply: null,
          closedAt: null,
          feedback: null,
          sla: { ...c.sla, acceptBy: null, acceptOverdueAt: null, replyBy, replyOverdueAt: null },
        },
      );
    }
    case 'link_incident': {
      if (!ID_PATTERN.test(command.incidentId)) return refuse('invalid_incident', { incidentId: command.incidentId });
      if (c.incident?.incidentId === command.incidentId) return refuse('already_linked', { incidentId: command.incidentId });
      return one(
        c,
        now,
        actor,
        'incident_linked',
        null,
        { incidentId: command.incidentId, how: command.how, previous: c.incident?.incidentId ?? '' },
        { incident: { incidentId: command.incidentId, how: command.how, at: now } },
      );
    }
  }
}
