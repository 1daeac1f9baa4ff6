/**
 * The field page's API (docs/dispatch.md, "The field page"): a field crew's own unit — its
 * assignment and its status — and the admins' bindings of crews' accounts to units. The crew never
 * names a unit: the server takes the one its account is bound to, so no request of a crew reaches
 * another unit. Status changes are the dispatch service's (same table, same refusals, same log);
 * its refusal codes become HTTP statuses as on the dispatcher's route.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { FieldUnitStore, type StorageClient } from '../../../storage/index.ts';
import { DispatchError, ID_PATTERN, type CityModel } from '../../../twin-model/index.ts';
import {
  FIELD_STATUSES,
  fieldAssignmentResponseSchema,
  fieldBindingSchema,
  fieldStatusResponseSchema,
  type FieldAssignmentResponse,
  type FieldStatusResponse,
} from '../../shared/field-protocol.ts';
import { HttpError, route, type Route } from '../app/http-router.ts';
import type { AuditRecorder } from '../audit/audit-routes.ts';
import { clientAddress } from '../auth/auth-routes.ts';
import type { AuthService } from '../auth/auth-service.ts';
import { USERNAME_PATTERN } from '../auth/auth-types.ts';
import { NoWriterError } from '../cluster/cluster-bus.ts';
import { STATUS_OF_REFUSAL } from '../dispatch/dispatch-routes.ts';
import type { DispatchService } from '../dispatch/dispatch-service.ts';
import type { TwinService } from '../live/twin-service.ts';
import { FieldDesk, NotBoundError } from './field-service.ts';
import { UnitBindings } from './unit-bindings.ts';

export interface FieldRouteDeps {
  desk: FieldDesk;
  /** Refusals of a crew's request are security events (the access log). */
  auth: Pick<AuthService, 'denied'>;
  audit?: AuditRecorder | null;
}

/** What the web server has that the field routes need (its options satisfy this). */
export interface FieldServerParts {
  dispatch?: DispatchService | null;
  twin: TwinService;
  city: CityModel | null;
  clickhouse: StorageClient;
  auth: Pick<AuthService, 'denied'>;
  audit?: AuditRecorder | null;
}

/** The field routes on a web server (none without dispatch), with the bindings read from `field_units`. */
export function fieldRoutesFor(parts: FieldServerParts): Route[] {
  if (!parts.dispatch) return [];
  const bindings = new UnitBindings(new FieldUnitStore(parts.clickhouse));
  const desk = new FieldDesk({ dispatch: parts.dispatch, twin: parts.twin, city: parts.city, bindings });
  return fieldRoutes({ desk, auth: parts.auth, audit: parts.audit ?? null });
}

const statusBody = z
  .object({
    status: z.enum(FIELD_STATUSES, {
      error: (issue) => `status ${JSON.stringify(issue.input)} is not one of ${FIELD_STATUSES.join(', ')}`,
    }),
  })
  .strict();

/** The crew's own routes (its assignment, its status) and the admin's bindings. */
export function fieldRoutes(deps: FieldRouteDeps): Route[] {
  return [...crewRoutes(deps), ...bindingRoutes(deps)];
}

/** A refusal of the dispatch service or the binding as the HTTP answer (an unbound crew is a security event). */
function refusedAs(deps: FieldRouteDeps, req: IncomingMessage, username: string, what: string, err: unknown): never {
  if (err instanceof NotBoundError) {
    deps.auth.denied(username, clientAddress(req), `${what}: not bound to a unit`);
    throw new HttpError(403, err.message, { code: 'not_bound' });
  }
  if (err instanceof DispatchError) throw new HttpError(STATUS_OF_REFUSAL[err.code], err.message, { code: err.code });
  if (err instanceof NoWriterError) throw new HttpError(503, err.message);
  throw err;
}

function crewRoutes(deps: FieldRouteDeps): Route[] {
  const { desk } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/field/assignment',
      operationId: 'getFieldAssignment',
      response: fieldAssignmentResponseSchema,
      permission: 'field.unit',
      tag: 'dispatch',
      summary: "The signed-in crew's unit and its current assignment: the incident (as public clearance sees it), the route and its ETA",
      description:
        'The unit is the one the account is bound to (`POST /api/field-units/{username}`); `unit: null` while it is bound to none. The incident shows type, severity, status, place (district, asset when visible; the position coarse when evidence placing it is above public clearance) and times — never evidence. `next` lists the statuses the crew may set now. The field page asks every `pollMs`.',
      returns:
        'FieldAssignmentResponse { serverTime, unit, assignment: { incident, dispatchedAt, dispatchedBy, route } | null, next, pollMs }',
      handler: async ({ principal }): Promise<FieldAssignmentResponse> => {
        if (!principal) throw new HttpError(401, 'sign in first');
        return desk.assignment(principal.username);
      },
    }),
    route({
      method: 'POST',
      path: '/api/field/status',
      operationId: 'setFieldStatus',
      response: fieldStatusResponseSchema,
      permission: 'field.unit',
      tag: 'dispatch',
      summary: "Sets the signed-in crew's own unit's status: en route, on scene, returning, available",
      description:
        'Body `{ "status": "en_route" | "on_scene" | "returning" | "available" }`. Through the dispatch service, as a dispatcher’s change: a transition the status table does not allow is refused with 409 `transition_not_allowed` (saying what is allowed); cancelling an assignment needs a dispatcher (422 `reason_required`). Recorded in the dispatch log with the crew as the actor. An account bound to no unit gets 403 `not_bound` (a security event).',
      returns: 'FieldStatusResponse { unitId, from, status, version }',
      body: statusBody,
      handler: async ({ body, principal, req }): Promise<FieldStatusResponse> => {
        if (!principal) throw new HttpError(401, 'sign in first');
        try {
          return await desk.setStatus(principal.username, body.status);
        } catch (err) {
          return refusedAs(deps, req, principal.username, 'POST /api/field/status', err);
        }
      },
    }),
  ];
}

function bindingRoutes(deps: FieldRouteDeps): Route[] {
  const { desk } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/field-units',
      operationId: 'listFieldUnits',
      response: z.object({ bindings: z.array(fieldBindingSchema) }),
      permission: 'users.manage',
      tag: 'dispatch',
      summary: "Which unit each field crew's account is bound to",
      returns: '{ bindings: [{ username, unitId, changedBy, updatedAt }] }',
      handler: async () => ({ bindings: await desk.bindings.list() }),
    }),
    route({
      method: 'POST',
      path: '/api/field-units/{username}',
      operationId: 'bindFieldUnit',
      response: fieldBindingSchema,
      permission: 'users.manage',
      tag: 'dispatch',
      summary: "Binds a field crew's account to its unit (or unbinds it with `unitId: null`)",
      description:
        'With the `field` role the account then sees that unit’s assignment and sets its status, and nothing else. Recorded in the audit record as a configuration change.',
      returns: '{ username, unitId, changedBy, updatedAt }',
      params: z.object({ username: z.string().regex(USERNAME_PATTERN, 'a user name: a–z first, then a–z 0–9 . _ -, 2–32 characters') }),
      body: z.object({ unitId: z.string().regex(ID_PATTERN, 'a unit id: 1-64 characters of [A-Za-z0-9._-]').nullable() }).strict(),
      handler: async ({ params, body, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        if (body.unitId !== null && !desk.knowsUnit(body.unitId))
          throw new HttpError(
            400,
            `"${body.unitId}" is not a unit of the fleet; accepted: a unit id of GET /api/units (such as ${desk.unitIdExamples().join(', ')}) or null`,
          );
        const row = await desk.bindings.bind(params.username, body.unitId, principal.username);
        deps.audit?.record({
          at: row.updatedAt,
          actor: principal.username,
          stream: 'config',
          action: 'field_unit',
          object: params.username,
          detail: body.unitId ?? '(unbound)',
          data: { unitId: row.unitId },
        });
        return row;
      },
    }),
  ];
}
