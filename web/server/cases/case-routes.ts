/**
 * The hotline case desk over HTTP (docs/cases.md): intake from the hotline's system, the list and
 * a case with its history, commands, the departments and their handlers' bindings, and the case
 * KPI. Every case answered is a view (twin-model/cases/case-view.ts): the dispatch desk sees it
 * all, a department only its own cases (another department's case is "not known"), operators and
 * analysts no caller, and below `internal` clearance nothing. The workflow decides who may give
 * which command; its refusal codes become HTTP statuses here.
 */
import { z } from 'zod';
import { quoteValue } from '../../../twin-model/quote-value.ts';
import {
  CASE_CATEGORIES,
  CASE_STATUSES,
  caseKpi,
  caseView,
  parseCaseBody,
  describeIntakeProblems,
  proposeIncidentLink,
  type CaseView,
  type HotlineCase,
} from '../../../twin-model/cases/index.ts';
import { USERNAME_PATTERN, type Principal } from '../auth/auth-types.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { HttpError, route, timeParam, type Route } from '../app/http-router.ts';
import type { TwinService } from '../live/twin-service.ts';
import {
  caseListItemOf,
  isCaseOverdue,
  type CaseCommandResponse,
  type CaseDepartmentsResponse,
  type CaseDetailResponse,
  type CaseIntakeResponse,
  type CaseKpiResponse,
  type CaseListItem,
  type CaseListResponse,
} from '../../shared/case-protocol.ts';
import {
  CASE_REFUSAL_STATUS,
  caseActorFor,
  caseCommandBody,
  caseCommandOf,
  caseRefusalMessage,
  caseSeatOf,
  caseViewerFor,
  type CaseSeat,
} from './case-commands.ts';
import {
  caseBindingSchema,
  caseCommandSchema,
  caseDepartmentsSchema,
  caseDetailSchema,
  caseIntakeSchema,
  caseKpiResponseSchema,
  caseListSchema,
} from './case-schemas.ts';
import type { CaseService } from './case-service.ts';
import type { DepartmentBindings } from './department-bindings.ts';

export interface CaseRouteDeps {
  cases: CaseService;
  bindings: DepartmentBindings;
  /** The incidents a case could join (the dispatch desk's proposal). */
  twin?: TwinService | null;
  audit?: AuditService | null;
}

/** Case ids as the desk numbers them. */
const caseIdSchema = z.string().regex(/^case-\d{8}-\d{5,}$/, 'a case id such as case-20260701-00012');
/** The KPI period when none is given: the last 30 days. */
const KPI_DEFAULT_DAYS = 30;
/** The most cases one KPI answer counts. */
const KPI_MAX_CASES = 10_000;

/**
 * What every case route shares: who the caller is to the desk, what it may see of a case. The
 * desk's failures (CaseDeskUnavailable) answer 503 with the worded internal-error body (the router).
 */
function caseAccess(deps: CaseRouteDeps) {
  /** Who the principal is to the desk. A case handler not yet bound to a department sees no case (`department: null`). */
  const seatOf = async (principal: Principal | null): Promise<CaseSeat> => {
    if (!principal) throw new HttpError(401, 'sign in first');
    return caseSeatOf(principal, principal.roles.includes('department') ? await deps.bindings.departmentOf(principal.username) : null);
  };
  const viewOf = (c: HotlineCase, seat: CaseSeat, principal: Principal): CaseView | null => {
    const viewer = caseViewerFor(seat, c);
    return viewer ? caseView(c, principal.clearance, viewer) : null;
  };
  /** A case the caller may see, or 404 — the same answer for a case of another department as for none. */
  const visibleCase = async (caseId: string, seat: CaseSeat, principal: Principal): Promise<{ c: HotlineCase; view: CaseView }> => {
    const c = await deps.cases.get(caseId);
    const view = c ? viewOf(c, seat, principal) : null;
    if (!c || !view) throw new HttpError(404, `case "${caseId}" is not known`);
    return { c, view };
  };
  const caseParams = z.object({ caseId: caseIdSchema });

  return { seatOf, viewOf, visibleCase, caseParams };
}

type CaseAccess = ReturnType<typeof caseAccess>;

export function caseRoutes(deps: CaseRouteDeps): Route[] {
  const access = caseAccess(deps);
  return [
    intakeRoute(deps),
    listRoute(deps, access),
    detailRoute(deps, access),
    commandRoute(deps, access),
    departmentsRoute(deps, access),
    bindRoute(deps, access),
    kpiRoute(deps),
  ];
}

/** A case from the hotline's system. */
function intakeRoute(deps: CaseRouteDeps): Route {
  return route({
    method: 'POST',
    path: '/api/cases',
    operationId: 'createCase',
    response: caseIntakeSchema,
    permission: 'cases.intake',
    tag: 'cases',
    summary: "A hotline case from the 12345 hotline's system: numbered, placed, checked for repeats and assigned by the routing table",
    description:
      "Body (JSON, strict: an unknown field is refused): `externalId` (the hotline's id, 1–64 of A–Z a–z 0–9 . _ -), `source` (optional, default the hotline's event source), `category` (" +
      CASE_CATEGORIES.join(', ') +
      '), `text` (1–2000 characters), `caller` { `name`, `phone` } (optional), `lng`, `lat`, `address` (optional), `district` (optional: looked up from the place), `severity` 1–5 (optional), `receivedAt` (epoch ms or RFC 3339, at most 5 minutes ahead and 30 days old). The same `externalId` from the same source gives back the case already made (`duplicate: true`). Errors quote the bad value, except the text, the caller and the address.',
    returns: 'CaseIntakeResponse { caseId, duplicate, status, department }',
    body: z.unknown().describe('CaseBody (docs/cases.md#intake)'),
    handler: async ({ body }): Promise<CaseIntakeResponse> => {
      const parsed = parseCaseBody(body, { now: Date.now(), defaultSource: deps.cases.defaultSource });
      if (!parsed.ok) throw new HttpError(400, `invalid case: ${describeIntakeProblems(parsed.problems)}`, { problems: parsed.problems });
      const outcome = await deps.cases.intake(parsed.intake);
      if (!outcome.ok) throw new HttpError(CASE_REFUSAL_STATUS[outcome.refusal.code], caseRefusalMessage(outcome.refusal));
      return { caseId: outcome.case.id, duplicate: outcome.duplicate, status: outcome.case.status, department: outcome.case.department };
    },
  });
}

/** The cases the caller may see. */
function listRoute(deps: CaseRouteDeps, access: CaseAccess): Route {
  const { seatOf, viewOf } = access;
  return route({
    method: 'GET',
    path: '/api/cases',
    operationId: 'listCases',
    response: caseListSchema,
    permission: 'cases.read',
    tag: 'cases',
    summary:
      "Hotline cases, newest received first: the desk's cases in hand (open, and closed within a week), or those received in a period",
    description:
      "Filters: `status`, `category`, `overdue` (yes: a time limit is missed now), `department`, `from`/`to` (received in the period, from the store). A department's handler sees only the cases with its department. What each case shows depends on the caller (docs/cases.md#privacy).",
    returns: 'CaseListResponse { cases: [CaseView without history, overdue], total, department }',
    query: z.object({
      status: z.enum(CASE_STATUSES).optional(),
      category: z.enum(CASE_CATEGORIES).optional(),
      overdue: z.enum(['yes', 'no']).optional(),
      department: z.string().trim().min(1).max(120).optional(),
      from: timeParam.optional(),
      to: timeParam.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
    }),
    handler: async ({ query, principal }): Promise<CaseListResponse> => {
      const seat = await seatOf(principal);
      if (query.from !== undefined && query.to !== undefined && query.from > query.to)
        throw new HttpError(400, `from (${query.from}) is after to (${query.to})`);
      let department = query.department;
      if (!seat.desk && !seat.staff && seat.department === null) return { cases: [], total: 0, department: null };
      if (!seat.desk && !seat.staff) {
        if (department !== undefined && department !== seat.department)
          throw new HttpError(403, `a department's handler sees only the cases of "${seat.department}", not ${quoteValue(department)}`);
        department = seat.department!;
      }
      const cases = await deps.cases.list({
        ...(department !== undefined ? { department } : {}),
        ...(query.from !== undefined ? { from: query.from } : {}),
        ...(query.to !== undefined ? { to: query.to } : {}),
        limit: 10_000,
      });
      const items: CaseListItem[] = [];
      let total = 0;
      for (const c of cases) {
        if (query.status !== undefined && c.status !== query.status) continue;
        if (query.category !== undefined && c.category !== query.category) continue;
        const view = viewOf(c, seat, principal!);
        if (!view) continue;
        const item = caseListItemOf(view);
        if (query.overdue !== undefined && item.overdue !== (query.overdue === 'yes')) continue;
        total++;
        if (items.length < query.limit) items.push(item);
      }
      return { cases: items, total, department: seat.department };
    },
  });
}

/** One case with its history. */
function detailRoute(deps: CaseRouteDeps, access: CaseAccess): Route {
  const { seatOf, visibleCase, caseParams } = access;
  return route({
    method: 'GET',
    path: '/api/cases/{caseId}',
    operationId: 'getCase',
    response: caseDetailSchema,
    permission: 'cases.read',
    tag: 'cases',
    summary: 'One case with its whole history (who, when, what, why) and, for the desk, whether it should join or open an incident',
    returns: 'CaseDetailResponse { case: CaseView, overdue, proposal }',
    params: caseParams,
    handler: async ({ params, principal }): Promise<CaseDetailResponse> => {
      const seat = await seatOf(principal);
      const { c, view } = await visibleCase(params.caseId, seat, principal!);
      const proposal = (seat.desk || seat.staff) && deps.twin ? proposeIncidentLink(c, deps.twin.activeIncidents()) : null;
      return { case: view, overdue: isCaseOverdue(view), proposal };
    },
  });
}

/** A command on a case. */
function commandRoute(deps: CaseRouteDeps, access: CaseAccess): Route {
  const { seatOf, viewOf, visibleCase, caseParams } = access;
  return route({
    method: 'POST',
    path: '/api/cases/{caseId}/commands',
    operationId: 'commandCase',
    response: caseCommandSchema,
    permission: 'cases.act',
    tag: 'cases',
    summary: 'A command on a case: assign, override, accept, return, reply, close, feedback, reopen, link_incident',
    description:
      'Body: `{ command, … }` — `assign` { department, reason? } (a reason when re-assigning a case a department holds), `override` { department, reason } (elsewhere than the routing table says), `accept`, `return` { reason }, `reply` { text }, `close`, `feedback` { satisfaction 1–5, comment? }, `reopen` { reason }, `link_incident` { incidentId }. The dispatch desk assigns, overrides, closes, records feedback and reopens; the department the case is with accepts, replies, returns and closes; operators link. A command that does not apply to the case as it is gets 409 with the reason (`code`, `params`).',
    returns: 'CaseCommandResponse { case: CaseView, happened: ["case_assigned", …] }',
    params: caseParams,
    body: caseCommandBody,
    handler: async ({ params, body, principal }): Promise<CaseCommandResponse> => {
      const seat = await seatOf(principal);
      const { c } = await visibleCase(params.caseId, seat, principal!);
      const actor = caseActorFor(principal!, seat, body.command, c);
      const outcome = await deps.cases.command(params.caseId, caseCommandOf(body, actor));
      if (!outcome.ok)
        throw new HttpError(CASE_REFUSAL_STATUS[outcome.refusal.code], caseRefusalMessage(outcome.refusal, deps.cases.rules.departments), {
          code: outcome.refusal.code,
          params: outcome.refusal.params,
        });
      const view = viewOf(outcome.case, seat, principal!);
      // Returned or re-assigned away from the caller's department: it no longer sees the case.
      if (!view) return { case: recordOnly(outcome.case, principal!), happened: outcome.happened };
      return { case: view, happened: outcome.happened };
    },
  });
}

/** The departments and the caller's own. */
function departmentsRoute(deps: CaseRouteDeps, access: CaseAccess): Route {
  const { seatOf } = access;
  return route({
    method: 'GET',
    path: '/api/case-departments',
    operationId: 'listCaseDepartments',
    response: caseDepartmentsSchema,
    permission: 'cases.read',
    tag: 'cases',
    summary: "The departments hotline cases go to (the source catalogue), the routing fallback, and the caller's own department",
    description: 'The dispatch desk and admins also get who is bound to which department.',
    returns: 'CaseDepartmentsResponse { departments, namesEn, fallback, mine, bindings }',
    handler: async ({ principal }): Promise<CaseDepartmentsResponse> => {
      const seat = await seatOf(principal);
      return {
        departments: [...deps.cases.rules.departments],
        namesEn: [...deps.cases.rules.departmentNamesEn].map(([department, nameEn]) => ({ department, nameEn })),
        fallback: deps.cases.rules.routing.fallback,
        mine: seat.department,
        bindings: seat.desk ? await deps.bindings.list() : null,
      };
    },
  });
}

/** Binding a handler's account to its department. */
function bindRoute(deps: CaseRouteDeps, _access: CaseAccess): Route {
  return route({
    method: 'POST',
    path: '/api/case-departments/{username}',
    operationId: 'bindCaseDepartment',
    response: caseBindingSchema,
    permission: 'users.manage',
    tag: 'cases',
    summary: "Binds a case handler's account to its department (or unbinds it with `department: null`)",
    description:
      'The account sees and acts on the cases of that department only, with the `department` role. Recorded in the audit record.',
    returns: '{ username, department, changedBy, updatedAt }',
    params: z.object({ username: z.string().regex(USERNAME_PATTERN, 'a user name: a–z first, then a–z 0–9 . _ -, 2–32 characters') }),
    body: z.object({ department: z.string().trim().min(1).max(120).nullable() }).strict(),
    handler: async ({ params, body, principal }) => {
      if (!principal) throw new HttpError(401, 'sign in first');
      const departments = deps.cases.rules.departments;
      if (body.department !== null && !departments.includes(body.department))
        throw new HttpError(
          400,
          `${quoteValue(body.department)} is not a department of the source catalogue; accepted: ${departments.join(', ')}`,
        );
      const row = await deps.bindings.bind(params.username, body.department, principal.username);
      deps.audit?.record({
        at: row.updatedAt,
        actor: principal.username,
        stream: 'config',
        action: 'case_department',
        object: params.username,
        detail: body.department ?? '(unbound)',
        data: { department: row.department },
      });
      return row;
    },
  });
}

/** The case KPI. */
function kpiRoute(deps: CaseRouteDeps): Route {
  return route({
    method: 'GET',
    path: '/api/kpi/cases',
    operationId: 'getCaseKpi',
    response: caseKpiResponseSchema,
    permission: 'kpi.read',
    tag: 'kpi',
    summary: 'Case KPI: cases by status and department, on-time rate, satisfaction, repeat callers per place — counts only',
    description:
      'Over the cases received in `from`…`to` (default the last 30 days), each as it is now. No text, no caller, no phone hash; places are ≈500 m cells with at least 3 cases, and only for callers cleared for `internal`.',
    returns: 'CaseKpiResponse { at, from, to, kpi, truncated }',
    query: z.object({ from: timeParam.optional(), to: timeParam.optional() }),
    handler: async ({ query, principal }): Promise<CaseKpiResponse> => {
      const at = Date.now();
      const to = query.to ?? at + 1;
      const from = query.from ?? to - KPI_DEFAULT_DAYS * 86_400_000;
      if (from > to) throw new HttpError(400, `from (${from}) is after to (${to})`);
      const cases = await deps.cases.list({ from, to, limit: KPI_MAX_CASES });
      const kpi = caseKpi(cases, { now: at });
      if (!(principal?.clearance ?? []).includes('internal')) kpi.repeatPlaces = [];
      return { at, from, to, kpi, truncated: cases.length >= KPI_MAX_CASES };
    },
  });
}

/** What a department may still know of a case it just gave away (returned, re-assigned): the record, internal. */
function recordOnly(c: HotlineCase, principal: Principal): CaseView {
  const view = caseView(
    c,
    principal.clearance.filter((x) => x !== 'sensitive'),
    { role: 'staff' },
  );
  if (!view) throw new HttpError(404, `case "${c.id}" is not known`);
  return view;
}
