/**
 * Runtime schemas of the dispatch shapes web nodes send each other (web/server/cluster/
 * cluster-messages.ts): units and their changes, trips with their routes, recommendations and a
 * dispatcher's assignment. The TypeScript types stay where they are defined (unit-types.ts,
 * unit-state.ts, unit-trips.ts, assignment.ts); each schema is checked against its type below.
 */
import { z } from 'zod';
import type { SameShape } from '../schema-check.ts';
import type { AssignRequest } from './assignment.ts';
import { DISPATCH_ERROR_CODES, type UnitChange } from './unit-state.ts';
import type { UnitTrip } from './unit-trips.ts';
import { CAPABILITIES, UNIT_KINDS, UNIT_STATUSES, type ResponseUnit, type Route, type UnitRecommendation } from './unit-types.ts';

const finite = z.number().finite();
const nodeId = z.number().int();

export const responseUnitSchema = z.object({
  id: z.string(),
  kind: z.enum(UNIT_KINDS),
  nameZh: z.string(),
  nameEn: z.string(),
  capabilities: z.array(z.enum(CAPABILITIES)),
  homeStationId: z.string(),
  homeDistrict: z.string(),
  homeLng: finite,
  homeLat: finite,
  homeNodeId: nodeId,
  shift: z.object({ startHour: finite, endHour: finite }),
  status: z.enum(UNIT_STATUSES),
  lng: finite,
  lat: finite,
  nodeId,
  lastFixAt: finite,
  incidentId: z.string().optional(),
  version: z.number().int(),
});

export const routeSchema = z.object({
  fromNode: nodeId,
  toNode: nodeId,
  nodes: z.array(nodeId),
  edges: z.array(nodeId),
  lengthM: finite,
  travelTimeS: finite,
  coords: z.array(z.tuple([finite, finite])),
  cumulativeS: z.array(finite),
});

export const unitTripSchema = z.object({
  unitId: z.string(),
  incidentId: z.string().nullable(),
  leg: z.enum(['to_incident', 'home']),
  route: routeSchema,
  since: finite,
  reroutes: z.number().int(),
});

export const unitChangeSchema = z.object({
  unitId: z.string(),
  at: finite,
  actor: z.string(),
  what: z.enum(['assigned', 'status', 'arrived', 'released', 'position', 'fix_rejected', 'warning', 'warning_cleared']),
  from: z.enum(UNIT_STATUSES).optional(),
  to: z.enum(UNIT_STATUSES).optional(),
  incidentId: z.string().optional(),
  reason: z.string().optional(),
  warning: z.enum(['off_road', 'silent', 'bad_status']).optional(),
  override: z.object({ recommendedUnitId: z.string(), reason: z.string() }).optional(),
  distanceM: finite.optional(),
  unit: responseUnitSchema,
});

export const reasonPartSchema = z.object({
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), finite])).optional(),
});

export const unitRecommendationSchema = z.object({
  unitId: z.string(),
  kind: z.enum(UNIT_KINDS),
  etaS: finite,
  distanceM: finite,
  matched: z.array(z.enum(CAPABILITIES)),
  fullMatch: z.boolean(),
  coverage: z.object({ district: z.string(), remaining: finite, awayMin: finite }),
  rank: z.number().int(),
  reasons: z.array(reasonPartSchema),
  route: routeSchema,
});

export const assignRequestSchema = z.object({
  incidentId: z.string(),
  unitIds: z.array(z.string()),
  actor: z.string(),
  reason: z.string().optional(),
  overrideReason: z.string().optional(),
  expectedVersions: z.record(z.string(), z.number().int()).optional(),
});

export const dispatchErrorCodeSchema = z.enum(DISPATCH_ERROR_CODES);

// Compile-time checks: the schemas describe exactly the types the dispatch code uses.
const sameUnit: SameShape<z.infer<typeof responseUnitSchema>, ResponseUnit> = true;
const sameRoute: SameShape<z.infer<typeof routeSchema>, Route> = true;
const sameTrip: SameShape<z.infer<typeof unitTripSchema>, UnitTrip> = true;
const sameChange: SameShape<z.infer<typeof unitChangeSchema>, UnitChange> = true;
const sameRecommendation: SameShape<z.infer<typeof unitRecommendationSchema>, UnitRecommendation> = true;
const sameRequest: SameShape<z.infer<typeof assignRequestSchema>, AssignRequest> = true;
void [sameUnit, sameRoute, sameTrip, sameChange, sameRecommendation, sameRequest];
