/**
 * Notification configuration as validated data (docs/notifications.md): channels (webhook,
 * e-mail, SMS gateway), contacts (a user's language and addresses), subscriptions, escalation
 * policies and on-call rosters. Every document is checked with zod; a bad one is refused with
 * the field, the bad value quoted and what is accepted. Secrets (webhook secrets, SMTP
 * passwords, gateway headers) are never quoted back.
 *
 * The whole set is then checked for references (a subscription's channel, a policy's team, a
 * roster's users), so the engine never meets a name it cannot resolve.
 */
import { z } from 'zod';
import { quoteValue } from '../quote-value.ts';
import { INCIDENT_TYPES } from '../vocabulary.ts';
import { minutesOf, WEEKDAYS } from './city-time.ts';

/** Incident events a subscription can ask for. */
/** Incident events, and `case_overdue`: a hotline case missed a time limit (docs/cases.md). */
export const NOTIFY_EVENTS = ['opened', 'severity_raised', 'escalated', 'dispatched', 'resolved', 'case_overdue'] as const;
export type NotifyEventKind = (typeof NOTIFY_EVENTS)[number];

/**
 * What a message can be about: the events above, and `test` — a test message an administrator
 * sends through one channel (docs/notifications.md "Test messages"); no subscription names it.
 */
export const MESSAGE_KINDS = [...NOTIFY_EVENTS, 'test'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Languages messages are written in; zh-CN is the default. */
export const NOTIFY_LANGUAGES = ['zh-CN', 'en'] as const;
export type NotifyLanguage = (typeof NOTIFY_LANGUAGES)[number];

export const CHANNEL_KINDS = ['webhook', 'email', 'sms'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The accounts' user-name rule (web/server/auth USERNAME_PATTERN): a contact is an account. */
export const NOTIFY_USER_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;
const ID_TEXT = '1-64 characters of [A-Za-z0-9._-]';
const notifyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, `must be ${ID_TEXT}`);
const userName = z.string().regex(NOTIFY_USER_PATTERN, 'must be a user name: 2-32 characters of [a-z0-9._-] starting with a letter');
const severity = z.number().int('must be a whole number from 1 to 5').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5');
const hhmm = z.string().refine((v) => minutesOf(v) !== null, 'must be a time HH:MM from 00:00 to 24:00');
const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v.replace(/\{(to|text)\}/g, 'x'));
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL');
/** Header names of RFC 9110 §5.1 (tokens), values without line breaks. */
const headers = z.record(
  z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, 'must be an HTTP header name'),
  z
    .string()
    .max(4096)
    .regex(/^[^\r\n]*$/, 'must not contain line breaks'),
);

/** Retries of one message: attempts in all, exponential backoff with jitter between them. */
const retrySchema = z
  .object({
    attempts: z.number().int().min(1, 'must be 1 to 10').max(10, 'must be 1 to 10').default(5),
    baseDelayMs: z.number().int().min(1).max(600_000).default(1000),
    maxDelayMs: z.number().int().min(1).max(3_600_000).default(60_000),
  })
  .strict()
  .refine((r) => r.maxDelayMs >= r.baseDelayMs, { message: 'maxDelayMs must be at least baseDelayMs', path: ['maxDelayMs'] });
/** The channel's queue: messages waiting (beyond it they go to dead letters) and sends at once. */
const queueSchema = z
  .object({
    capacity: z.number().int().min(1, 'must be 1 to 1,000,000').max(1_000_000, 'must be 1 to 1,000,000').default(10_000),
    concurrency: z.number().int().min(1, 'must be 1 to 64').max(64, 'must be 1 to 64').default(4),
  })
  .strict();
const channelCommon = {
  id: notifyId,
  name: z.string().max(200).optional(),
  timeoutMs: z.number().int().min(100, 'must be 100 to 120000 ms').max(120_000, 'must be 100 to 120000 ms').default(10_000),
  retry: retrySchema.default({ attempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 }),
  queue: queueSchema.default({ capacity: 10_000, concurrency: 4 }),
};

export const webhookChannelSchema = z
  .object({
    ...channelCommon,
    kind: z.literal('webhook'),
    url: httpUrl,
    /** Key of the `X-CityTwin-Signature` HMAC-SHA256; at least 16 characters. */
    secret: z.string().min(16, 'must be at least 16 characters').max(512),
    /** A webhook speaks for no one person: its messages are written in this language. */
    language: z.enum(NOTIFY_LANGUAGES).default('zh-CN'),
    headers: headers.default({}),
    /**
     * Opt-in: a backlog goes out as batches — one signed request carrying up to `maxEvents`
     * messages (`X-CityTwin-Event: batch`); a message waits at most `maxWaitMs` for others to
     * join it. Absent (the default): one request per message.
     */
    batch: z
      .object({
        maxEvents: z.number().int().min(2, 'must be 2 to 500').max(500, 'must be 2 to 500'),
        maxWaitMs: z.number().int().min(0, 'must be 0 to 10000 ms').max(10_000, 'must be 0 to 10000 ms').default(0),
      })
      .strict()
      .optional(),
  })
  .strict();

export const emailChannelSchema = z
  .object({
    ...channelCommon,
    kind: z.literal('email'),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1, 'must be a port 1 to 65535').max(65_535, 'must be a port 1 to 65535').default(587),
    /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    auth: z
      .object({ user: z.string().min(1).max(256), pass: z.string().max(1024) })
      .strict()
      .optional(),
    from: z.string().regex(/^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an e-mail address, optionally "Name <address>"'),
  })
  .strict();

export const smsChannelSchema = z
  .object({
    ...channelCommon,
    kind: z.literal('sms'),
    /** The gateway's URL; `{to}` and `{text}` may appear in it (URL-encoded). */
    url: httpUrl,
    method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
    headers: headers.default({}),
    /** The request's fields; `{to}` and `{text}` in a value are replaced. GET puts them in the query. */
    body: z.record(z.string().min(1).max(64), z.string().max(2048)).default({ to: '{to}', text: '{text}' }),
    encoding: z.enum(['form', 'json']).default('form'),
    /** Longest text sent; longer texts are cut with an ellipsis. */
    maxLength: z.number().int().min(20).max(2000).default(300),
  })
  .strict()
  .refine((c) => Object.values(c.body).some((v) => v.includes('{text}')) || c.url.includes('{text}'), {
    message: 'the body or the URL must contain {text}',
    path: ['body'],
  })
  .refine((c) => Object.values(c.body).some((v) => v.includes('{to}')) || c.url.includes('{to}'), {
    message: 'the body or the URL must contain {to}',
    path: ['body'],
  });

export const channelSchema = z.discriminatedUnion('kind', [webhookChannelSchema, emailChannelSchema, smsChannelSchema]);
export type NotifyChannel = z.infer<typeof channelSchema>;
export type WebhookChannel = z.infer<typeof webhookChannelSchema>;
export type EmailChannel = z.infer<typeof emailChannelSchema>;
export type SmsChannel = z.infer<typeof smsChannelSchema>;

/** A person who can be notified: an account's language and addresses, and the roles they hold. */
export const contactSchema = z
  .object({
    user: userName,
    name: z.string().max(200).optional(),
    language: z.enum(NOTIFY_LANGUAGES).default('zh-CN'),
    email: z.email('must be an e-mail address').optional(),
    /** E.164, e.g. +8613800138000. */
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 form, e.g. +8613800138000')
      .optional(),
    roles: z.array(z.string().min(1).max(32)).max(16).default([]),
  })
  .strict();
export type NotifyContact = z.infer<typeof contactSchema>;

/** Who a subscription or an escalation tier reaches. */
export const targetSchema = z.union([
  z.object({ role: z.string().min(1).max(32) }).strict(),
  z.object({ user: userName }).strict(),
  /** A team's on-call people of `tier` (default: the escalation tier being paged). */
  z.object({ team: notifyId, tier: z.number().int().min(1).max(5).optional() }).strict(),
]);
export type NotifyTarget = z.infer<typeof targetSchema>;

const incidentTypes = z.array(z.enum(INCIDENT_TYPES)).min(1).optional();

export const subscriptionSchema = z
  .object({
    id: notifyId,
    name: z.string().max(200).optional(),
    enabled: z.boolean().default(true),
    events: z.array(z.enum(NOTIFY_EVENTS)).min(1, 'must name at least one event'),
    /** Absent: every incident type. */
    incidentTypes,
    minSeverity: severity.default(1),
    /** District codes; absent: everywhere (an incident with no district matches only then). */
    districts: z.array(z.string().min(1).max(64)).min(1).optional(),
    target: targetSchema,
    channels: z.array(notifyId).min(1, 'must name at least one channel'),
  })
  .strict();
export type NotifySubscription = z.infer<typeof subscriptionSchema>;

const tierSchema = z
  .object({
    targets: z.array(targetSchema).min(1, 'a tier must name at least one team, user or role'),
    /** Tiers 3 and up: minutes after the previous tier was paged (default: the policy's ackDeadlineMin). */
    afterMin: z.number().positive().max(1440).optional(),
  })
  .strict();

export const escalationPolicySchema = z
  .object({
    id: notifyId,
    name: z.string().max(200).optional(),
    /** Absent: every incident type. */
    incidentTypes,
    minSeverity: severity.default(1),
    /** Tier 1 is paged when the incident opens; tier 2 when it is still unacknowledged this many minutes later. */
    ackDeadlineMin: z.number().positive('must be more than 0 minutes').max(1440, 'must be at most 1440 minutes (a day)'),
    tiers: z.array(tierSchema).min(1, 'must have at least one tier').max(5, 'must have at most 5 tiers'),
    /** The tier last paged is paged again every `everyMin` minutes until the next tier is due, at most `times` in all. */
    repeat: z
      .object({ everyMin: z.number().positive().max(1440), times: z.number().int().min(0).max(20) })
      .strict()
      .default({ everyMin: 5, times: 0 }),
    /** Escalation stops on acknowledgement (or a dispatch), or only once the incident is resolved or closed. */
    stopOn: z.enum(['acknowledged', 'resolved']).default('acknowledged'),
    channels: z.array(notifyId).min(1, 'must name at least one channel'),
  })
  .strict()
  .refine((p) => p.tiers.slice(0, 2).every((t) => t.afterMin === undefined), {
    message: 'tiers 1 and 2 take no afterMin: tier 1 is paged at opening, tier 2 at ackDeadlineMin',
    path: ['tiers'],
  });
export type EscalationPolicy = z.infer<typeof escalationPolicySchema>;

/** One tier list per escalation tier: `tiers[0]` are tier 1's user names. */
const tierUsers = z.array(z.array(userName).max(50)).min(1).max(5);

const shiftSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1, 'must name at least one day'),
    /** Local start; `to` at or before `from` ends the next day (a night shift); 00:00–24:00 is a whole day. */
    from: hhmm,
    to: hhmm,
    tiers: tierUsers,
  })
  .strict()
  .refine((s) => minutesOf(s.from) !== minutesOf(s.to) && s.from !== '24:00', {
    message: 'a shift cannot start and end at the same time or start at 24:00; for a whole day write from 00:00 to 24:00',
    path: ['to'],
  });
const overrideSchema = z
  .object({
    date: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD'),
    from: hhmm.default('00:00'),
    to: hhmm.default('24:00'),
    tiers: tierUsers,
    reason: z.string().max(200).optional(),
  })
  .strict()
  .refine((o) => (minutesOf(o.from) ?? 0) < (minutesOf(o.to) ?? 0), {
    message: 'an override lies within its date: from must be before to (write the next date as a second override)',
    path: ['to'],
  });

export const rosterSchema = z
  .object({
    /** The team's id, named by escalation tiers (`{ "team": … }`). */
    id: notifyId,
    name: z.string().max(200).optional(),
    shifts: z.array(shiftSchema).max(100),
    /** Replace the shifts at these local times of a date (holidays, swaps). */
    overrides: z.array(overrideSchema).max(1000).default([]),
  })
  .strict();
export type OnCallRoster = z.infer<typeof rosterSchema>;
export type RosterShift = OnCallRoster['shifts'][number];
export type RosterOverride = OnCallRoster['overrides'][number];

/** The kinds of configuration document, each with its schema. */
export const NOTIFY_CONFIG_SCHEMAS = {
  channel: channelSchema,
  contact: contactSchema,
  subscription: subscriptionSchema,
  policy: escalationPolicySchema,
  roster: rosterSchema,
} as const;
export type NotifyConfigKind = keyof typeof NOTIFY_CONFIG_SCHEMAS;
export const NOTIFY_CONFIG_KINDS = Object.keys(NOTIFY_CONFIG_SCHEMAS) as NotifyConfigKind[];
export type NotifyConfigDoc<K extends NotifyConfigKind> = z.infer<(typeof NOTIFY_CONFIG_SCHEMAS)[K]>;

/** The whole configuration, validated and cross-checked. */
export interface NotificationConfig {
  channels: NotifyChannel[];
  contacts: NotifyContact[];
  subscriptions: NotifySubscription[];
  policies: EscalationPolicy[];
  rosters: OnCallRoster[];
}

export class NotificationConfigError extends Error {}

const SECRET_KEYS = new Set(['secret', 'pass', 'headers']);

/** One issue as `path: message, got <value>`; values under secret keys are not repeated. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  const where = path.join('.') || '(root)';
  if (path.some((p) => SECRET_KEYS.has(p))) return `${where}: ${issue.message} (value not shown)`;
  let value: unknown = issue.input;
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator && value && typeof value === 'object')
    value = (value as Record<string, unknown>)[issue.discriminator as string];
  if (issue.code === 'unrecognized_keys') return `${where}: ${issue.message}; allowed fields are listed in docs/notifications.md`;
  return `${where}: ${issue.message}, got ${quoteValue(value, 120)}`;
}

/** Validates one document of a kind; the error names the document, each bad field and its value. */
export function parseNotifyDoc<K extends NotifyConfigKind>(kind: K, doc: unknown, name = kind as string): NotifyConfigDoc<K> {
  const result = NOTIFY_CONFIG_SCHEMAS[kind].safeParse(doc, { reportInput: true });
  if (!result.success) {
    const issues = result.error.issues.map(describeIssue).join('; ');
    throw new NotificationConfigError(`${name} is not a valid notification ${kind}: ${issues}`);
  }
  return result.data as NotifyConfigDoc<K>;
}

export interface ConfigCheckOptions {
  /** The roles accounts can hold (web/server/auth ROLES); unchecked when absent. */
  roles?: readonly string[];
}

/** The raw configuration documents, by kind (e.g. read from the store or a JSON file). */
export type NotificationConfigInput = Partial<Record<keyof NotificationConfig, readonly unknown[]>>;

/** The key of each kind in {@link NotificationConfig}. */
export const NOTIFY_CONFIG_LISTS: Readonly<Record<NotifyConfigKind, keyof NotificationConfig>> = {
  channel: 'channels',
  contact: 'contacts',
  subscription: 'subscriptions',
  policy: 'policies',
  roster: 'rosters',
};

/**
 * Validates every document and the references between them: ids are unique per kind, every
 * channel, team and user named exists, every role is a role, a roster's people are contacts.
 */
export function parseNotificationConfig(input: NotificationConfigInput, options: ConfigCheckOptions = {}): NotificationConfig {
  const parseAll = <K extends NotifyConfigKind>(kind: K): NotifyConfigDoc<K>[] =>
    (input[NOTIFY_CONFIG_LISTS[kind]] ?? []).map((doc, i) => {
      const id =
        doc && typeof doc === 'object' ? ((doc as { id?: unknown; user?: unknown }).id ?? (doc as { user?: unknown }).user) : undefined;
      return parseNotifyDoc(kind, doc, typeof id === 'string' ? `${kind} ${JSON.stringify(id)}` : `${NOTIFY_CONFIG_LISTS[kind]}[${i}]`);
    });
  const config: NotificationConfig = {
    channels: parseAll('channel'),
    contacts: parseAll('contact'),
    subscriptions: parseAll('subscription'),
    policies: parseAll('policy'),
    rosters: parseAll('roster'),
  };
  const problems = configProblems(config, options);
  if (problems.length > 0) throw new NotificationConfigError(`the notification configuration is not consistent: ${problems.join('; ')}`);
  return config;
}

function list(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? 'none is defined' : all.join(', ');
}

/** The cross-reference problems of a configuration whose documents are each valid. */
export function configProblems(config: NotificationConfig, options: ConfigCheckOptions = {}): string[] {
  const problems: string[] = [];
  const unique = (kind: string, ids: string[]): Set<string> => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) problems.push(`${kind} ${JSON.stringify(id)} is defined twice`);
      seen.add(id);
    }
    return seen;
  };
  const channels = unique(
    'channel',
    config.channels.map((c) => c.id),
  );
  const users = unique(
    'contact',
    config.contacts.map((c) => c.user),
  );
  unique(
    'subscription',
    config.subscriptions.map((s) => s.id),
  );
  unique(
    'policy',
    config.policies.map((p) => p.id),
  );
  const teams = unique(
    'roster',
    config.rosters.map((r) => r.id),
  );
  const checkChannels = (owner: string, ids: readonly string[]): void => {
    for (const id of ids)
      if (!channels.has(id)) problems.push(`${owner}: channel ${JSON.stringify(id)} is not defined (channels: ${list(channels)})`);
  };
  const checkTarget = (owner: string, t: NotifyTarget): void => {
    if ('role' in t && options.roles && !options.roles.includes(t.role))
      problems.push(`${owner}: role ${JSON.stringify(t.role)} is not a role (roles: ${options.roles.join(', ')})`);
    if ('user' in t && !users.has(t.user))
      problems.push(`${owner}: user ${JSON.stringify(t.user)} is not a contact (contacts: ${list(users)})`);
    if ('team' in t && !teams.has(t.team))
      problems.push(`${owner}: team ${JSON.stringify(t.team)} has no roster (rosters: ${list(teams)})`);
  };
  for (const c of config.contacts) {
    for (const role of c.roles)
      if (options.roles && !options.roles.includes(role))
        problems.push(`contact ${c.user}: role ${JSON.stringify(role)} is not a role (roles: ${options.roles.join(', ')})`);
  }
  for (const s of config.subscriptions) {
    checkChannels(`subscription ${s.id}`, s.channels);
    checkTarget(`subscription ${s.id}`, s.target);
  }
  for (const p of config.policies) {
    checkChannels(`policy ${p.id}`, p.channels);
    p.tiers.forEach((tier, i) => {
      for (const t of tier.targets) checkTarget(`policy ${p.id} tier ${i + 1}`, t);
    });
  }
  for (const r of config.rosters) {
    const named = [...r.shifts.flatMap((s) => s.tiers.flat()), ...r.overrides.flatMap((o) => o.tiers.flat())];
    for (const u of new Set(named))
      if (!users.has(u)) problems.push(`roster ${r.id}: user ${JSON.stringify(u)} is not a contact (contacts: ${list(users)})`);
  }
  return problems;
}

/** A channel as it may be shown: secrets, passwords and header values replaced by `***`. */
export function redactChannel(channel: NotifyChannel): NotifyChannel {
  const hide = (h: Record<string, string>): Record<string, string> => Object.fromEntries(Object.keys(h).map((k) => [k, '***']));
  switch (channel.kind) {
    case 'webhook':
      return { ...channel, secret: '***', headers: hide(channel.headers) };
    case 'email':
      return channel.auth ? { ...channel, auth: { user: channel.auth.user, pass: '***' } } : channel;
    case 'sms':
      return { ...channel, headers: hide(channel.headers) };
    default: {
      const never: never = channel;
      return never;
    }
  }
}
