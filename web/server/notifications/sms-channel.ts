/**
 * SMS through an HTTP gateway described by a template (docs/notifications.md): the URL, the
 * method, headers, and body fields in which `{to}` (E.164 number) and `{text}` (the message's
 * one-line form, cut to the channel's maxLength) are replaced — in one pass, so a text that
 * itself contains "{to}" stays as written. Fields go as a form or as JSON; with GET they are
 * added to the query. Placeholders in the URL are URL-encoded.
 */
import type { OutgoingMessage, SmsChannel } from '../../../twin-model/index.ts';
import type { ChannelSender, SendOutcome } from './channel-sender.ts';
import { createAgents, sendHttp, type HttpRequest } from './http-request.ts';

const PLACEHOLDER = /\{(to|text)\}/g;

/** The text cut to `maxLength` characters (code points), ending with an ellipsis when cut. */
export function smsText(text: string, maxLength: number): string {
  const chars = [...text];
  return chars.length <= maxLength ? text : `${chars.slice(0, maxLength - 1).join('')}…`;
}

/** The gateway request for one number and text. */
export function renderSmsRequest(channel: SmsChannel, to: string, text: string): HttpRequest {
  const values = { to, text };
  const fill = (template: string, encode: (s: string) => string = (s) => s): string =>
    template.replace(PLACEHOLDER, (_, name: 'to' | 'text') => encode(values[name]));
  const url = new URL(fill(channel.url, encodeURIComponent));
  const fields = Object.fromEntries(Object.entries(channel.body).map(([k, v]) => [k, fill(v)]));
  const headers = { 'User-Agent': 'CityTwin-Notifications/1', ...channel.headers };
  if (channel.method === 'GET') {
    for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
    return { url: url.toString(), method: 'GET', headers, timeoutMs: channel.timeoutMs };
  }
  const body = channel.encoding === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const type = channel.encoding === 'json' ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded; charset=utf-8';
  return { url: url.toString(), method: channel.method, headers: { 'Content-Type': type, ...headers }, body, timeoutMs: channel.timeoutMs };
}

export class SmsSender implements ChannelSender {
  private readonly agents;

  constructor(private readonly channel: SmsChannel) {
    this.agents = createAgents(channel.queue.concurrency);
  }

  send(message: OutgoingMessage): Promise<SendOutcome> {
    const to = message.recipients[0]?.address;
    if (!to) return Promise.resolve({ ok: false, retryable: false, error: 'the recipient has no phone number' });
    return sendHttp(renderSmsRequest(this.channel, to, smsText(message.short, this.channel.maxLength)), this.agents);
  }

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
