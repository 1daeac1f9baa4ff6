/**
 * Test messages (docs/notifications.md "Test messages"): one message of kind `test` for one
 * channel, composed like every other message (the recipient's language, the city's clocks) and
 * sent through the channel's own path — a webhook signed as usual, an e-mail over SMTP, a text
 * through the gateway's template.
 */
import type { NotifyChannel, NotifyContact, NotifyLanguage } from './notification-config.ts';
import { composeMessage, type NotifyCity } from './message-text.ts';
import type { NotifyEvent, OutgoingMessage, Recipient } from './notify-types.ts';

/** Why a test message cannot be composed (a person without an address for the channel). */
export class TestMessageError extends Error {}

export interface TestMessageRequest {
  channel: NotifyChannel;
  /** Who asked (an account name): the sender named in the text, and the webhook's recipient. */
  actor: string;
  /** The person an e-mail or a text goes to (their contact); unused for a webhook. */
  contact: NotifyContact | null;
  /** Default: the contact's language, else the webhook channel's, else zh-CN. */
  language?: NotifyLanguage;
  at: number;
  /** Makes the event id unique among tests of the same millisecond. */
  sequence: number;
}

/** The recipient of a test message: the webhook's `user:<actor>`, or the contact with its address for the channel. */
function recipientOf(r: TestMessageRequest): Recipient {
  const { channel, contact } = r;
  if (channel.kind === 'webhook') return { id: `user:${r.actor}`, users: [r.actor] };
  if (!contact)
    throw new TestMessageError(
      `no contact to send the ${channel.kind === 'email' ? 'e-mail' : 'text'} to: add a contact for ${JSON.stringify(r.actor)} or name one (user)`,
    );
  const address = channel.kind === 'email' ? contact.email : contact.phone;
  if (!address)
    throw new TestMessageError(
      `contact ${JSON.stringify(contact.user)} has no ${channel.kind === 'email' ? 'e-mail address' : 'phone number'}; channel ${channel.id} is a ${channel.kind} channel: give the contact one or name another (user)`,
    );
  return { id: `user:${contact.user}`, address };
}

/** The test message for a channel. Throws TestMessageError when the person has no address for it. */
export function testMessage(r: TestMessageRequest, city: NotifyCity): OutgoingMessage {
  const recipient = recipientOf(r);
  const language = r.language ?? r.contact?.language ?? (r.channel.kind === 'webhook' ? r.channel.language : 'zh-CN');
  const event: NotifyEvent = {
    id: `test/${r.channel.id}/${r.at}/${r.sequence}`,
    kind: 'test',
    at: r.at,
    test: { channelId: r.channel.id, actor: r.actor },
  };
  const text = composeMessage(event, language, city);
  return {
    id: `${event.id}|${r.channel.id}|${language}|${recipient.id}`,
    event,
    channelId: r.channel.id,
    channelKind: r.channel.kind,
    language,
    recipients: [recipient],
    subject: text.subject,
    text: text.text,
    short: text.short,
    link: text.link,
    origin: { testBy: r.actor },
    createdAt: r.at,
  };
}
