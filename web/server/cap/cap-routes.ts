/**
 * Public warnings over HTTP (docs/cap.md): the warning desk (draft from an incident, edit,
 * approve by a second person, reject, publish, update and cancel), each published alert as
 * `application/cap+xml` and the Atom feed (public: no login, published alerts only), the warning
 * areas for the map, and official warnings posted in CAP 1.2 by their issuers' systems.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import {
  CAP_CERTAINTIES,
  CAP_MAX_XML_CHARS,
  CAP_MEDIA_TYPE,
  CAP_SEVERITIES,
  CAP_URGENCIES,
  parseCapXml,
  type CapDeskRefusalCode,
} from '../../../twin-model/cap/index.ts';
import { ID_PATTERN, quoteValue } from '../../../twin-model/index.ts';
import type { CapHistoryEntry, CapRecordView, WarningAreaView } from '../../shared/cap-protocol.ts';
import { capHistoryEntrySchema, capRecordViewSchema, warningAreaViewSchema } from '../../shared/cap-schemas.ts';
import { HttpError, route, type RawResponse, type Route } from '../app/http-router.ts';
import { CapDeskRefused, UnknownIncidentError, type CapAlertChanges, type CapService } from './cap-service.ts';

export interface CapRouteDeps {
  cap: CapService;
  /** The public URL of the Atom feed (CITYTWIN_CAP_FEED_URL, else this server's own). */
  feedUrl: () => string;
}

/** The HTTP status of each desk refusal: unknown 404, the two-person rule 403, a state that does not allow it 409, bad content 422. */
export const STATUS_OF_CAP_REFUSAL: Readonly<Record<CapDeskRefusalCode, number>> = {
  invalid_alert: 422,
  duplicate_identifier: 409,
  unknown_alert: 404,
  identifier_changed: 409,
  wrong_state: 409,
  self_approval: 403,
  reason_required: 422,
  unknown_original: 404,
  original_not_published: 409,
  actor_required: 422,
};

/** Largest CAP document posted (the parser's own limit is in characters). */
const MAX_CAP_BODY_BYTES = CAP_MAX_XML_CHARS;
const XML_TYPES = /^(application\/cap\+xml|application\/xml|text\/xml)\s*(;|$)/i;

/** CAP identifiers (§3.2.1: no spaces, commas, < or &), and no `/` in a path. */
const identifierParams = z.object({
  identifier: z.string().regex(/^[^\s,<&/"]{1,200}$/, 'must be a CAP identifier: 1-200 characters without spaces, commas, <, &, " or /'),
});
const incidentParams = z.object({ incidentId: z.string().regex(ID_PATTERN, 'must be an incident id such as inc-000012') });
const text = z.string().trim().min(1).max(2000);
const bilingual = z.object({ zh: text.optional(), en: text.optional() }).strict();
const changesBody = z
  .object({
    severity: z.enum(CAP_SEVERITIES).optional(),
    urgency: z.enum(CAP_URGENCIES).optional(),
    certainty: z.enum(CAP_CERTAINTIES).optional(),
    expiresInH: z.number().min(0.25).max(168).optional(),
    headline: bilingual.optional(),
    description: bilingual.optional(),
    instruction: bilingual.optional(),
  })
  .strict();
const reasonBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
const emptyBody = z.object({}).strict();

function withoutUndefined(c: z.infer<typeof changesBody>): CapAlertChanges {
  return JSON.parse(JSON.stringify(c)) as CapAlertChanges;
}

/** Runs a desk call, its refusals as HTTP errors carrying the code, its parameters and the CAP problems. */
async function deskCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CapDeskRefused)
      throw new HttpError(STATUS_OF_CAP_REFUSAL[err.refusal.code], err.message, {
        code: err.refusal.code,
        params: err.refusal.params,
        ...(err.refusal.problems ? { problems: err.refusal.problems } : {}),
      });
    if (err instanceof UnknownIncidentError) throw new HttpError(404, err.message, { code: 'unknown_incident' });
    throw err;
  }
}

/** Reads an XML body of at most MAX_CAP_BODY_BYTES; 415 unless declared XML (which also keeps cross-site forms out). */
async function readXmlBody(req: IncomingMessage): Promise<string> {
  const type = String(req.headers['content-type'] ?? '');
  if (!XML_TYPES.test(type))
    throw new HttpError(
      415,
      `the body must be a CAP 1.2 document (content-type: ${CAP_MEDIA_TYPE} or application/xml), got ${quoteValue(type)}`,
    );
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > MAX_CAP_BODY_BYTES) throw new HttpError(413, `the body is ${declared} bytes; at most ${MAX_CAP_BODY_BYTES} are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CAP_BODY_BYTES) throw new HttpError(413, `the body is over ${MAX_CAP_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (!isUtf8(body)) throw new HttpError(400, 'the CAP document is not valid UTF-8');
  return body.toString('utf8');
}

/** The signed-in user's name, or 401. */
function actor(p: { username: string } | null): string {
  if (!p) throw new HttpError(401, 'sign in first');
  return p.username;
}

export function capRoutes(deps: CapRouteDeps): Route[] {
  return [
    ...capDeskReadRoutes(deps),
    ...capDraftRoutes(deps),
    ...capApprovalRoutes(deps),
    ...capFollowUpRoutes(deps),
    ...capPublicRoutes(deps),
    ...capIncomingRoutes(deps),
  ];
}

/** The desk as read: every alert, and one with its history. */
function capDeskReadRoutes(deps: CapRouteDeps): Route[] {
  const { cap } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/cap/alerts',
      operationId: 'listCapAlerts',
      response: z.array(capRecordViewSchema),
      permission: 'cap.read',
      tag: 'warnings',
      summary: 'The public-warning desk: every alert drafted, with its state and who drafted, approved and published it',
      returns:
        'Array of CapRecordView { identifier, state, msgType, status, sent, incidentId, draftedBy, draftedAt, authors, approvedBy, approvedAt, rejectedBy, rejectReason, publishedBy, publishedAt, supersededBy, references, texts, severity, urgency, certainty, expires, areaDesc, note, xml }',
      query: z.object({ state: z.enum(['draft', 'approved', 'rejected', 'published', 'superseded', 'cancelled']).optional() }),
      handler: ({ query }): CapRecordView[] => cap.records().filter((r) => !query.state || r.state === query.state),
    }),
    route({
      method: 'GET',
      path: '/api/cap/alerts/{identifier}',
      operationId: 'getCapAlert',
      response: z.object({ record: capRecordViewSchema, history: z.array(capHistoryEntrySchema) }),
      permission: 'cap.read',
      tag: 'warnings',
      summary: 'One alert on the desk with its history (every action, who and when)',
      returns: '{ record: CapRecordView, history: [{ at, actor, action, state }] }',
      params: identifierParams,
      handler: async ({ params }): Promise<{ record: CapRecordView; history: CapHistoryEntry[] }> => {
        const record = cap.record(params.identifier);
        if (!record) throw new HttpError(404, `no alert ${quoteValue(params.identifier)} on the desk`);
        return { record, history: await cap.history(params.identifier) };
      },
    }),
  ];
}

/** Drafting: from an incident, and edits of a draft. */
function capDraftRoutes(deps: CapRouteDeps): Route[] {
  const { cap } = deps;
  return [
    route({
      method: 'POST',
      path: '/api/incidents/{incidentId}/cap',
      operationId: 'draftCapAlert',
      response: capRecordViewSchema,
      permission: 'cap.draft',
      tag: 'warnings',
      summary: 'Draft a public warning (CAP 1.2, zh-CN and en-US) from an incident; its area is the incident’s affected area',
      description:
        'The area: the district of a district-wide incident (heat), else a circle around the incident holding all the evidence that places it, at least the type’s default radius. `status` `Exercise` marks a drill. Another person must approve the draft before it can be published.',
      returns: 'CapRecordView (state draft)',
      params: incidentParams,
      body: z.object({ status: z.enum(['Actual', 'Exercise']).optional(), expiresInH: z.number().min(0.25).max(168).optional() }).strict(),
      handler: ({ params, body, principal }) =>
        deskCall(() =>
          cap.draftFromIncident(params.incidentId, actor(principal), {
            ...(body.status ? { status: body.status } : {}),
            ...(body.expiresInH !== undefined ? { expiresInH: body.expiresInH } : {}),
          }),
        ),
    }),
    route({
      method: 'POST',
      path: '/api/cap/alerts/{identifier}/edit',
      operationId: 'editCapAlert',
      response: capRecordViewSchema,
      permission: 'cap.draft',
      tag: 'warnings',
      summary: 'Change a draft, approved or rejected alert: texts per language, severity, urgency, certainty, validity',
      description: 'The alert goes back to draft and the editor becomes one of its authors: none of them may approve it.',
      returns: 'CapRecordView (state draft)',
      params: identifierParams,
      body: changesBody,
      handler: ({ params, body, principal }) => deskCall(() => cap.edit(params.identifier, actor(principal), withoutUndefined(body))),
    }),
  ];
}

/** The second person’s approval or rejection, and publication of what was approved. */
function capApprovalRoutes(deps: CapRouteDeps): Route[] {
  const { cap } = deps;
  return [
    route({
      method: 'POST',
      path: '/api/cap/alerts/{identifier}/approve',
      operationId: 'approveCapAlert',
      response: capRecordViewSchema,
      permission: 'cap.approve',
      tag: 'warnings',
      summary: 'Approve a draft drafted by someone else (two-person rule: an author gets 403 self_approval)',
      returns: 'CapRecordView (state approved)',
      params: identifierParams,
      body: emptyBody,
      handler: ({ params, principal }) => deskCall(() => cap.approve(params.identifier, actor(principal))),
    }),
    route({
      method: 'POST',
      path: '/api/cap/alerts/{identifier}/reject',
      operationId: 'rejectCapAlert',
      response: capRecordViewSchema,
      permission: 'cap.approve',
      tag: 'warnings',
      summary: 'Reject a draft or approved alert, with the reason',
      returns: 'CapRecordView (state rejected)',
      params: identifierParams,
      body: reasonBody,
      handler: ({ params, body, principal }) => deskCall(() => cap.reject(params.identifier, actor(principal), body.reason)),
    }),
    route({
      method: 'POST',
      path: '/api/cap/alerts/{identifier}/publish',
      operationId: 'publishCapAlert',
      response: capRecordViewSchema,
      permission: 'cap.draft',
      tag: 'warnings',
      summary: 'Publish an approved alert: exactly what was approved goes out, on MQTT (citytwin/v1/alerts/cap) and in the feed',
      returns: 'CapRecordView (state published)',
      params: identifierParams,
      body: emptyBody,
      handler: ({ params, principal }) => deskCall(() => cap.publish(params.identifier, actor(principal))),
    }),
  ];
}

/** Updates and cancels of a published alert, each a new draft approved like any alert. */
function capFollowUpRoutes(deps: CapRouteDeps): Route[] {
  const { cap } = deps;
  return [
    route({
      method: 'POST',
      path: '/api/cap/alerts/{identifier}/update',
      operationId: 'draftCapUpdate',
      response: capRecordViewSchema,
      permission: 'cap.draft',
      tag: 'warnings',
      summary: 'Draft an Update of a published alert: a new identifier referencing the chain, approved like any alert',
      returns: 'CapRecordView (msgType Update, state draft)',
      params: identifierParams,
      body: changesBody.extend({ note: z.string().trim().min(1).max(500).optional() }).strict(),
      handler: ({ params, body, principal }) =>
        deskCall(() => cap.draftUpdate(params.identifier, actor(principal), withoutUndefined(body) as CapAlertChanges & { note?: string })),
    }),
    route({
      method: 'POST',
      path: '/api/cap/alerts/{identifier}/cancel',
      operationId: 'draftCapCancel',
      response: capRecordViewSchema,
      permission: 'cap.draft',
      tag: 'warnings',
      summary: 'Draft a Cancel of a published alert with the reason people read; approved like any alert',
      returns: 'CapRecordView (msgType Cancel, state draft)',
      params: identifierParams,
      body: reasonBody,
      handler: ({ params, body, principal }) => deskCall(() => cap.draftCancel(params.identifier, actor(principal), body.reason)),
    }),
  ];
}

/** What anyone may read (a published alert, the Atom feed) and the warning areas of the map. */
function capPublicRoutes(deps: CapRouteDeps): Route[] {
  const { cap } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/cap/published/{identifier}',
      operationId: 'getPublishedCapAlert',
      response: z.never(),
      media: [`${CAP_MEDIA_TYPE}; charset=utf-8`],
      permission: 'public',
      tag: 'warnings',
      summary: 'A published alert as CAP 1.2 XML (application/cap+xml); no login. Drafts and rejected alerts are not found.',
      returns: 'CAP 1.2 XML',
      params: identifierParams,
      handler: ({ params }): RawResponse => {
        const xml = cap.publishedXml(params.identifier);
        if (xml === null) throw new HttpError(404, `no published alert ${quoteValue(params.identifier)}`);
        return { raw: true, contentType: `${CAP_MEDIA_TYPE}; charset=utf-8`, body: xml };
      },
    }),
    route({
      method: 'GET',
      path: '/api/cap/feed.atom',
      operationId: 'getCapFeed',
      response: z.never(),
      media: ['application/atom+xml; charset=utf-8'],
      permission: 'public',
      tag: 'warnings',
      summary: 'The Atom feed (RFC 4287) of the public warnings in force, each linking its CAP XML; no login',
      returns: 'Atom XML (application/atom+xml)',
      handler: (): RawResponse => ({ raw: true, contentType: 'application/atom+xml; charset=utf-8', body: cap.feed(deps.feedUrl()) }),
    }),
    route({
      method: 'GET',
      path: '/api/cap/warnings',
      operationId: 'listWarningAreas',
      response: z.array(warningAreaViewSchema),
      permission: 'warnings.read',
      tag: 'warnings',
      summary: 'Official warnings in force (and CityTwin’s own published alerts) as areas for the map',
      returns:
        'Array of WarningAreaView { key, sender, identifier, sent, msgType, status, kind, colour, severity, urgency, certainty, own, active, effective, expires, senderName, texts, rings, circles, bbox }',
      handler: (): WarningAreaView[] => cap.warningAreas(),
    }),
  ];
}

/** Official warnings posted by their issuers’ systems. */
function capIncomingRoutes(deps: CapRouteDeps): Route[] {
  const { cap } = deps;
  return [
    route({
      method: 'POST',
      path: '/api/cap/incoming',
      operationId: 'receiveCapWarning',
      response: z.object({
        identifier: z.string(),
        sender: z.string(),
        msgType: z.enum(['Alert', 'Update', 'Cancel', 'Ack', 'Error']),
        held: z.number().describe('warnings held after this one'),
      }),
      permission: 'cap.receive',
      tag: 'warnings',
      summary: 'An official warning in CAP 1.2 XML from its issuer (content-type application/cap+xml)',
      description:
        'A document `parseCapXml` refuses gets 422 with every problem (`code`, `path`, `value`, `allowed`). An accepted one is stored, held (an Update or Cancel replaces what it references) and matched against incidents. Issuers that publish on MQTT use `citytwin/v1/warnings/{source}/cap` instead.',
      returns: '{ identifier, sender, msgType, held }',
      handler: async ({ req, principal }) => {
        const who = actor(principal);
        const xml = await readXmlBody(req);
        const parsed = parseCapXml(xml);
        if (!parsed.ok)
          throw new HttpError(422, `not a valid CAP 1.2 alert (${parsed.problems.length} problems)`, { problems: parsed.problems });
        const a = parsed.alert;
        const held = await cap.receive(
          a,
          {
            receivedAt: Date.now(),
            via: 'http',
            source: who,
            sender: a.sender,
            identifier: a.identifier,
            sent: a.sent,
            msgType: a.msgType,
            status: a.status,
            xml,
          },
          who,
        );
        return { identifier: a.identifier, sender: a.sender, msgType: a.msgType, held };
      },
    }),
  ];
}
