/**
 * The field page's wire shapes (`GET /api/field/assignment`, `POST /api/field/status`, the unit
 * bindings of field crews), as zod schemas for the routes' OpenAPI answers and as types for the
 * page. A crew sees its own unit and, while it is sent somewhere, the incident as the lowest
 * clearance (`public`) sees it — type, severity, status, place, times, never evidence — and the
 * route the dispatcher's assignment planned (docs/dispatch.md, "The field page").
 */
import { z } from 'zod';
import { INCIDENT_TYPES } from '../../twin-model/vocabulary.ts';
import { UNIT_STATUSES } from '../../twin-model/dispatch/unit-types.ts';

/** The statuses a crew sets from its phone (the dispatch rules decide which applies now). */
export const FIELD_STATUSES = ['en_route', 'on_scene', 'returning', 'available'] as const;
export type FieldStatus = (typeof FIELD_STATUSES)[number];

const lngLat = z.tuple([z.number(), z.number()]);

/** The crew's own unit: names, status, last position. */
export const fieldUnitSchema = z.object({
  id: z.string(),
  kind: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  status: z.enum(UNIT_STATUSES),
  version: z.number(),
  lng: z.number(),
  lat: z.number(),
  lastFixAt: z.number(),
});

/** Where the incident is, named: its district and (when visible evidence names it) the asset it sits on. */
export const fieldPlaceSchema = z.object({
  lng: z.number(),
  lat: z.number(),
  /** The position is rounded to about 1 km: evidence that placed it is above public clearance (follow the route). */
  coarse: z.boolean(),
  districtCode: z.string().nullable(),
  districtZh: z.string().nullable(),
  districtEn: z.string().nullable(),
  assetZh: z.string().nullable(),
  assetEn: z.string().nullable(),
});

/** The incident as public clearance sees it: no evidence, no detail texts. */
export const fieldIncidentSchema = z.object({
  id: z.string(),
  type: z.enum(INCIDENT_TYPES),
  severity: z.number(),
  status: z.string(),
  openedAt: z.number(),
  updatedAt: z.number(),
  place: fieldPlaceSchema,
});

/** The route the unit drives now: to the incident, or home while returning. */
export const fieldRouteSchema = z.object({
  leg: z.enum(['to_incident', 'home']),
  /** `[lng, lat]` polyline on the road graph. */
  path: z.array(lngLat),
  lengthM: z.number(),
  etaS: z.number(),
  /** When the route was planned (epoch ms): the ETA counts from then. */
  since: z.number(),
  /** When the unit should be there (since + etaS). */
  etaAt: z.number(),
  reroutes: z.number(),
});

export const fieldAssignmentSchema = z.object({
  incident: fieldIncidentSchema.nullable(),
  /** When the unit was sent (the assignment's time; null when this server has not seen it). */
  dispatchedAt: z.number().nullable(),
  /** Who sent it (the dispatcher's user name). */
  dispatchedBy: z.string().nullable(),
  route: fieldRouteSchema.nullable(),
});

/** `GET /api/field/assignment` */
export const fieldAssignmentResponseSchema = z.object({
  serverTime: z.number(),
  /** The unit the account is bound to, or null when no admin has bound it yet. */
  unit: fieldUnitSchema.nullable(),
  /** The unit's current assignment (or its way home), or null: "no assignment". */
  assignment: fieldAssignmentSchema.nullable(),
  /** The statuses the crew may set now, by the dispatch rules (the page's enabled buttons). */
  next: z.array(z.enum(FIELD_STATUSES)),
  /** How often the page asks again (ms). */
  pollMs: z.number(),
});

/** `POST /api/field/status` */
export const fieldStatusResponseSchema = z.object({
  unitId: z.string(),
  from: z.enum(UNIT_STATUSES),
  status: z.enum(UNIT_STATUSES),
  version: z.number(),
});

/** A field crew's binding (`POST /api/field-units/{username}`, `GET /api/field-units`). */
export const fieldBindingSchema = z.object({ username: z.string(), unitId: z.string(), changedBy: z.string(), updatedAt: z.number() });

export type FieldUnit = z.infer<typeof fieldUnitSchema>;
export type FieldIncident = z.infer<typeof fieldIncidentSchema>;
export type FieldRoute = z.infer<typeof fieldRouteSchema>;
export type FieldAssignment = z.infer<typeof fieldAssignmentSchema>;
export type FieldAssignmentResponse = z.infer<typeof fieldAssignmentResponseSchema>;
export type FieldStatusResponse = z.infer<typeof fieldStatusResponseSchema>;
