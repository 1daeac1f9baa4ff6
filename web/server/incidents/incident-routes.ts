/**
 * Incidents over HTTP: the queue (active or all, in a time range), one incident with its
 * evidence and history, and operators' actions. What a caller sees of an incident is reduced to
 * their classification clearance (incident-view.ts). Actions are applied by the twin writer
 * (web/server/live/twin-service.ts, forwarded there from another web node); a refusal's code
 * becomes its HTTP status here ({@link STATUS_OF_REFUSAL}).
 */
import { z } from 'zod';
import type { IncidentStore } from '../../../storage/index.ts';
import { ID_PATTERN, INCIDENT_CHANGE_KINDS, type Incident, type IncidentAction, type IncidentChange } from '../../../twin-model/index.ts';
import { incidentDetailSchema, incidentViewSchema } from '../../shared/api-schemas.ts';
import type { IncidentDetail, IncidentEscalationView, IncidentView } from '../../shared/protocol.ts';
import type { Principal } from '../auth/auth-service.ts';
import { NoWriterError } from '../cluster/cluster-bus.ts';
import type { IncidentRefusalCode } from '../cluster/cluster-messages.ts';
import { HttpError, route, timeParam, type Route } from '../app/http-router.ts';
import { IncidentRefused, type TwinService } from '../live/twin-service.ts';
import { compareIncidents, historyViewer, incidentViewer } from './incident-view.ts';

export interface IncidentRouteDeps {
  twin: TwinService;
  /** The event-sourced incident store (history, closed incidents); null keeps only the live ones. */
  incidentStore?: IncidentStore | null;
  /** An incident's escalation in progress (web/server/notifications), shown with it; absent without notifications. */
  escalationOf?: ((incidentId: string) => IncidentEscalationView | null) | null;
}

/** Operator actions on an incident (`POST /api/incidents/{id}/actions`). */
export const INCIDENT_ACTIONS = ['acknowledge', 'set_severity', 'merge', 'split', 'false_alarm', 'resolve', 'close', 'reopen'] as const;

const incidentIdSchema = z.string().regex(ID_PATTERN, 'must be an incident id such as inc-000012');

/** The body of an action; the fields an action needs are checked per action (400 when missing). */
export const incidentActionBody = z
  .object({
    action: z.enum(INCIDENT_ACTIONS),
    severity: z.number().int().min(1).max(5).optional(),
    otherId: incidentIdSchema.optional(),
    evidenceIds: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.action === 'set_severity' && b.severity === undefined)
      ctx.addIssue({ code: 'custom', path: ['severity'], message: 'set_severity needs severity (1-5)' });
    if (b.action === 'merge' && b.otherId === undefined)
      ctx.addIssue({ code: 'custom', path: ['otherId'], message: 'merge needs otherId (the incident merged into this one)' });
    if (b.action === 'split' && b.evidenceIds === undefined)
      ctx.addIssue({ code: 'custom', path: ['evidenceIds'], message: 'split needs evidenceIds (the evidence moved to a new incident)' });
  });

/** The correlator's command for a validated action body. */
export function incidentCommand(b: z.infer<typeof incidentActionBody>): IncidentAction {
  switch (b.action) {
    case 'set_severity':
      return { action: 'set_severity', severity: b.severity! };
    case 'merge':
      return { action: 'merge', otherId: b.otherId! };
    case 'split':
      return { action: 'split', evidenceIds: b.evidenceIds! };
    default:
      return { action: b.action };
  }
}

/** The HTTP status of a refused action: an unknown incident 404, an action that does not apply 409. */
export const STATUS_OF_REFUSAL: Readonly<Record<IncidentRefusalCode, number>> = {
  unknown_incident: 404,
  action_not_applicable: 409,
};

/** The answer to an action: the incident after it, and every change it made (a merge changes two). */
const incidentActionResultSchema = z.object({
  incident: incidentViewSchema,
  changes: z.array(
    z.object({ incidentId: z.string(), at: z.number(), actor: z.string(), what: z.enum(INCIDENT_CHANGE_KINDS), detail: z.string() }),
  ),
});

export function incidentRoutes(deps: IncidentRouteDeps): Route[] {
  const viewFor = (principal: Principal | null) => {
    const view = incidentViewer(principal?.clearance ?? [], deps.twin.classifyEvidence);
    const escalationOf = deps.escalationOf;
    return escalationOf ? (i: Incident) => ({ ...view(i), escalation: escalationOf(i.id) }) : view;
  };
  /** The newest state of an incident: the twin's if it holds it, else the store's last change. */
  const incidentById = async (id: string): Promise<{ incident: Incident | null; history: IncidentChange[] }> => {
    // Changes are written in batches: write what is pending so the history is complete.
    await deps.twin.flushIncidents();
    const history = deps.incidentStore ? await deps.incidentStore.history(id) : [];
    return { incident: deps.twin.incident(id) ?? history.at(-1)?.incident ?? null, history };
  };
  const incidentParams = z.object({ incidentId: incidentIdSchema });

  return [
    route({
      method: 'GET',
      path: '/api/incidents',
      operationId: 'listIncidents',
      response: z.array(incidentViewSchema),
      permission: 'incidents.read',
      tag: 'incidents',
      summary: 'Incidents: the active ones (status=open, default) or all, optionally in a time range; most severe first',
      description:
        "`from`/`to` (epoch ms or RFC 3339) keep incidents that were open at some time in the range (updated at or after `from`, opened at or before `to`). Evidence from sensors above the caller's classification clearance is left out (`hiddenEvidence` counts it).",
      returns:
        'Array of IncidentView { id, type, status, lng, lat, district, assetId, severity, confidence, openedAt, updatedAt, evidence: [{ id, kind, why, … }], hiddenEvidence, escalation: { policyId, tier, nextTier, nextRepeat, nextEscalationAt } | null (when notifications run: the tier paged and when the next page is due) }',
      query: z.object({
        status: z.enum(['open', 'all']).default('open'),
        from: timeParam.optional(),
        to: timeParam.optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      }),
      handler: async ({ query, principal }): Promise<IncidentView[]> => {
        if (query.from !== undefined && query.to !== undefined && query.from > query.to)
          throw new HttpError(400, `from (${query.from}) is after to (${query.to})`);
        const byId = new Map<string, Incident>();
        if (query.status === 'all') {
          await deps.twin.flushIncidents();
          for (const i of (await deps.incidentStore?.stateAt(Date.now() + 60_000)) ?? []) byId.set(i.id, i);
          for (const i of deps.twin.knownIncidents()) byId.set(i.id, i);
        } else {
          for (const i of deps.twin.activeIncidents()) byId.set(i.id, i);
        }
        const inRange = (i: Incident) =>
          (query.from === undefined || i.updatedAt >= query.from) && (query.to === undefined || i.openedAt <= query.to);
        const view = viewFor(principal);
        return [...byId.values()].filter(inRange).sort(compareIncidents).slice(0, query.limit).map(view);
      },
    }),
    route({
      method: 'GET',
      path: '/api/incidents/{incidentId}',
      operationId: 'getIncident',
      response: incidentDetailSchema,
      permission: 'incidents.read',
      tag: 'incidents',
      summary: 'One incident with its evidence (each with why it was linked) and its full history of changes (who, when, what)',
      returns: 'IncidentDetail { …IncidentView, history: [{ at, actor, what, detail, status, severity, confidence }] }',
      params: incidentParams,
      handler: async ({ params, principal }): Promise<IncidentDetail> => {
        const { incident, history } = await incidentById(params.incidentId);
        if (!incident) throw new HttpError(404, `incident "${params.incidentId}" is not known`);
        return {
          ...viewFor(principal)(incident),
          history: history.map(historyViewer(principal?.clearance ?? [], deps.twin.classifyEvidence)),
        };
      },
    }),
    route({
      method: 'POST',
      path: '/api/incidents/{incidentId}/actions',
      operationId: 'actOnIncident',
      response: incidentActionResultSchema,
      permission: 'incidents.act',
      tag: 'incidents',
      summary: 'An operator action on an incident: acknowledge, set_severity, merge, split, false_alarm, resolve, close, reopen',
      description:
        "Recorded in the incident's history with the signed-in user as the actor and the optional reason. `merge` merges `otherId` into this incident; `split` moves `evidenceIds` to a new incident. An action that does not apply to the incident as it is (acknowledging a closed one, merging across types …) gets 409 with the reason.",
      returns: '{ incident: IncidentView, changes: [{ incidentId, at, actor, what, detail }] }',
      params: incidentParams,
      body: incidentActionBody,
      handler: async ({ params, body, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        let changes: IncidentChange[];
        try {
          // Applied by the twin writer (this node, or forwarded to it) and stored before the
          // answer: "recorded" means the history read next includes it.
          changes = await deps.twin.actAnywhere(params.incidentId, principal.username, incidentCommand(body), body.reason);
        } catch (err) {
          if (err instanceof IncidentRefused) throw new HttpError(STATUS_OF_REFUSAL[err.code], err.message);
          if (err instanceof NoWriterError) throw new HttpError(503, err.message);
          throw err;
        }
        const view = viewFor(principal);
        const own = changes.find((c) => c.incidentId === params.incidentId) ?? changes[0]!;
        return {
          incident: view(own.incident),
          changes: changes.map((c) => ({ incidentId: c.incidentId, at: c.at, actor: c.actor, what: c.what, detail: c.detail })),
        };
      },
    }),
  ];
}
