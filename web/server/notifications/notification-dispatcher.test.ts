/**
 * The dispatcher and the pure parts of the channels, without a network: senders are scripted
 * at the ChannelSender interface (the project's adapter boundary). The same paths over real
 * SMTP and HTTP receivers are in test/notifications.itest.ts.
 */
import { describe, expect, it } from 'vitest';
import { createRandom, deliveryKey, parseNotifyDoc, type OutgoingMessage, type SmsChannel } from '../../../twin-model/index.ts';
import { retryDelayMs } from './backoff.ts';
import type { ChannelSender, SendOutcome } from './channel-sender.ts';
import { MemoryDeliveryLog } from './delivery-log.ts';
import { MemoryIdempotencyKeys } from './idempotency-keys.ts';
import { NotificationDispatcher } from './notification-dispatcher.ts';
import { renderSmsRequest, smsText } from './sms-channel.ts';
import { signBody, webhookBody } from './webhook-channel.ts';

const hookChannel = (over: object = {}) =>
  parseNotifyDoc('channel', {
    id: 'hook',
    kind: 'webhook',
    url: 'http://127.0.0.1:9/hook',
    secret: 'a-secret-of-16-chars',
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
    ...over,
  });

function message(n: number, recipients = [{ id: 'role:operator' }], channelId = 'hook'): OutgoingMessage {
  return {
    id: `inc-${n}/opened|${channelId}|zh-CN|${recipients[0]!.id}`,
    event: {
      id: `inc-${n}/opened`,
      kind: 'opened',
      at: 1000,
      incident: { id: `inc-${n}`, type: 'fire', status: 'open', severity: 4, district: null, lng: 114.3, lat: 30.6, openedAt: 1000 },
    },
    channelId,
    channelKind: 'webhook',
    language: 'zh-CN',
    recipients,
    subject: `subject ${n}`,
    text: `text ${n}`,
    short: `short ${n}`,
    link: `https://citytwin.example/?incident=inc-${n}`,
    origin: { subscriptionId: 's' },
    createdAt: 1000,
  };
}

/** A sender that answers from a script (one outcome per call, the last repeating) and records what it was given. */
class ScriptedSender implements ChannelSender {
  readonly calls: OutgoingMessage[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  private releases: Array<() => void> = [];
  hold = false;

  constructor(private readonly script: SendOutcome[] = [{ ok: true }]) {}

  async send(m: OutgoingMessage): Promise<SendOutcome> {
    this.calls.push(m);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.hold) await new Promise<void>((r) => this.releases.push(r));
    this.inFlight--;
    return this.script[Math.min(this.calls.length - 1, this.script.length - 1)]!;
  }

  release(): void {
    this.hold = false;
    for (const r of this.releases.splice(0)) r();
  }

  async close(): Promise<void> {}
}

function dispatcher(sender: ChannelSender, channel = hookChannel(), keys = new MemoryIdempotencyKeys()) {
  const log = new MemoryDeliveryLog();
  const d = new NotificationDispatcher({ channels: [{ channel, sender }], keys, log, random: createRandom(7).next, now: () => 5000 });
  return { d, log, keys };
}

describe('webhook signature and body', () => {
  it('is the HMAC-SHA256 of the raw body in hex', () => {
    // RFC 4231-style check against the well-known example (key "key", the quick brown fox).
    expect(signBody('The quick brown fox jumps over the lazy dog', 'key')).toBe(
      'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });

  it('carries the idempotency key, the event, the incident, every recipient it stands for and the texts, the same bytes every time', () => {
    const m = message(1, [{ id: 'team:drainage/t1', users: ['zhao'] } as never, { id: 'role:operator', users: ['wang', 'li'] } as never]);
    const body = JSON.parse(webhookBody(m).toString('utf8'));
    expect(body).toMatchObject({
      id: 'inc-1/opened|hook',
      event: { id: 'inc-1/opened', kind: 'opened', at: 1000 },
      incident: { id: 'inc-1', type: 'fire', severity: 4 },
      recipients: [
        { id: 'team:drainage/t1', users: ['zhao'] },
        { id: 'role:operator', users: ['wang', 'li'] },
      ],
      language: 'zh-CN',
      subject: 'subject 1',
      link: 'https://citytwin.example/?incident=inc-1',
    });
    expect(webhookBody(m).equals(webhookBody(m))).toBe(true);
  });
});

describe('SMS gateway template', () => {
  const sms = (over: object) =>
    parseNotifyDoc('channel', { id: 'sms', kind: 'sms', url: 'https://sms.example/send', ...over }) as SmsChannel;

  it('fills {to} and {text} once, as a form or as JSON', () => {
    const form = renderSmsRequest(
      sms({ body: { mobile: '{to}', content: '【城市大脑】{text}', sign: 'ct' } }),
      '+8613800000001',
      'a {to} & b',
    );
    expect(form).toMatchObject({ method: 'POST', url: 'https://sms.example/send' });
    expect(form.headers['Content-Type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(Object.fromEntries(new URLSearchParams(String(form.body)))).toEqual({
      mobile: '+8613800000001',
      content: '【城市大脑】a {to} & b',
      sign: 'ct',
    });
    const json = renderSmsRequest(sms({ encoding: 'json', headers: { Authorization: 'Bearer k' } }), '+86138', '"quoted"');
    expect(JSON.parse(String(json.body))).toEqual({ to: '+86138', text: '"quoted"' });
    expect(json.headers.Authorization).toBe('Bearer k');
  });

  it('puts the fields in the query for GET and encodes placeholders in the URL', () => {
    const get = renderSmsRequest(sms({ method: 'GET', url: 'https://sms.example/{to}/send', body: { msg: '{text}' } }), '+86 1', 'a&b');
    expect(get.url).toBe('https://sms.example/%2B86%201/send?msg=a%26b');
    expect(get.body).toBeUndefined();
  });

  it('cuts long texts on characters, not bytes', () => {
    expect(smsText('一二三四五六', 4)).toBe('一二三…');
    expect(smsText('short', 20)).toBe('short');
  });
});

describe('backoff', () => {
  it('doubles up to the maximum and keeps at least half of each step', () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, policy, () => 0.999999))).toEqual([100, 200, 400, 800, 1000]);
  });
});

describe('idempotency keys in memory', () => {
  it('claims a key once, forgets it after its time, and stays within its size', async () => {
    let now = 0;
    const keys = new MemoryIdempotencyKeys({ maxKeys: 3, ttlMs: 100, now: () => now });
    expect(await keys.claim(['a', 'b', 'a'])).toEqual([true, true, false]);
    expect(await keys.claim(['b', 'c'])).toEqual([false, true]);
    now = 150;
    expect(await keys.claim(['a'])).toEqual([true]);
    expect(await keys.claim(['d', 'e', 'f', 'g'])).toEqual([true, true, true, true]);
    await keys.claim([]);
    expect(keys.size).toBeLessThanOrEqual(3);
  });
});

describe('notification dispatcher', () => {
  it('returns from enqueue before anything is sent, and sends on a later turn', async () => {
    const sender = new ScriptedSender();
    const { d, log } = dispatcher(sender);
    d.enqueue([message(1), message(2)]);
    expect(sender.calls).toHaveLength(0);
    expect(d.stats().hook!.queued).toBe(2);
    await d.drain();
    expect(sender.calls.map((m) => m.id)).toEqual([message(1).id, message(2).id]);
    expect(log.statuses(deliveryKey('inc-1/opened', 'role:operator', 'hook'))).toEqual(['queued', 'sent']);
  });

  it('drops to dead letters when the queue is full, with the reason, and counts it', async () => {
    const sender = new ScriptedSender();
    const { d, log } = dispatcher(sender, hookChannel({ queue: { capacity: 2, concurrency: 1 } }));
    d.enqueue([message(1), message(2), message(3)]);
    expect(d.deadLetters('hook').map((l) => [l.message.id, l.reason])).toEqual([[message(3).id, 'queue_full']]);
    expect(d.deadLetters('hook')[0]!.error).toBe('the queue of channel hook is full (2 messages)');
    expect(d.stats().hook).toMatchObject({ dropped: 1, dead: 1 });
    expect(log.latest.get(deliveryKey('inc-3/opened', 'role:operator', 'hook'))).toMatchObject({ status: 'dead', reason: 'queue_full' });
    await d.drain();
    expect(sender.calls).toHaveLength(2);
  });

  it('sends no more than the channel concurrency at once', async () => {
    const sender = new ScriptedSender();
    sender.hold = true;
    const { d } = dispatcher(sender, hookChannel({ queue: { capacity: 100, concurrency: 3 } }));
    d.enqueue(Array.from({ length: 10 }, (_, i) => message(i)));
    await expect.poll(() => d.stats().hook!.inFlight).toBe(3);
    sender.release();
    await d.drain();
    expect(sender.maxInFlight).toBe(3);
    expect(d.stats().hook!.sent).toBe(10);
  });

  it('retries a retryable failure with backoff and stops after the attempts allowed', async () => {
    const sender = new ScriptedSender([{ ok: false, retryable: true, error: 'HTTP 503' }]);
    const { d, log } = dispatcher(sender);
    d.enqueue([message(1)]);
    await d.drain();
    expect(sender.calls).toHaveLength(3);
    const key = deliveryKey('inc-1/opened', 'role:operator', 'hook');
    expect(log.statuses(key)).toEqual(['queued', 'retrying', 'retrying', 'dead']);
    expect(log.latest.get(key)).toMatchObject({ attempts: 3, lastError: 'HTTP 503', reason: 'retries_exhausted' });
    expect(d.deadLetters('hook')[0]).toMatchObject({ reason: 'retries_exhausted', error: 'HTTP 503', attempts: 3 });
    // What /metrics reads: three attempts, two of them retries, one recipient dead, nothing waiting.
    expect(d.stats().hook).toMatchObject({ attempts: 3, retried: 2, sent: 0, dead: 1, queued: 0, inFlight: 0, retrying: 0 });
  });

  it('does not retry a refusal', async () => {
    const sender = new ScriptedSender([{ ok: false, retryable: false, error: 'HTTP 404' }]);
    const { d } = dispatcher(sender);
    d.enqueue([message(1)]);
    await d.drain();
    expect(sender.calls).toHaveLength(1);
    expect(d.deadLetters('hook')[0]).toMatchObject({ reason: 'refused', error: 'HTTP 404' });
    expect(d.stats().hook).toMatchObject({ failed: 1, dead: 0, retried: 0 });
  });

  it('marks recipients the receiver refused as failed and the others as sent', async () => {
    const sender = new ScriptedSender([{ ok: true, rejected: [{ recipientId: 'user:li', error: '550 no such user' }] }]);
    const { d, log } = dispatcher(sender);
    d.enqueue([message(1, [{ id: 'user:wang' }, { id: 'user:li' }])]);
    await d.drain();
    expect(log.latest.get(deliveryKey('inc-1/opened', 'user:wang', 'hook'))!.status).toBe('sent');
    expect(log.latest.get(deliveryKey('inc-1/opened', 'user:li', 'hook'))).toMatchObject({
      status: 'failed',
      lastError: '550 no such user',
    });
  });

  it('sends once per (event, recipient, channel): again on this node or on another sharing the keys', async () => {
    const keys = new MemoryIdempotencyKeys();
    const a = new ScriptedSender();
    const b = new ScriptedSender();
    const one = dispatcher(a, hookChannel(), keys);
    const two = dispatcher(b, hookChannel(), keys);
    one.d.enqueue([message(1), message(1)]);
    two.d.enqueue([message(1, [{ id: 'role:operator' }, { id: 'user:wang' }])]);
    await Promise.all([one.d.drain(), two.d.drain()]);
    expect([...a.calls, ...b.calls].flatMap((m) => m.recipients.map((r) => r.id)).sort()).toEqual(['role:operator', 'user:wang']);
    expect(one.d.stats().hook!.duplicates + two.d.stats().hook!.duplicates).toBe(2);
  });

  it('puts messages for an unknown channel and those after closing into dead letters', async () => {
    const sender = new ScriptedSender([{ ok: false, retryable: true, error: 'timeout' }]);
    const { d } = dispatcher(sender, hookChannel({ retry: { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } }));
    d.enqueue([message(1, undefined, 'nowhere')]);
    expect(d.unrouted[0]).toMatchObject({ reason: 'unknown_channel', error: 'channel "nowhere" is not configured' });
    d.enqueue([message(2)]);
    await expect.poll(() => d.stats().hook!.retrying).toBe(1);
    await d.close();
    d.enqueue([message(3)]);
    expect(d.deadLetters('hook').map((l) => [l.message.event.id, l.reason, l.error])).toEqual([
      ['inc-2/opened', 'shutdown', 'timeout'],
      ['inc-3/opened', 'shutdown', 'the dispatcher is closed'],
    ]);
  });
});

/** A batching sender scripted per batch; records the batches. */
class ScriptedBatchSender extends ScriptedSender {
  readonly batches: string[][] = [];

  constructor(private readonly batchScript: SendOutcome[]) {
    super();
  }

  async sendBatch(messages: readonly OutgoingMessage[]): Promise<SendOutcome> {
    this.batches.push(messages.map((m) => m.event.id));
    return this.batchScript[Math.min(this.batches.length - 1, this.batchScript.length - 1)]!;
  }
}

describe('batches (a webhook channel with `batch`)', () => {
  it('retries each message of a failed batch on its own and logs every recipient', async () => {
    const sender = new ScriptedBatchSender([{ ok: false, retryable: true, error: 'HTTP 503' }, { ok: true }]);
    const { d, log } = dispatcher(sender, hookChannel({ batch: { maxEvents: 4 }, queue: { concurrency: 1 } }));
    d.enqueue([1, 2, 3].map((n) => message(n)));
    await d.drain();
    expect(sender.calls).toEqual([]);
    expect(sender.batches[0]).toEqual(['inc-1/opened', 'inc-2/opened', 'inc-3/opened']);
    expect(sender.batches.flat().sort()).toEqual([
      'inc-1/opened',
      'inc-1/opened',
      'inc-2/opened',
      'inc-2/opened',
      'inc-3/opened',
      'inc-3/opened',
    ]);
    for (const n of [1, 2, 3]) {
      expect(log.statuses(deliveryKey(`inc-${n}/opened`, 'role:operator', 'hook'))).toEqual(['queued', 'retrying', 'sent']);
      expect(log.latest.get(deliveryKey(`inc-${n}/opened`, 'role:operator', 'hook'))).toMatchObject({ attempts: 2, lastError: 'HTTP 503' });
    }
    expect(d.stats().hook).toMatchObject({ sent: 3, attempts: 6, retried: 3 });
  });

  it('refuses every message of a refused batch, each a dead letter', async () => {
    const sender = new ScriptedBatchSender([{ ok: false, retryable: false, error: 'HTTP 410' }]);
    const { d } = dispatcher(sender, hookChannel({ batch: { maxEvents: 10 } }));
    d.enqueue([1, 2].map((n) => message(n)));
    await d.drain();
    expect(sender.batches).toEqual([['inc-1/opened', 'inc-2/opened']]);
    expect(d.deadLetters('hook').map((l) => [l.message.event.id, l.reason, l.error])).toEqual([
      ['inc-1/opened', 'refused', 'HTTP 410'],
      ['inc-2/opened', 'refused', 'HTTP 410'],
    ]);
  });

  it('sends one message per request without the option', async () => {
    const sender = new ScriptedBatchSender([{ ok: true }]);
    const { d } = dispatcher(sender);
    d.enqueue([1, 2].map((n) => message(n)));
    await d.drain();
    expect(sender.batches).toEqual([]);
    expect(sender.calls.map((m) => m.event.id)).toEqual(['inc-1/opened', 'inc-2/opened']);
  });
});
