/**
 * The shift log over HTTP (docs/shifts.md): the shifts, the current one, a note, the handover
 * with its automatic summary, and the sign-off by the incoming lead. A step the shift's state does
 * not allow gets 409, the wrong person 403, each with the reason.
 */
import { z } from 'zod';
import { SHIFT_ID_PATTERN, ShiftLogError } from '../../../twin-model/index.ts';
import { NoWriterError } from '../cluster/cluster-bus.ts';
import { HttpError, route, type Route } from '../app/http-router.ts';
import { shiftRecordSchema } from './shift-commands.ts';
import type { ShiftService } from './shift-service.ts';

export interface ShiftRouteDeps {
  shifts: ShiftService;
}

const STATUS = { conflict: 409, forbidden: 403, not_found: 404 } as const;
const userName = z.string().regex(/^[a-z][a-z0-9._-]{1,31}$/, 'a user name: 2-32 characters of [a-z0-9._-] starting with a letter');
const shiftParams = z.object({ shiftId: z.string().regex(SHIFT_ID_PATTERN, 'a shift id such as shift-000012') });

const SHIFT_VIEW =
  'Shift { id, lead, openedAt, status: open | handed_over | signed_off, notes: [{ seq, at, author, text }], handover: { at, by, incomingLead, note, summary: { at, openIncidents, bySeverity, byType, byDistrict, unacknowledged: [{ id, type, severity, district, openedAt }], unitsOut: [{ unitId, kind, status, incidentId }] } } | null, signOff: { at, by, note } | null }';

function refusal(err: unknown): never {
  if (err instanceof ShiftLogError) throw new HttpError(STATUS[err.code], err.message);
  if (err instanceof NoWriterError) throw new HttpError(503, err.message);
  throw err;
}

/** The shift log's routes: reading it, and writing in it (notes, handover, sign-off). */
export function shiftRoutes(deps: ShiftRouteDeps): Route[] {
  return [...shiftReadRoutes(deps), ...shiftWriteRoutes(deps)];
}

function signedIn(p: { username: string } | null): string {
  if (!p) throw new HttpError(401, 'sign in first');
  return p.username;
}

/** The shifts, the current one, one shift. */
function shiftReadRoutes(deps: ShiftRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/shifts',
      operationId: 'listShifts',
      response: z.array(shiftRecordSchema),
      permission: 'shiftlog.read',
      tag: 'shifts',
      summary: 'The shift log: the newest shifts first, each with its notes, handover summary and sign-off',
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
      returns: `Array of ${SHIFT_VIEW}`,
      handler: ({ query }) => deps.shifts.shifts(query.limit),
    }),
    route({
      method: 'GET',
      path: '/api/shifts/current',
      operationId: 'getCurrentShift',
      response: z.object({ shift: shiftRecordSchema.nullable() }),
      permission: 'shiftlog.read',
      tag: 'shifts',
      summary: 'The current shift (null before the first note)',
      returns: `{ shift: ${SHIFT_VIEW} | null }`,
      handler: async () => ({ shift: await deps.shifts.current() }),
    }),
    route({
      method: 'GET',
      path: '/api/shifts/{shiftId}',
      operationId: 'getShift',
      response: shiftRecordSchema,
      permission: 'shiftlog.read',
      tag: 'shifts',
      summary: 'One shift with its notes, handover summary and sign-off',
      params: shiftParams,
      returns: SHIFT_VIEW,
      handler: async ({ params }) => {
        try {
          return await deps.shifts.shift(params.shiftId);
        } catch (err) {
          return refusal(err);
        }
      },
    }),
  ];
}

/** A note, the handover, the sign-off (each carried out by the node holding the writer lease). */
function shiftWriteRoutes(deps: ShiftRouteDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/api/shifts/current/notes',
      operationId: 'addShiftNote',
      response: shiftRecordSchema,
      permission: 'shiftlog.write',
      tag: 'shifts',
      summary: 'A note in the current shift (the first note ever opens shift 1, led by its author)',
      body: z.object({ text: z.string().trim().min(1, 'the note (required)').max(4000) }).strict(),
      returns: SHIFT_VIEW,
      handler: async ({ body, principal }) => {
        try {
          return await deps.shifts.note(signedIn(principal), body.text);
        } catch (err) {
          return refusal(err);
        }
      },
    }),
    route({
      method: 'POST',
      path: '/api/shifts/current/handover',
      operationId: 'handOverShift',
      response: shiftRecordSchema,
      permission: 'shiftlog.write',
      tag: 'shifts',
      summary: 'Hands the current shift over to the incoming lead, with the summary of what it inherits taken now',
      description:
        'The summary: open incidents by severity, type and district, the ones nobody acknowledged, the units not available. The incoming lead must be another person with an enabled account that may write in the log; they sign it off.',
      body: z.object({ incomingLead: userName, note: z.string().max(4000).default('') }).strict(),
      returns: SHIFT_VIEW,
      handler: async ({ body, principal }) => {
        try {
          return await deps.shifts.handover(signedIn(principal), body.incomingLead, body.note);
        } catch (err) {
          return refusal(err);
        }
      },
    }),
    route({
      method: 'POST',
      path: '/api/shifts/{shiftId}/sign-off',
      operationId: 'signOffShift',
      response: z.object({ signed: shiftRecordSchema, opened: shiftRecordSchema }),
      permission: 'shiftlog.write',
      tag: 'shifts',
      summary: 'The incoming lead signs the handover off (a second person); their shift opens',
      params: shiftParams,
      body: z.object({ note: z.string().max(4000).default('') }).strict(),
      returns: `{ signed: ${SHIFT_VIEW}, opened: Shift }`,
      handler: async ({ params, body, principal }) => {
        try {
          return await deps.shifts.signOff(params.shiftId, signedIn(principal), body.note);
        } catch (err) {
          return refusal(err);
        }
      },
    }),
  ];
}
