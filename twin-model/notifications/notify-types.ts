/**
 * The shapes the notification engine emits and the dispatcher sends: incident events, their
 * recipients and the composed messages. One definition, shared by the engine, the channels,
 * the delivery log and the tests.
 */
import type { IncidentStatus } from '../incidents/incident-correlator.ts';
import type { IncidentType } from '../vocabulary.ts';
import type { ChannelKind, MessageKind, NotifyLanguage } from './notification-config.ts';
import type { CaseNotice } from './case-notice.ts';

/** What a message says about the incident (a copy, not the live object). */
export interface IncidentSummary {
  id: string;
  type: IncidentType;
  status: IncidentStatus;
  severity: number;
  district: string | null;
  lng: number;
  lat: number;
  openedAt: number;
}

/** An event about an incident (or, `case_overdue`, a hotline case) that people may be told of. */
export interface NotifyEvent {
  /**
   * Deterministic from the incident's history (`inc-000012/opened`,
   * `inc-000012/escalated/p-water/1767225600000/t2r0`): two web nodes fed the same changes name
   * the same event, so the idempotency key (event, recipient, channel) holds across them.
   */
  id: string;
  kind: MessageKind;
  /** When it happened; for an escalation the moment it was due. */
  at: number;
  /** The incident; absent on `case_overdue`. */
  incident?: IncidentSummary;
  /** `case_overdue`: the case's record (never its sensitive parts). */
  case?: CaseNotice;
  /** `test`: the channel tried and who asked for the test message. */
  test?: { channelId: string; actor: string };
  /** `severity_raised`: the severity before. */
  previousSeverity?: number;
  /** `opened` after a reopen. */
  reopened?: boolean;
  /** `escalated`: the policy, tier (1 = paged at opening) and repeat (0 = first page of the tier). */
  policyId?: string;
  tier?: number;
  repeat?: number;
  /** `escalated`: minutes the incident has waited for acknowledgement at `at`. */
  waitingMin?: number;
  /** `escalated`: targets that reached nobody (a roster gap, a user without an address for the channel). */
  unreached?: string[];
  /** `dispatched`: the units assigned and who assigned them. */
  unitIds?: string[];
  actor?: string;
}

/** One addressee of a message. */
export interface Recipient {
  /** `user:<name>` for people; `role:<role>`, `user:<name>` or `team:<id>` for a webhook's target. */
  id: string;
  /** E-mail address or E.164 phone number; absent for webhooks (the channel's URL is the address). */
  address?: string;
  /** For a webhook's role or team target: the people it stands for at that moment. */
  users?: string[];
}

/** Why a message exists: a subscription matched, or an escalation policy paged a tier. */
export type MessageOrigin = { subscriptionId: string } | { policyId: string; tier: number } | { testBy: string };

/** A composed message for one channel, ready to send. */
export interface OutgoingMessage {
  /** `<event id>|<channel id>|<language>|<first recipient id>`: unique per message. */
  id: string;
  event: NotifyEvent;
  channelId: string;
  channelKind: ChannelKind;
  language: NotifyLanguage;
  /** One for webhooks and SMS; the recipients sharing a language for e-mail. */
  recipients: Recipient[];
  subject: string;
  /** The full text (e-mail body, webhook `text`). */
  text: string;
  /** One line for SMS: the subject and the link. */
  short: string;
  /** The console link to the incident. */
  link: string;
  origin: MessageOrigin;
  /** Epoch ms the engine composed it. */
  createdAt: number;
}

/** The idempotency key of one recipient of a message: (event, recipient, channel). */
export function deliveryKey(eventId: string, recipientId: string, channelId: string): string {
  return `${eventId}|${recipientId}|${channelId}`;
}

/**
 * Where one recipient's message stands: `queued` (claimed, waiting for a send slot), `sent`
 * (the receiver accepted it), `retrying` (an attempt failed, another is scheduled), `failed`
 * (refused for good: a 4xx answer, an address the mail server rejects — not retried) and `dead`
 * (retries used up, dropped from a full queue, or left at shutdown). Failed and dead messages
 * are the channel's dead letters.
 */
export const DELIVERY_STATUSES = ['queued', 'sent', 'retrying', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Why a message became a dead letter. */
export const DEAD_LETTER_REASONS = ['queue_full', 'retries_exhausted', 'refused', 'unknown_channel', 'shutdown'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** One row of the delivery log: one recipient of one message, as it stands. */
export interface DeliveryRecord {
  /** The idempotency key (event, recipient, channel): the row's identity; a newer row replaces it. */
  key: string;
  messageId: string;
  eventId: string;
  eventKind: MessageKind;
  incidentId: string;
  channelId: string;
  channelKind: ChannelKind;
  /** `user:<name>`, or a webhook's target; addresses are not logged. */
  recipient: string;
  language: NotifyLanguage;
  status: DeliveryStatus;
  attempts: number;
  /** The last error ('' when none). */
  lastError: string;
  /** Set when failed or dead. */
  reason: DeadLetterReason | null;
  /** Epoch ms the message was handed to the dispatcher. */
  queuedAt: number;
  /** Epoch ms of this status. */
  updatedAt: number;
}
