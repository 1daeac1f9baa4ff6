/**
 * Dispatch over HTTP: the units, recommendations for an incident, assignments (with overrides),
 * unit status changes, the hash-chained dispatch log (export and verification) and response
 * times. Every route names its permission (auth/policy.ts); every input is validated; a refusal's
 * code becomes its HTTP status here ({@link STATUS_OF_REFUSAL}).
 */
import { z } from 'zod';
import type { IncidentStore } from '../../../storage/index.ts';
import {
  DispatchError,
  ID_PATTERN,
  unitChangeSchema,
  responseTimesOf,
  SHOWN_RECOMMENDATIONS,
  summarizeResponseTimes,
  UNIT_STATUSES,
  type DispatchErrorCode,
  type ResponseUnit,
  type UnitChange,
  type UnitRecommendation,
  type UnitTrip,
} from '../../../twin-model/index.ts';
import { incidentResponseTimesSchema, recommendationViewSchema, responseSummarySchema, unitViewSchema } from '../../shared/api-schemas.ts';
import type { RecommendationView, TripView, UnitView } from '../../shared/protocol.ts';
import type { AuditRecorder } from '../audit/audit-routes.ts';
import { NoWriterError } from '../cluster/cluster-bus.ts';
import { HttpError, route, timeParam, type RawResponse, type Route } from '../app/http-router.ts';
import type { DispatchService } from './dispatch-service.ts';

export interface DispatchDeps {
  dispatch: DispatchService;
  incidentStore?: IncidentStore | null;
  /** Exports of the log are recorded here. */
  audit?: AuditRecorder | null;
}

export function tripView(trip: UnitTrip | null | undefined): TripView | null {
  if (!trip) return null;
  return {
    incidentId: trip.incidentId,
    leg: trip.leg,
    since: trip.since,
    etaS: Math.round(trip.route.travelTimeS),
    lengthM: Math.round(trip.route.lengthM),
    reroutes: trip.reroutes,
    path: trip.route.coords,
    cumulativeS: trip.route.cumulativeS.map((s) => Math.round(s * 10) / 10),
  };
}

export function unitView(dispatch: DispatchService, unit: ResponseUnit): UnitView {
  return { ...unit, warnings: dispatch.warningsOf(unit.id), trip: tripView(dispatch.trip(unit.id)) };
}

/** Recommendations as the console shows them: with the unit's names, status and version. */
function recommendationViews(dispatch: DispatchService, recs: readonly UnitRecommendation[]): RecommendationView[] {
  return recs.map(({ route: r, ...rest }) => {
    const u = dispatch.unit(rest.unitId);
    return {
      ...rest,
      nameZh: u?.nameZh ?? rest.unitId,
      nameEn: u?.nameEn ?? rest.unitId,
      status: u?.status ?? 'available',
      version: u?.version ?? 0,
      path: r.coords,
    };
  });
}

const incidentParams = z.object({ incidentId: z.string().regex(ID_PATTERN, 'must be an incident id such as inc-000012') });
const unitParams = z.object({ unitId: z.string().regex(ID_PATTERN, 'must be 1-64 characters of [A-Za-z0-9._-]') });
const reasonText = z.string().trim().min(1).max(500);

const assignBody = z
  .object({
    unitIds: z.array(z.string().regex(ID_PATTERN)).min(1).max(20),
    reason: reasonText.optional(),
    overrideReason: reasonText.optional(),
    expectedVersions: z.record(z.string().regex(ID_PATTERN), z.number().int().min(0)).optional(),
  })
  .strict();

const statusBody = z.object({ status: z.enum(UNIT_STATUSES), reason: reasonText.optional() }).strict();

/** A unit change as answered: the change without the unit, with the unit's status and version after it. */
const unitChangesSchema = z.object({
  changes: z.array(unitChangeSchema.omit({ unit: true }).extend({ status: z.enum(UNIT_STATUSES), version: z.number() })),
});

function changeView(c: UnitChange): z.input<typeof unitChangesSchema>['changes'][number] {
  const { unit, ...rest } = c;
  return { ...rest, status: unit.status, version: unit.version };
}

const head = z.object({ seq: z.number(), hash: z.string() });
/** The dispatch log's verification (twin-model/audit/hash-chain.ts `ChainVerification`). */
const chainVerificationSchema = z.object({
  ok: z.boolean(),
  checked: z.number(),
  problems: z.array(z.object({ seq: z.number(), kind: z.enum(['altered', 'missing', 'reordered', 'bad_start']), detail: z.string() })),
  head: head.nullable(),
});

/** Response times per incident and their summary. */
const responseTimesSchema = z.object({ incidents: z.array(incidentResponseTimesSchema), summary: responseSummarySchema });

/** The HTTP status of each refusal: unknown things 404, a state that does not allow it 409, a missing reason 422, bad input 400. */
export const STATUS_OF_REFUSAL: Readonly<Record<DispatchErrorCode, number>> = {
  unknown_unit: 404,
  unknown_incident: 404,
  unit_unavailable: 409,
  version_conflict: 409,
  incident_not_active: 409,
  transition_not_allowed: 409,
  override_needs_reason: 422,
  reason_required: 422,
  unknown_status: 400,
  no_unit: 400,
};

/** Runs a dispatch call, turning its refusals into HTTP errors (with the refusal's code). */
async function refusedAsHttp<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DispatchError) throw new HttpError(STATUS_OF_REFUSAL[err.code], err.message, { code: err.code });
    if (err instanceof NoWriterError) throw new HttpError(503, err.message);
    throw err;
  }
}

export function dispatchRoutes(deps: DispatchDeps): Route[] {
  const { dispatch } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/units',
      operationId: 'listUnits',
      response: z.array(unitViewSchema),
      permission: 'units.read',
      tag: 'dispatch',
      summary: 'Every response unit with its status, position, capabilities, warnings and current trip (route, ETA)',
      returns:
        'Array of UnitView { id, kind, nameZh, nameEn, capabilities, homeStationId, homeDistrict, shift, status, lng, lat, lastFixAt, incidentId, version, warnings, trip }',
      query: z.object({ status: z.enum(UNIT_STATUSES).optional(), kind: z.string().max(40).optional() }),
      handler: async ({ query }) =>
        dispatch
          .units()
          .filter((u) => (!query.status || u.status === query.status) && (!query.kind || u.kind === query.kind))
          .map((u) => unitView(dispatch, u)),
    }),
    route({
      method: 'GET',
      path: '/api/units/{unitId}',
      operationId: 'getUnit',
      response: unitViewSchema,
      permission: 'units.read',
      tag: 'dispatch',
      summary: 'One response unit',
      returns: 'UnitView',
      params: unitParams,
      handler: async ({ params }) => {
        const u = dispatch.unit(params.unitId);
        if (!u) throw new HttpError(404, `unit "${params.unitId}" is not known`);
        return unitView(dispatch, u);
      },
    }),
    route({
      method: 'GET',
      path: '/api/incidents/{incidentId}/recommendations',
      operationId: 'listRecommendations',
      response: z.array(recommendationViewSchema),
      permission: 'units.read',
      tag: 'dispatch',
      summary:
        'Units recommended for an incident, ranked by road travel time under the current closures, with capability match, coverage left behind and reasons',
      description:
        "Each recommendation has `reasons` as codes with parameters (`eta`, `capability`, `coverage_gap`, `route_avoids` …), worded by the console. A read: nothing is written. A dispatcher's console asks with `POST` instead, which records the ranking shown; an assignment records the ranking it acted on.",
      returns:
        'Array of RecommendationView { unitId, kind, nameZh, nameEn, status, version, etaS, distanceM, matched, fullMatch, coverage, rank, reasons, path }',
      params: incidentParams,
      query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(SHOWN_RECOMMENDATIONS) }),
      handler: async ({ params, query }): Promise<RecommendationView[]> =>
        recommendationViews(dispatch, await refusedAsHttp(() => dispatch.recommend(params.incidentId, null, query.limit))),
    }),
    route({
      method: 'POST',
      path: '/api/incidents/{incidentId}/recommendations',
      operationId: 'recordRecommendations',
      response: z.array(recommendationViewSchema),
      permission: 'dispatch.act',
      tag: 'dispatch',
      summary: 'The recommendations shown to a dispatcher, recorded in the dispatch log (`recommend`, once per ranking)',
      description:
        'The same answer as the GET. The console of a user who may dispatch asks this way: the ranking a dispatcher saw is evidence for the decision that follows. An unchanged ranking asked for again is not logged again.',
      returns: 'Array of RecommendationView (as the GET)',
      params: incidentParams,
      body: z.object({ limit: z.number().int().min(1).max(50).default(SHOWN_RECOMMENDATIONS) }).strict(),
      handler: async ({ params, body, principal }): Promise<RecommendationView[]> => {
        if (!principal) throw new HttpError(401, 'sign in first');
        return recommendationViews(
          dispatch,
          await refusedAsHttp(() => dispatch.recommend(params.incidentId, principal.username, body.limit)),
        );
      },
    }),
    route({
      method: 'POST',
      path: '/api/incidents/{incidentId}/dispatch',
      operationId: 'dispatchUnits',
      response: unitChangesSchema,
      permission: 'dispatch.act',
      tag: 'dispatch',
      summary: 'Assign units to an incident; choosing another unit than the recommended one of its kind needs `overrideReason`',
      description:
        'All or nothing: every unit must be available (or returning) and, when `expectedVersions` is given, unchanged since the dispatcher looked — a second dispatcher assigning the same unit at once gets 409 `version_conflict`. 422 `override_needs_reason` when a unit is not the recommended one of its kind and no reason is given. Recorded in the dispatch log (`assign` / `override`).',
      returns: '{ changes: [{ unitId, at, actor, what, from, to, incidentId, reason, override, status, version }] }',
      params: incidentParams,
      body: assignBody,
      handler: async ({ params, body, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        const changes = await refusedAsHttp(() =>
          dispatch.assign({
            incidentId: params.incidentId,
            unitIds: body.unitIds,
            actor: principal.username,
            ...(body.reason ? { reason: body.reason } : {}),
            ...(body.overrideReason ? { overrideReason: body.overrideReason } : {}),
            ...(body.expectedVersions ? { expectedVersions: body.expectedVersions } : {}),
          }),
        );
        await dispatch.flush();
        return { changes: changes.map(changeView) };
      },
    }),
    route({
      method: 'POST',
      path: '/api/units/{unitId}/status',
      operationId: 'setUnitStatus',
      response: unitChangesSchema,
      permission: 'dispatch.act',
      tag: 'dispatch',
      summary: 'Change a unit’s status by hand (en route, on scene, returning, available, out of service)',
      description:
        'Only the transitions of the unit status table (twin-model/dispatch/unit-state.ts) are allowed; out of service and cancelling an assignment need a reason. Recorded in the dispatch log.',
      returns: '{ changes: [...] }',
      params: unitParams,
      body: statusBody,
      handler: async ({ params, body, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        const changes = await refusedAsHttp(() => dispatch.setStatus(params.unitId, body.status, principal.username, body.reason));
        await dispatch.flush();
        return { changes: changes.map(changeView) };
      },
    }),
    route({
      method: 'GET',
      path: '/api/dispatch/log',
      operationId: 'exportDispatchLog',
      response: z.never(),
      permission: 'dispatch.audit',
      tag: 'dispatch',
      summary:
        'The hash-chained dispatch log, oldest first, as JSON lines (verify offline with `tsx bin/verify-dispatch-log.ts`); the export is recorded in the audit log',
      media: ['application/x-ndjson'],
      returns:
        'application/x-ndjson: one DispatchLogEntry { seq, at, actor, action, unitId, incidentId, reason, data, prevHash, hash } per line',
      query: z.object({ from: timeParam.optional(), to: timeParam.optional() }),
      handler: async ({ query, principal }): Promise<RawResponse> => {
        const entries = await dispatch.logEntries({
          ...(query.from !== undefined ? { from: query.from } : {}),
          ...(query.to !== undefined ? { to: query.to } : {}),
        });
        deps.audit?.record({
          at: Date.now(),
          actor: principal?.username ?? '',
          stream: 'export',
          action: 'dispatch_log',
          object: `${query.from !== undefined ? new Date(query.from).toISOString() : 'start'}/${query.to !== undefined ? new Date(query.to).toISOString() : 'now'}`,
          detail: `${entries.length} entries`,
          data: {
            entries: entries.length,
            ...(query.from !== undefined ? { from: query.from } : {}),
            ...(query.to !== undefined ? { to: query.to } : {}),
          },
        });
        return {
          raw: true,
          contentType: 'application/x-ndjson; charset=utf-8',
          body: entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''),
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/dispatch/log/verify',
      operationId: 'verifyDispatchLog',
      response: chainVerificationSchema,
      permission: 'dispatch.audit',
      tag: 'dispatch',
      summary:
        'Verifies the stored dispatch log: every hash and link, anchored at the head this server holds and at the heads signed in the audit checkpoints',
      returns: '{ ok, checked, problems: [{ seq, kind: altered|missing|reordered|bad_start, detail }], head }',
      handler: async () => dispatch.verifyLog(),
    }),
    route({
      method: 'GET',
      path: '/api/dispatch/response-times',
      operationId: 'getResponseTimes',
      response: responseTimesSchema,
      permission: 'dispatch.audit',
      tag: 'dispatch',
      summary: 'Response times per incident (detection → acknowledge → dispatch → arrive → resolve) and their median and p90',
      returns: '{ incidents: [...], summary: {...} }',
      query: z.object({ from: timeParam.optional(), to: timeParam.optional() }),
      handler: async ({ query }) => {
        const range = { ...(query.from !== undefined ? { from: query.from } : {}), ...(query.to !== undefined ? { to: query.to } : {}) };
        const log = await dispatch.logEntries(range);
        const ids = [...new Set(log.map((e) => e.incidentId).filter((id): id is string => Boolean(id)))];
        const store = deps.incidentStore;
        const changes = [];
        // The incidents units went to (at most 500), each with its stored history.
        for (const id of ids.slice(0, 500)) if (store) changes.push(...(await store.history(id)));
        const perIncident = responseTimesOf(changes, log);
        return { incidents: perIncident, summary: summarizeResponseTimes(perIncident) };
      },
    }),
  ];
}
