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
import { createAgents, sendHttp } from './http-request.ts';

export const SIGNATURE_HEADER = 'X-CityTwin-Signature';
export const DELIVERY_HEADER = 'X-CityTwin-Delivery';
export const EVENT_HEADER = 'X-CityTwin-Event';

/** `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function signBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The JSON body of a webhook message (the same bytes on every attempt). */
export function webhookBody(message: OutgoingMessage): Buffer {
  const e = message.event;
  return Buffer.from(
    JSON.stringify({
      id: webhookMessageId(e.id, message.channelId),
      event: {
        id: e.id,
        kind: e.kind,
        at: e.at,
        ...(e.previousSeverity !== undefined ? { previousSeverity: e.previousSeverity } : {}),
        ...(e.reopened ? { reopened: true } : {}),
        ...(e.tier !== undefined ? { policyId: e.policyId, tier: e.tier, repeat: e.repeat, waitingMin: e.waitingMin } : {}),
        ...(e.unreached ? { unreached: e.unreached } : {}),
        ...(e.unitIds ? { unitIds: e.unitIds, actor: e.actor } : {}),
      },
      ...(e.incident ? { incident: e.incident } : {}),
      // `case_overdue`: the case's record (number, category, department, district, limit), never its sensitive parts.
      ...(e.case ? { case: e.case } : {}),
      // `test`: the channel tried and who asked; no incident.
      ...(e.test ? { test: e.test } : {}),
      recipients: message.recipients.map((r) => ({ id: r.id, users: r.users ?? [] })),
      language: message.language,
      subject: message.subject,
      text: message.text,
      link: message.link,
      createdAt: message.createdAt,
    }),
    'utf8',
  );
}

export class WebhookSender implements ChannelSender {
  private readonly agents;

  constructor(private readonly channel: WebhookChannel) {
    this.agents = createAgents(channel.queue.concurrency);
  }

  send(message: OutgoingMessage): Promise<SendOutcome> {
    const body = webhookBody(message);
    return sendHttp(
      {
        url: this.channel.url,
        method: 'POST',
        headers: {
          ...this.channel.headers,
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'CityTwin-Notifications/1',
          [EVENT_HEADER]: message.event.kind,
          [DELIVERY_HEADER]: webhookMessageId(message.event.id, message.channelId),
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
