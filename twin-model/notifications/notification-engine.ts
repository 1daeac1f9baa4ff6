/**
 * The notification engine: a pure updater `(state, input, ctx) => { state, emitted }` (the
 * clock comes from `ctx`; no I/O). It follows the incidents through their changes and the
 * dispatches, turns them into events (`opened`, `severity_raised`, `escalated`, `dispatched`,
 * `resolved`), matches subscriptions, runs each open incident's escalation schedule, resolves
 * teams through the on-call rosters and composes one message per channel and recipient (one
 * per language for e-mail). Sending is the dispatcher's job (web/server/notifications).
 *
 * Events are named deterministically from the incident's history, so the same changes fed to
 * two web nodes, or fed again after a restart, produce the same idempotency keys.
 */
import type { Incident, IncidentChange, IncidentStatus } from '../incidents/incident-correlator.ts';
import { escalationSchedule, selectPolicy, type EscalationStep } from './escalation.ts';
import { composeMessage, type ComposedText, type NotifyCity } from './message-text.ts';
import type {
  EscalationPolicy,
  NotificationConfig,
  NotifyContact,
  NotifyLanguage,
  NotifyTarget,
  OnCallRoster,
} from './notification-config.ts';
import {
  deliveryKey,
  type IncidentSummary,
  type MessageOrigin,
  type NotifyEvent,
  type OutgoingMessage,
  type Recipient,
} from './notify-types.ts';
import { onCallNow } from './on-call.ts';
import type { CaseNotice } from './case-notice.ts';

export interface NotificationContext {
  now(): number;
}

export type NotificationInput =
  /** A change the correlator or an operator made (twin-model/incidents). */
  | { type: 'incident_change'; change: IncidentChange }
  /** Units assigned to an incident (dispatch). */
  | { type: 'dispatched'; incidentId: string; unitIds: string[]; actor: string; at: number }
  /** The active incidents after a restart: followed again, escalations resumed, nothing announced. */
  | { type: 'restore'; incidents: readonly Incident[] }
  /** A new configuration (already validated with parseNotificationConfig). */
  | { type: 'configure'; config: NotificationConfig }
  /** Time passes: escalations that are due are paged. */
  | { type: 'tick' }
  /** A hotline case missed a time limit (the case desk's clock): told to its subscribers. */
  | { type: 'case_overdue'; notice: CaseNotice; at: number };

export interface NotificationEmission {
  events: NotifyEvent[];
  messages: OutgoingMessage[];
}

interface Track {
  policyId: string;
  start: number;
  steps: EscalationStep[];
  /** Steps paged or passed over, as `t<tier>r<repeat>`. */
  done: Set<string>;
}

interface Followed {
  summary: IncidentSummary;
  active: boolean;
  track: Track | null;
  /** Escalation stopped by an acknowledgement or a dispatch (until a reopen). */
  stopped: boolean;
  lastChangeAt: number;
}

interface ConfigIndex {
  channels: Map<string, NotificationConfig['channels'][number]>;
  contacts: Map<string, NotifyContact>;
  rosters: Map<string, OnCallRoster>;
  policies: Map<string, EscalationPolicy>;
}

export interface NotificationState {
  config: NotificationConfig;
  index: ConfigIndex;
  city: NotifyCity;
  incidents: Map<string, Followed>;
  counters: { events: number; messages: number; unreached: number; ignored: number };
}

/** Where an escalation stands, for "next escalation in mm:ss" on the console. */
export interface EscalationStatus {
  incidentId: string;
  policyId: string;
  tier: number;
  repeat: number;
  dueAt: number;
}

const ACTIVE: ReadonlySet<IncidentStatus> = new Set(['open', 'acknowledged']);
/** Incidents no longer active are forgotten after this long (a late dispatch or reopen is then unknown). */
const INACTIVE_RETENTION_MS = 24 * 3_600_000;

function indexConfig(config: NotificationConfig): ConfigIndex {
  return {
    channels: new Map(config.channels.map((c) => [c.id, c])),
    contacts: new Map(config.contacts.map((c) => [c.user, c])),
    rosters: new Map(config.rosters.map((r) => [r.id, r])),
    policies: new Map(config.policies.map((p) => [p.id, p])),
  };
}

export function createNotificationState(config: NotificationConfig, city: NotifyCity): NotificationState {
  return { config, index: indexConfig(config), city, incidents: new Map(), counters: { events: 0, messages: 0, unreached: 0, ignored: 0 } };
}

function summarize(i: Incident): IncidentSummary {
  return {
    id: i.id,
    type: i.type,
    status: i.status,
    severity: i.severity,
    district: i.district,
    lng: i.lng,
    lat: i.lat,
    openedAt: i.openedAt,
  };
}

const stepKey = (s: Pick<EscalationStep, 'tier' | 'repeat'>): string => `t${s.tier}r${s.repeat}`;

/** Starts (or re-selects) the escalation track of an incident; keeps what was paged when the policy stays. */
function selectTrack(state: NotificationState, f: Followed, start: number): void {
  const policy = selectPolicy(state.config.policies, f.summary.type, f.summary.severity);
  if (!policy) {
    f.track = null;
    return;
  }
  const done = f.track && f.track.policyId === policy.id && f.track.start === start ? f.track.done : new Set<string>();
  f.track = { policyId: policy.id, start, steps: escalationSchedule(policy, start), done };
}

/** A target's people at `at`: a user, a role's contacts, or a team's on-call tier. */
function resolveTarget(state: NotificationState, t: NotifyTarget, tier: number, at: number): { id: string; users: string[] } {
  if ('user' in t) return { id: `user:${t.user}`, users: [t.user] };
  if ('role' in t) return { id: `role:${t.role}`, users: state.config.contacts.filter((c) => c.roles.includes(t.role)).map((c) => c.user) };
  const roster = state.index.rosters.get(t.team);
  const n = t.tier ?? tier;
  return { id: `team:${t.team}/t${n}`, users: roster ? onCallNow(roster, n, at, state.city.timeZone) : [] };
}

/** Composes the messages of one event for resolved targets over channels; `taken` holds the keys already used in this emission. */
function messagesFor(
  state: NotificationState,
  event: NotifyEvent,
  channelIds: readonly string[],
  targets: readonly { id: string; users: string[] }[],
  origin: MessageOrigin,
  taken: Set<string>,
  texts: Map<NotifyLanguage, ComposedText>,
  now: number,
): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  const textOf = (language: NotifyLanguage): ComposedText => {
    let t = texts.get(language);
    if (!t) {
      t = composeMessage(event, language, state.city);
      texts.set(language, t);
    }
    return t;
  };
  const push = (channelId: string, kind: OutgoingMessage['channelKind'], language: NotifyLanguage, recipients: Recipient[]): void => {
    const fresh = recipients.filter((r) => {
      const key = deliveryKey(event.id, r.id, channelId);
      if (taken.has(key)) return false;
      taken.add(key);
      return true;
    });
    if (fresh.length === 0) return;
    const text = textOf(language);
    out.push({
      id: `${event.id}|${channelId}|${language}|${fresh[0]!.id}`,
      event,
      channelId,
      channelKind: kind,
      language,
      recipients: fresh,
      subject: text.subject,
      text: text.text,
      short: text.short,
      link: text.link,
      origin,
      createdAt: now,
    });
  };
  for (const channelId of channelIds) {
    const channel = state.index.channels.get(channelId);
    if (!channel) continue;
    if (channel.kind === 'webhook') {
      for (const t of targets) push(channel.id, 'webhook', channel.language, [{ id: t.id, users: [...t.users] }]);
      continue;
    }
    const people = [...new Set(targets.flatMap((t) => t.users))]
      .map((u) => state.index.contacts.get(u))
      .filter((c): c is NotifyContact => c !== undefined);
    if (channel.kind === 'sms') {
      for (const c of people) if (c.phone) push(channel.id, 'sms', c.language, [{ id: `user:${c.user}`, address: c.phone }]);
      continue;
    }
    // E-mail: one message per language, its recipients together.
    for (const language of ['zh-CN', 'en'] as const) {
      const group = people.filter((c) => c.email && c.language === language);
      if (group.length > 0)
        push(
          channel.id,
          'email',
          language,
          group.map((c) => ({ id: `user:${c.user}`, address: c.email! })),
        );
    }
  }
  return out;
}

/** Subscriptions matching the event, and their messages. */
function subscriberMessages(
  state: NotificationState,
  event: NotifyEvent,
  taken: Set<string>,
  texts: Map<NotifyLanguage, ComposedText>,
  now: number,
) {
  const i = event.incident;
  const out: OutgoingMessage[] = [];
  // Subscribers hear of each tier once, not of every reminder; a test message goes to its channel only.
  if (event.kind === 'test' || (event.kind === 'escalated' && (event.repeat ?? 0) > 0)) return out;
  // A case's district, or the incident's; incident types and severity filter incident events only.
  const district = i ? i.district : (event.case?.district ?? null);
  for (const s of state.config.subscriptions) {
    if (!s.enabled || !s.events.includes(event.kind)) continue;
    if (i && (i.severity < s.minSeverity || (s.incidentTypes && !s.incidentTypes.includes(i.type)))) continue;
    if (s.districts && (district === null || !s.districts.includes(district))) continue;
    const target = resolveTarget(state, s.target, 1, event.at);
    out.push(...messagesFor(state, event, s.channels, [target], { subscriptionId: s.id }, taken, texts, now));
  }
  return out;
}

function announce(
  state: NotificationState,
  event: NotifyEvent,
  emitted: NotificationEmission,
  now: number,
  extra: OutgoingMessage[] = [],
): void {
  const taken = new Set<string>(extra.flatMap((m) => m.recipients.map((r) => deliveryKey(event.id, r.id, m.channelId))));
  const messages = oneRequestPerWebhook([...extra, ...subscriberMessages(state, event, taken, new Map(), now)]);
  emitted.events.push(event);
  emitted.messages.push(...messages);
  state.counters.events++;
  state.counters.messages += messages.length;
}

/**
 * One webhook request per (event, channel), listing every recipient the pages and the
 * subscriptions gave it, instead of one request per recipient: a city's few webhooks (a duty
 * chat, another agency's system) each hear of an event once, however many subscriptions route
 * it there. The message keeps the first part's origin; its id is `<event id>|<channel id>`.
 */
export function oneRequestPerWebhook(messages: readonly OutgoingMessage[]): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  const byChannel = new Map<string, OutgoingMessage>();
  for (const m of messages) {
    if (m.channelKind !== 'webhook') {
      out.push(m);
      continue;
    }
    const held = byChannel.get(m.channelId);
    if (held) {
      held.recipients.push(...m.recipients);
      continue;
    }
    const merged: OutgoingMessage = { ...m, id: webhookMessageId(m.event.id, m.channelId), recipients: [...m.recipients] };
    byChannel.set(m.channelId, merged);
    out.push(merged);
  }
  return out;
}

/** The id of a webhook message (and its `X-CityTwin-Delivery`): one per (event, channel). */
export function webhookMessageId(eventId: string, channelId: string): string {
  return `${eventId}|${channelId}`;
}

function handleChange(state: NotificationState, change: IncidentChange, now: number, emitted: NotificationEmission): void {
  const inc = change.incident;
  const summary = summarize(inc);
  const active = ACTIVE.has(inc.status);
  const f = state.incidents.get(inc.id);
  if (!f) {
    const followed: Followed = { summary, active, track: null, stopped: false, lastChangeAt: change.at };
    state.incidents.set(inc.id, followed);
    if (!active) return;
    if (change.what === 'opened' || change.what === 'split_from')
      announce(state, { id: `${inc.id}/opened`, kind: 'opened', at: inc.openedAt, incident: summary }, emitted, now);
    startTrackIfDue(state, followed, inc.openedAt);
    pageDue(state, followed, now, emitted);
    return;
  }
  const before = f.summary;
  f.summary = summary;
  f.lastChangeAt = change.at;
  if (!f.active && active) {
    f.active = true;
    announce(
      state,
      { id: `${inc.id}/reopened/${change.at}`, kind: 'opened', at: change.at, incident: summary, reopened: true },
      emitted,
      now,
    );
    f.track = null;
    f.stopped = false;
    startTrackIfDue(state, f, change.at);
    pageDue(state, f, now, emitted);
    return;
  }
  if (f.active && !active) {
    f.active = false;
    f.track = null;
    announce(state, { id: `${inc.id}/${inc.status}/${change.at}`, kind: 'resolved', at: change.at, incident: summary }, emitted, now);
    return;
  }
  if (!active) return;
  if (summary.severity > before.severity) {
    const id = `${inc.id}/severity/${change.at}/${summary.severity}`;
    announce(state, { id, kind: 'severity_raised', at: change.at, incident: summary, previousSeverity: before.severity }, emitted, now);
    // A stricter policy may now apply; the clock keeps running from the same start.
    if (!f.stopped) {
      if (f.track) selectTrack(state, f, f.track.start);
      else startTrackIfDue(state, f, inc.openedAt);
      pageDue(state, f, now, emitted);
    }
  }
  if (before.status === 'open' && summary.status === 'acknowledged') stopUnlessResolution(state, f);
}

/** Someone acted (acknowledged, dispatched): escalation stops unless its policy runs until resolution. */
function stopUnlessResolution(state: NotificationState, f: Followed): void {
  if (!f.track) return;
  if (state.index.policies.get(f.track.policyId)?.stopOn === 'resolved') return;
  f.track = null;
  f.stopped = true;
}

/** Starts escalation unless the incident is acknowledged under a policy that stops there. */
function startTrackIfDue(state: NotificationState, f: Followed, start: number): void {
  selectTrack(state, f, start);
  if (f.summary.status === 'acknowledged') stopUnlessResolution(state, f);
}

/** Pages the steps that are due. A late tick pages each tier it passed once, and of reminders only the latest. */
function pageDue(state: NotificationState, f: Followed, now: number, emitted: NotificationEmission): void {
  const track = f.track;
  if (!f.active || !track) return;
  const policy = state.index.policies.get(track.policyId);
  if (!policy) return;
  const due = track.steps.filter((s) => s.dueAt <= now && !track.done.has(stepKey(s)));
  due.forEach((step, k) => {
    track.done.add(stepKey(step));
    if (step.repeat > 0 && k < due.length - 1) return;
    pageStep(state, f, policy, track, step, now, emitted);
  });
}

function handleTick(state: NotificationState, now: number, emitted: NotificationEmission): void {
  for (const [id, f] of state.incidents) {
    if (!f.active && now - f.lastChangeAt > INACTIVE_RETENTION_MS) state.incidents.delete(id);
    else pageDue(state, f, now, emitted);
  }
}

function pageStep(
  state: NotificationState,
  f: Followed,
  policy: EscalationPolicy,
  track: Track,
  step: EscalationStep,
  now: number,
  emitted: NotificationEmission,
): void {
  const tier = policy.tiers[step.tier - 1]!;
  const targets = tier.targets.map((t) => resolveTarget(state, t, step.tier, step.dueAt));
  const personal = policy.channels.some((c) => state.index.channels.get(c)?.kind !== 'webhook');
  const hasWebhook = policy.channels.some((c) => state.index.channels.get(c)?.kind === 'webhook');
  const unreached: string[] = [];
  for (const t of targets) {
    if (t.users.length === 0 && !(hasWebhook && !t.id.startsWith('team:'))) unreached.push(t.id);
    else if (personal && !hasWebhook)
      for (const u of t.users) {
        const c = state.index.contacts.get(u);
        const reachable = policy.channels.some((id) => {
          const kind = state.index.channels.get(id)?.kind;
          return (kind === 'email' && c?.email) || (kind === 'sms' && c?.phone);
        });
        if (!reachable) unreached.push(`user:${u}`);
      }
  }
  state.counters.unreached += unreached.length;
  const event: NotifyEvent = {
    id: `${f.summary.id}/escalated/${policy.id}/${track.start}/${stepKey(step)}`,
    kind: 'escalated',
    at: step.dueAt,
    incident: f.summary,
    policyId: policy.id,
    tier: step.tier,
    repeat: step.repeat,
    waitingMin: Math.round((step.dueAt - track.start) / 60_000),
    ...(unreached.length > 0 ? { unreached } : {}),
  };
  const pages = messagesFor(state, event, policy.channels, targets, { policyId: policy.id, tier: step.tier }, new Set(), new Map(), now);
  announce(state, event, emitted, now, pages);
}

function handleDispatched(
  state: NotificationState,
  input: Extract<NotificationInput, { type: 'dispatched' }>,
  now: number,
  emitted: NotificationEmission,
) {
  const f = state.incidents.get(input.incidentId);
  if (!f?.active) {
    state.counters.ignored++;
    return;
  }
  const units = [...input.unitIds].sort();
  const id = `${input.incidentId}/dispatched/${input.at}/${units.join('+')}`;
  announce(state, { id, kind: 'dispatched', at: input.at, incident: f.summary, unitIds: units, actor: input.actor }, emitted, now);
  // Someone acted: escalation that stops on acknowledgement stops here too.
  stopUnlessResolution(state, f);
}

/** Applies one input; `emitted` holds the events and the messages to send. */
export function applyNotificationInput(
  state: NotificationState,
  input: NotificationInput,
  ctx: NotificationContext,
): { state: NotificationState; emitted: NotificationEmission } {
  const now = ctx.now();
  const emitted: NotificationEmission = { events: [], messages: [] };
  switch (input.type) {
    case 'incident_change':
      handleChange(state, input.change, now, emitted);
      break;
    case 'dispatched':
      handleDispatched(state, input, now, emitted);
      break;
    case 'restore':
      for (const inc of input.incidents) {
        if (!ACTIVE.has(inc.status) || state.incidents.has(inc.id)) continue;
        const f: Followed = { summary: summarize(inc), active: true, track: null, stopped: false, lastChangeAt: inc.updatedAt };
        state.incidents.set(inc.id, f);
        startTrackIfDue(state, f, inc.openedAt);
      }
      break;
    case 'configure':
      state.config = input.config;
      state.index = indexConfig(input.config);
      for (const f of state.incidents.values()) if (f.active && f.track) selectTrack(state, f, f.track.start);
      break;
    case 'tick':
      handleTick(state, now, emitted);
      break;
    case 'case_overdue': {
      // One event per case, limit and deadline: two nodes fed the same overdue mark name the same event.
      const n = input.notice;
      announce(
        state,
        { id: `${n.caseId}/case_overdue/${n.stage}/${n.deadline}`, kind: 'case_overdue', at: input.at, case: n },
        emitted,
        now,
      );
      break;
    }
    default: {
      const never: never = input;
      throw new Error(`unknown notification input ${JSON.stringify(never)}`);
    }
  }
  return { state, emitted };
}

/** The next page of an incident's escalation, or null when none is scheduled (acknowledged, resolved, no policy, schedule done). */
export function nextEscalation(state: NotificationState, incidentId: string): EscalationStatus | null {
  const f = state.incidents.get(incidentId);
  if (!f?.active || !f.track) return null;
  const track = f.track;
  const step = track.steps.find((s) => !track.done.has(stepKey(s)));
  return step ? { incidentId, policyId: track.policyId, tier: step.tier, repeat: step.repeat, dueAt: step.dueAt } : null;
}

/** Where an incident's escalation stands: the tier paged last (0 before the first page) and the next page. */
export interface EscalationProgress {
  incidentId: string;
  policyId: string;
  /** The highest tier paged so far; 0 when none is yet. */
  tier: number;
  /** The next page, or null when the schedule is done. */
  next: EscalationStatus | null;
}

/** An incident's escalation as it runs, or null when none runs (no policy, acknowledged, resolved). */
export function escalationProgress(state: NotificationState, incidentId: string): EscalationProgress | null {
  const f = state.incidents.get(incidentId);
  if (!f?.active || !f.track) return null;
  const track = f.track;
  let tier = 0;
  for (const s of track.steps) if (track.done.has(stepKey(s)) && s.tier > tier) tier = s.tier;
  return { incidentId, policyId: track.policyId, tier, next: nextEscalation(state, incidentId) };
}

/** Every scheduled escalation, soonest first. */
export function escalationOverview(state: NotificationState): EscalationStatus[] {
  const out: EscalationStatus[] = [];
  for (const id of state.incidents.keys()) {
    const next = nextEscalation(state, id);
    if (next) out.push(next);
  }
  return out.sort((a, b) => a.dueAt - b.dueAt || (a.incidentId < b.incidentId ? -1 : 1));
}
