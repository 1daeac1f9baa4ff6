/**
 * E-mail over SMTP (nodemailer, pooled connections). The engine already groups a message's
 * recipients by language, so one SMTP message goes to everyone reading that language; each
 * recipient's outcome comes from the server's answer to its RCPT TO. A 5xx answer is a refusal
 * (not retried); a 4xx answer and a connection problem are retried. STARTTLS is used whenever
 * the server offers it; `secure: true` speaks TLS from the start (port 465).
 */
import nodemailer from 'nodemailer';
import type { EmailChannel, OutgoingMessage } from '../../../twin-model/index.ts';
import type { ChannelSender, SendOutcome } from './channel-sender.ts';
import { DELIVERY_HEADER, EVENT_HEADER } from './webhook-channel.ts';

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** Whether an SMTP failure is worth another attempt: temporary answers and connection trouble are. */
export function smtpRetryable(e: SmtpError): boolean {
  if (typeof e.responseCode === 'number') return e.responseCode < 500;
  // Bad credentials or a malformed message will not get better by themselves.
  return e.code !== 'EAUTH' && e.code !== 'EMESSAGE' && e.code !== 'ENOAUTH';
}

export class EmailSender implements ChannelSender {
  private readonly transport;

  constructor(private readonly channel: EmailChannel) {
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: channel.queue.concurrency,
      host: channel.host,
      port: channel.port,
      secure: channel.secure,
      ...(channel.auth ? { auth: { user: channel.auth.user, pass: channel.auth.pass } } : {}),
      connectionTimeout: channel.timeoutMs,
      greetingTimeout: channel.timeoutMs,
      socketTimeout: channel.timeoutMs,
    });
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    const byAddress = new Map(message.recipients.filter((r) => r.address).map((r) => [r.address!.toLowerCase(), r.id]));
    if (byAddress.size === 0) return { ok: false, retryable: false, error: 'no recipient has an e-mail address' };
    try {
      const info = await this.transport.sendMail({
        from: this.channel.from,
        to: [...byAddress.keys()],
        subject: message.subject,
        text: message.text,
        textEncoding: 'base64',
        headers: { [DELIVERY_HEADER]: message.id, [EVENT_HEADER]: message.event.kind, 'Content-Language': message.language },
      });
      const rejected = (info.rejected ?? []).map((a) => a.toLowerCase());
      const errors = ((info as { rejectedErrors?: SmtpError[] }).rejectedErrors ?? []).map((e) => e.response ?? e.message);
      return {
        ok: true,
        rejected: rejected.map((address, i) => ({
          recipientId: byAddress.get(address) ?? address,
          error: errors[i] ?? 'refused by the server',
        })),
      };
    } catch (e) {
      const err = e as SmtpError;
      return { ok: false, retryable: smtpRetryable(err), error: `${err.code ? `${err.code}: ` : ''}${err.response ?? err.message}` };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
