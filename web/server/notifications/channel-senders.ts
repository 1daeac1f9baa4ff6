/** The sender for a configured channel. */
import type { NotifyChannel } from '../../../twin-model/index.ts';
import type { ChannelSender } from './channel-sender.ts';
import { EmailSender } from './email-channel.ts';
import { SmsSender } from './sms-channel.ts';
import { WebhookSender } from './webhook-channel.ts';

export function createSender(channel: NotifyChannel): ChannelSender {
  switch (channel.kind) {
    case 'webhook':
      return new WebhookSender(channel);
    case 'email':
      return new EmailSender(channel);
    case 'sms':
      return new SmsSender(channel);
    default: {
      const never: never = channel;
      throw new Error(`unknown channel kind in ${JSON.stringify(never)}`);
    }
  }
}
