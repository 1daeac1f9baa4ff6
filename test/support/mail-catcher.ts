/**
 * A real SMTP server on a free loopback port (`smtp-server`, no TLS, no AUTH) that keeps every
 * mail it takes: its recipients and its raw text. Addresses `refuse` says yes to are refused
 * with 550 (no such mailbox), as a mail server refuses an unknown recipient.
 */
import { SMTPServer } from 'smtp-server';
import { freePort } from './fixtures.ts';

export interface CaughtMail {
  to: string[];
  raw: string;
}

export interface MailCatcher {
  readonly port: number;
  /** The mails taken so far, in order. */
  readonly mails: CaughtMail[];
  close(): Promise<void>;
}

export async function startMailCatcher(refuse: (address: string) => boolean = () => false): Promise<MailCatcher> {
  const mails: CaughtMail[] = [];
  const port = await freePort();
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse(address.address)) return callback(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(port, '127.0.0.1', r));
  return { port, mails, close: () => new Promise<void>((r) => smtp.close(() => r())) };
}
