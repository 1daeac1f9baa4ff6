/**
 * What a channel adapter does: send one composed message and say how it went. The dispatcher
 * (notification-dispatcher.ts) owns queues, retries, idempotency and the delivery log; a sender
 * only talks to its receiver (an HTTP endpoint, an SMTP server, an SMS gateway).
 */
import type { OutgoingMessage } from '../../../twin-model/index.ts';

export type SendOutcome =
  /** Accepted; `rejected` lists recipients the receiver refused while taking the others (SMTP). */
  | { ok: true; rejected?: { recipientId: string; error: string }[] }
  /** Not delivered: `retryable` for timeouts, network errors, 5xx, 408 and 429; false for a refusal that would repeat. */
  | { ok: false; retryable: boolean; error: string };

export interface ChannelSender {
  send(message: OutgoingMessage): Promise<SendOutcome>;
  /** Several messages in one request, one outcome for all (webhooks with the channel's `batch` option). */
  sendBatch?(messages: readonly OutgoingMessage[]): Promise<SendOutcome>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
