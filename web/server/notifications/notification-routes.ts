/**
 * Notifications over HTTP (docs/notifications.md): the configuration documents (channels with
 * their secrets never shown, contacts, subscriptions, escalation policies, on-call rosters) —
 * listed, saved one by one (validated alone and with the rest), deleted when nothing names them —
 * the delivery log with its filters, the dead letters and their redelivery, the escalations in
 * progress and who is on call now. Every change is audited.
 */
import { z } from 'zod';
import {
  CHANNEL_KINDS,
  DEAD_LETTER_REASONS,
  DELIVERY_STATUSES,
  MESSAGE_KINDS,
  NOTIFY_LANGUAGES,
  NOTIFY_USER_PATTERN,
  type DeliveryRecord,
} from '../../../twin-model/index.ts';
import type { SameShape } from '../../../twin-model/schema-check.ts';
import { incidentEscalationViewSchema } from '../../shared/api-schemas.ts';
import type { NotificationStore } from '../../../storage/index.ts';
import { NoWriterError } from '../cluster/cluster-bus.ts';
import { HttpError, route, timeParam, type Route } from '../app/http-router.ts';
import {
  NOTIFY_CONFIG_PATHS,
  NotifyConfigRefused,
  type NotificationService,
  type NotifyConfigPath,
  type TestOutcome,
} from './notification-service.ts';

export interface NotificationRouteDeps {
  notifications: NotificationService;
  store: NotificationStore;
}

/** Largest configuration document accepted (a roster with a year of overrides). */
export const MAX_NOTIFY_DOC_BYTES = 256 * 1024;

const kindParams = z.object({ kind: z.enum(Object.keys(NOTIFY_CONFIG_PATHS) as [NotifyConfigPath, ...NotifyConfigPath[]]) });
const docId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'an id (a contact: its user name): 1-64 characters of [A-Za-z0-9._-]');
const channelId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a channel id: 1-64 characters of [A-Za-z0-9._-]');
const incidentId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'an incident id such as inc-000012');

/** One row of the delivery log (twin-model/notifications `DeliveryRecord`). */
const deliveryRecordSchema = z.object({
  key: z.string(),
  messageId: z.string(),
  eventId: z.string(),
  eventKind: z.enum(MESSAGE_KINDS),
  incidentId: z.string(),
  channelId: z.string(),
  channelKind: z.enum(CHANNEL_KINDS),
  recipient: z.string(),
  language: z.enum(NOTIFY_LANGUAGES),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  lastError: z.string(),
  reason: z.enum(DEAD_LETTER_REASONS).nullable(),
  queuedAt: z.number(),
  updatedAt: z.number(),
});
const deliveryChecked: SameShape<z.infer<typeof deliveryRecordSchema>, DeliveryRecord> = true;
void deliveryChecked;
/** A configuration document as stored (docs/notifications.md); a channel's secrets shown as `***`. */
const configDocument = z.unknown().describe('a channel, contact, subscription, escalation policy or roster (docs/notifications.md)');

function refusal(err: unknown): never {
  if (err instanceof NotifyConfigRefused) throw new HttpError(err.status, err.message);
  if (err instanceof NoWriterError) throw new HttpError(503, err.message);
  throw err;
}

export function notificationRoutes(deps: NotificationRouteDeps): Route[] {
  // The fixed paths first: the router takes the first route whose path matches.
  return [...overviewRoutes(deps), ...deliveryRoutes(deps), testRoute(deps), ...documentRoutes(deps)];
}

/** `POST /api/notifications/channels/{channelId}/test` (notification-service.ts `TestOutcome`). */
const testOutcomeSchema = z.object({
  channelId: z.string(),
  channelKind: z.enum(CHANNEL_KINDS),
  eventId: z.string(),
  key: z.string().describe('the delivery log key of the test message'),
  recipient: z.string(),
  language: z.enum(NOTIFY_LANGUAGES),
  subject: z.string(),
  at: z.number(),
  status: z.enum(['sent', 'failed', 'dead']),
  error: z.string(),
  retryable: z.boolean().nullable(),
  attempts: z.number(),
});
const testOutcomeChecked: SameShape<z.infer<typeof testOutcomeSchema>, TestOutcome> = true;
void testOutcomeChecked;

/** A test message through one channel, answered with its outcome. */
function testRoute(deps: NotificationRouteDeps): Route {
  return route({
    method: 'POST',
    path: '/api/notifications/channels/{channelId}/test',
    operationId: 'testNotificationChannel',
    response: testOutcomeSchema.extend({ delivered: z.boolean() }),
    permission: 'notify.admin',
    tag: 'notifications',
    summary: "Sends a test message through one channel now, by the channel's own path, and answers whether it was delivered",
    description:
      "A message of kind `test` (worded in zh-CN or English): a webhook signed as usual to `user:<you>`, an e-mail over SMTP or a text through the gateway's template to the contact `user` (default: you) at their address for the channel. One attempt, no retries: `delivered`, or `status` failed (refused) / dead (unreachable) with the receiver's `error`. In the delivery log (event kind `test`); audited. 404 for an unknown channel, 400 when the contact has no address for it.",
    params: z.object({ channelId }),
    body: z
      .object({
        user: z
          .string()
          .regex(NOTIFY_USER_PATTERN, "a contact's user name: 2-32 characters of [a-z0-9._-] starting with a letter")
          .optional(),
        language: z.enum(NOTIFY_LANGUAGES).optional(),
      })
      .strict(),
    returns: '{ delivered, status, error, retryable, attempts, channelId, channelKind, eventId, key, recipient, language, subject, at }',
    handler: async ({ params, body, principal }) => {
      if (!principal) throw new HttpError(401, 'sign in first');
      try {
        const outcome = await deps.notifications.sendTest(params.channelId, principal.username, body);
        await deps.notifications.flushLog();
        return { ...outcome, delivered: outcome.status === 'sent' };
      } catch (err) {
        return refusal(err);
      }
    },
  });
}

/** The delivery log as stored, after what is held in memory is written. */
async function deliveries(deps: NotificationRouteDeps, filter: Parameters<NotificationStore['deliveries']>[0]): Promise<DeliveryRecord[]> {
  await deps.notifications.flushLog();
  return deps.store.deliveries(filter);
}

/** The configuration in force, the escalations in progress, who is on call. */
function overviewRoutes(deps: NotificationRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/notifications/config',
      operationId: 'getNotificationConfig',
      response: z.object({
        channels: z.array(configDocument),
        contacts: z.array(configDocument),
        subscriptions: z.array(configDocument),
        policies: z.array(configDocument),
        rosters: z.array(configDocument),
        problems: z.array(z.string()),
      }),
      permission: 'notify.admin',
      tag: 'notifications',
      summary: 'The whole notification configuration in force (secrets shown as ***), and any stored document that could not be read',
      returns: '{ channels, contacts, subscriptions, policies, rosters, problems: string[] }',
      handler: () => {
        const docs = (path: NotifyConfigPath) => deps.notifications.documents(NOTIFY_CONFIG_PATHS[path]);
        return {
          channels: docs('channels'),
          contacts: docs('contacts'),
          subscriptions: docs('subscriptions'),
          policies: docs('policies'),
          rosters: docs('rosters'),
          problems: deps.notifications.problems,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/notifications/escalations',
      operationId: 'listEscalations',
      response: z.object({ serverTime: z.number(), escalations: z.array(incidentEscalationViewSchema.extend({ incidentId: z.string() })) }),
      permission: 'escalations.read',
      tag: 'notifications',
      summary: "Escalations in progress, the soonest next page first: the tier paged and when the next one is due (the queue's mm:ss)",
      returns: '{ serverTime, escalations: [{ incidentId, policyId, tier, nextTier, nextRepeat, nextEscalationAt }] }',
      handler: () => ({ serverTime: Date.now(), escalations: deps.notifications.escalations() }),
    }),
    route({
      method: 'GET',
      path: '/api/oncall',
      operationId: 'getOnCall',
      response: z.object({
        at: z.number(),
        teams: z.array(
          z.object({
            team: z.string(),
            name: z.string().nullable(),
            tiers: z.array(z.array(z.string())).describe('the users on call, tier by tier'),
          }),
        ),
      }),
      permission: 'oncall.read',
      tag: 'notifications',
      summary: "Who is on call now, per team and tier (the rosters on the city's clocks)",
      query: z.object({ at: timeParam.optional() }),
      returns: '{ at, teams: [{ team, name, tiers: [[tier 1 users], [tier 2 users], …] }] }',
      handler: ({ query }) => {
        const at = query.at ?? Date.now();
        return { at, teams: deps.notifications.onCall(at) };
      },
    }),
  ];
}

/** The delivery log, the dead letters, and sending them again. */
function deliveryRoutes(deps: NotificationRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/notifications/deliveries',
      operationId: 'listNotificationDeliveries',
      response: z.array(deliveryRecordSchema),
      permission: 'notify.admin',
      tag: 'notifications',
      summary: 'The delivery log: one row per recipient of each message as it stands now, newest first',
      description:
        "Filter by `status` (queued, sent, retrying, failed, dead), `channel`, `incident`, `since`. A recipient is `user:<name>` or a webhook's target; addresses are not logged.",
      query: z.object({
        status: z.enum(DELIVERY_STATUSES).optional(),
        channel: channelId.optional(),
        incident: incidentId.optional(),
        since: timeParam.optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      }),
      returns:
        'Array of { key, messageId, eventId, eventKind, incidentId, channelId, channelKind, recipient, language, status, attempts, lastError, reason, queuedAt, updatedAt }',
      handler: ({ query }) =>
        deliveries(deps, {
          ...(query.status ? { status: query.status } : {}),
          ...(query.channel ? { channelId: query.channel } : {}),
          ...(query.incident ? { incidentId: query.incident } : {}),
          ...(query.since !== undefined ? { since: query.since } : {}),
          limit: query.limit,
        }),
    }),
    route({
      method: 'GET',
      path: '/api/notifications/dead-letters',
      operationId: 'listNotificationDeadLetters',
      response: z.array(deliveryRecordSchema),
      permission: 'notify.admin',
      tag: 'notifications',
      summary: 'The dead letters: deliveries that failed (refused) or died (retries used up, a full queue, shutdown), newest first',
      description: 'Each with its `reason` and last error; `POST /api/notifications/redeliver` with their keys sends them again.',
      query: z.object({ channel: channelId.optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000) }),
      returns: 'Array of delivery log rows with status failed or dead',
      handler: async ({ query }) => {
        const filter = { ...(query.channel ? { channelId: query.channel } : {}), limit: query.limit };
        const rows = [
          ...(await deliveries(deps, { ...filter, status: 'failed' })),
          ...(await deps.store.deliveries({ ...filter, status: 'dead' })),
        ];
        return rows.sort((a, b) => b.updatedAt - a.updatedAt || a.key.localeCompare(b.key)).slice(0, query.limit);
      },
    }),
    route({
      method: 'POST',
      path: '/api/notifications/redeliver',
      operationId: 'redeliverNotifications',
      response: z.object({ redelivered: z.array(z.string()), missing: z.array(z.string()) }),
      permission: 'notify.admin',
      tag: 'notifications',
      summary:
        'Sends dead letters again, by their delivery keys (on the twin writer, which holds the newest 1,000 per channel since it started)',
      body: z.object({ keys: z.array(z.string().min(1).max(600)).min(1, 'at least one delivery key').max(1000) }).strict(),
      returns: '{ redelivered: string[], missing: string[] } — missing: no dead letter of that key is held any longer',
      handler: async ({ body, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        try {
          return await deps.notifications.redeliver(body.keys, principal.username);
        } catch (err) {
          return refusal(err);
        }
      },
    }),
  ];
}

/** The documents of one kind: listed, saved, deleted. */
function documentRoutes(deps: NotificationRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/notifications/{kind}',
      operationId: 'listNotificationDocuments',
      response: z.array(configDocument),
      permission: 'notify.admin',
      tag: 'notifications',
      summary: 'The documents of one kind: channels (secrets shown as ***), contacts, subscriptions, policies or rosters',
      params: kindParams,
      returns: 'Array of documents of the kind (docs/notifications.md)',
      handler: ({ params }) => deps.notifications.documents(NOTIFY_CONFIG_PATHS[params.kind]),
    }),
    route({
      method: 'POST',
      path: '/api/notifications/{kind}',
      operationId: 'saveNotificationDocument',
      response: configDocument,
      permission: 'notify.admin',
      tag: 'notifications',
      summary: 'Saves one document (new, or replacing the one with its id), in force at once on every web node',
      description:
        'Validated alone (each bad field named with the value and what is accepted; secrets never repeated) and with the rest of the configuration (every channel, team, user and role it names exists): 400 otherwise. A channel sent back with `***` where a secret, password or header value was keeps the stored one. Audited (secrets redacted).',
      params: kindParams,
      body: z.record(z.string(), z.unknown(), 'a notification document (docs/notifications.md)'),
      maxBodyBytes: MAX_NOTIFY_DOC_BYTES,
      returns: 'The document as saved, with its defaults (secrets shown as ***)',
      handler: async ({ params, body, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        try {
          return await deps.notifications.save(NOTIFY_CONFIG_PATHS[params.kind], body, principal.username);
        } catch (err) {
          return refusal(err);
        }
      },
    }),
    route({
      method: 'DELETE',
      path: '/api/notifications/{kind}/{docId}',
      operationId: 'deleteNotificationDocument',
      response: z.object({ deleted: z.boolean() }),
      permission: 'notify.admin',
      tag: 'notifications',
      summary: 'Deletes one document; 409 while another names it (a subscription its channel, a policy its team …)',
      params: kindParams.extend({ docId }),
      returns: '{ deleted: true }',
      handler: async ({ params, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        try {
          await deps.notifications.remove(NOTIFY_CONFIG_PATHS[params.kind], params.docId, principal.username);
        } catch (err) {
          return refusal(err);
        }
        return { deleted: true };
      },
    }),
  ];
}
