/**
 * Webhooks: the message as a JSON body POSTed to the channel's URL, signed so the receiver can
 * tell it comes from CityTwin and was not altered: `X-CityTwin-Signature: sha256=<hex>` is the
 * HMAC-SHA256 of the raw body bytes with the channel's secret (docs/notifications.md shows a
 * receiver checking it). One request per (event, channel) lists every recipient it stands for
 * (`recipients`); `X-CityTwin-Delivery` is `<event id>|<channel id>`, so a receiver can drop a
 * message it already took (a retry after an answer that was lost or late).
 */
import { createHmac } from 'node:crypto';
import { webhookMessageId, type OutgoingMessage, type WebhookChannel } from '../../../twin-model/index.ts';
import type { ChannelSender, SendOutcome } from './channel-sender.ts';
import { createAgents, parseUrl, sendHttp } from './http-request.ts';

export const SIGNATURE_HEADER = 'X-CityTwin-Signature';
export const DELIVERY_HEADER = 'X-CityTwin-Delivery';
export const EVENT_HEADER = 'X-CityTwin-Event';

/** `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function signBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The JSON of the event and what it is about (`"event":…,"incident":…`), the same for every channel. */
function eventPart(message: OutgoingMessage): string {
  const e = message.event;
  const event = JSON.stringify({
    id: e.id,
    kind: e.kind,
    at: e.at,
    ...(e.previousSeverity !== undefined ? { previousSeverity: e.previousSeverity } : {}),
    ...(e.reopened ? { reopened: true } : {}),
    ...(e.tier !== undefined ? { policyId: e.policyId, tier: e.tier, repeat: e.repeat, waitingMin: e.waitingMin } : {}),
    ...(e.unreached ? { unreached: e.unreached } : {}),
    ...(e.unitIds ? { unitIds: e.unitIds, actor: e.actor } : {}),
  });
  let out = `"event":${event}`;
  if (e.incident) out += `,"incident":${JSON.stringify(e.incident)}`;
  // `case_overdue`: the case's record (number, category, department, district, limit), never its sensitive parts.
  if (e.case) out += `,"case":${JSON.stringify(e.case)}`;
  // `test`: the channel tried and who asked; no incident.
  if (e.test) out += `,"test":${JSON.stringify(e.test)}`;
  return out;
}

/** The text part (`"language":…,"createdAt":…`) of a message. */
function textPart(m: OutgoingMessage): string {
  return `"language":${JSON.stringify(m.language)},"subject":${JSON.stringify(m.subject)},"text":${JSON.stringify(m.text)},"link":${JSON.stringify(m.link)},"createdAt":${JSON.stringify(m.createdAt)}`;
}

interface EventJson {
  event: string;
  /** Per language: the text part, with what it was made of (reused only when a message's text is the same). */
  texts: Map<string, { subject: string; text: string; link: string; createdAt: number; json: string }>;
}

/**
 * The JSON of each event, made once however many channels carry it (an event is one object for
 * all its messages): fifty webhooks for one incident serialize its record once, not fifty times.
 */
const eventJson = new WeakMap<object, EventJson>();

function cachedParts(m: OutgoingMessage): { event: string; text: string } {
  let cached = eventJson.get(m.event);
  if (!cached) {
    cached = { event: eventPart(m), texts: new Map() };
    eventJson.set(m.event, cached);
  }
  const t = cached.texts.get(m.language);
  if (t && t.subject === m.subject && t.text === m.text && t.link === m.link && t.createdAt === m.createdAt)
    return { event: cached.event, text: t.json };
  const json = textPart(m);
  if (!t) cached.texts.set(m.language, { subject: m.subject, text: m.text, link: m.link, createdAt: m.createdAt, json });
  return { event: cached.event, text: json };
}

/** The JSON text of one message (a webhook body, or one item of a batch). */
function messageJson(message: OutgoingMessage): string {
  const parts = cachedParts(message);
  const recipients = JSON.stringify(message.recipients.map((r) => ({ id: r.id, users: r.users ?? [] })));
  return `{"id":${JSON.stringify(webhookMessageId(message.event.id, message.channelId))},${parts.event},"recipients":${recipients},${parts.text}}`;
}

/** The JSON body of a webhook message (the same bytes on every attempt). */
export function webhookBody(message: OutgoingMessage): Buffer {
  return Buffer.from(messageJson(message), 'utf8');
}

/** The id of a batch (its `X-CityTwin-Delivery`): the first message's id and how many it carries. */
export function batchId(messages: readonly OutgoingMessage[]): string {
  const first = messages[0]!;
  return `batch:${webhookMessageId(first.event.id, first.channelId)}+${messages.length}`;
}

/** The JSON body of a batch: `{"batch": <id>, "messages": [<each message's body>, …]}`. */
export function webhookBatchBody(messages: readonly OutgoingMessage[]): Buffer {
  return Buffer.from(`{"batch":${JSON.stringify(batchId(messages))},"messages":[${messages.map(messageJson).join(',')}]}`, 'utf8');
}

export class WebhookSender implements ChannelSender {
  private readonly agents;
  /** Parsed once: every request goes to the same place. */
  private readonly url: URL | string;
  private readonly fixedHeaders: Record<string, string>;

  constructor(private readonly channel: WebhookChannel) {
    this.agents = createAgents(channel.queue.concurrency);
    this.url = parseUrl(channel.url);
    this.fixedHeaders = { ...channel.headers, 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'CityTwin-Notifications/1' };
  }

  send(message: OutgoingMessage): Promise<SendOutcome> {
    return this.post(message.event.kind, webhookMessageId(message.event.id, message.channelId), webhookBody(message));
  }

  /** Several messages in one signed request (a channel's `batch` option): `X-CityTwin-Event: batch`. */
  sendBatch(messages: readonly OutgoingMessage[]): Promise<SendOutcome> {
    return this.post('batch', batchId(messages), webhookBatchBody(messages));
  }

  private post(event: string, delivery: string, body: Buffer): Promise<SendOutcome> {
    return sendHttp(
      {
        url: this.url,
        method: 'POST',
        headers: {
          ...this.fixedHeaders,
          [EVENT_HEADER]: event,
          [DELIVERY_HEADER]: delivery,
          [SIGNATURE_HEADER]: signBody(body, this.channel.secret),
        },
        body,
        timeoutMs: this.channel.timeoutMs,
      },
      this.agents,
    );
  }

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
