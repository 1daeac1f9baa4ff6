import { describe, expect, it } from 'vitest';
import { parseNotificationConfig, parseNotifyDoc, redactChannel } from './notification-config.ts';

const ROLES = ['admin', 'operator', 'dispatcher'];
const hook = { id: 'ops-hook', kind: 'webhook', url: 'https://hooks.example/ops', secret: 'a-secret-of-16-chars' };

describe('notification configuration', () => {
  it('fills the defaults of a channel', () => {
    expect(parseNotifyDoc('channel', hook)).toEqual({
      ...hook,
      language: 'zh-CN',
      headers: {},
      timeoutMs: 10_000,
      retry: { attempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
      queue: { capacity: 10_000, concurrency: 4 },
    });
    expect(
      parseNotifyDoc('channel', { id: 'sms', kind: 'sms', url: 'https://sms.example/send?to={to}&text={text}', body: {} }),
    ).toMatchObject({
      method: 'POST',
      encoding: 'form',
      maxLength: 300,
    });
  });

  it('quotes the bad value and says what is accepted', () => {
    expect(() => parseNotifyDoc('channel', { ...hook, kind: 'fax' })).toThrow(
      /channel is not a valid notification channel: kind: Invalid discriminator value. Expected 'webhook' \| 'email' \| 'sms', got "fax"/,
    );
    expect(() => parseNotifyDoc('channel', { ...hook, url: 'ftp://hooks.example' })).toThrow(
      'url: must be an http:// or https:// URL, got "ftp://hooks.example"',
    );
    expect(() => parseNotifyDoc('channel', { ...hook, queue: { concurrency: 100 } })).toThrow(
      'queue.concurrency: must be 1 to 64, got 100',
    );
    expect(() => parseNotifyDoc('channel', { ...hook, batch: { maxEvents: 1 } })).toThrow('batch.maxEvents: must be 2 to 500, got 1');
    expect(parseNotifyDoc('channel', { ...hook, batch: { maxEvents: 20 } })).toMatchObject({ batch: { maxEvents: 20, maxWaitMs: 0 } });
    expect(() => parseNotifyDoc('contact', { user: 'wang', phone: '13800138000' })).toThrow(
      'phone: must be a phone number in E.164 form, e.g. +8613800138000, got "13800138000"',
    );
    expect(() =>
      parseNotifyDoc('roster', { id: 'team', shifts: [{ days: ['monday'], from: '8:00', to: '20:00', tiers: [['wang']] }] }),
    ).toThrow(
      /shifts\.0\.days\.0: Invalid option: expected one of "mon"\|.*, got "monday"; shifts\.0\.from: must be a time HH:MM from 00:00 to 24:00, got "8:00"/,
    );
    expect(() =>
      parseNotifyDoc('roster', { id: 'team', shifts: [{ days: ['mon'], from: '08:00', to: '08:00', tiers: [['wang']] }] }),
    ).toThrow('for a whole day write from 00:00 to 24:00');
    expect(() => parseNotifyDoc('subscription', { id: 's', events: ['closed'], target: { role: 'operator' }, channels: ['x'] })).toThrow(
      /events\.0: Invalid option: expected one of "opened"\|"severity_raised"\|"escalated"\|"dispatched"\|"resolved"\|"case_overdue", got "closed"/,
    );
    expect(() =>
      parseNotifyDoc('policy', { id: 'p', ackDeadlineMin: 0, tiers: [{ targets: [{ team: 't' }], afterMin: 5 }], channels: ['x'] }),
    ).toThrow(/ackDeadlineMin: must be more than 0 minutes, got 0; tiers: tiers 1 and 2 take no afterMin/);
  });

  it('never repeats a secret in an error', () => {
    let message = '';
    try {
      parseNotifyDoc('channel', { ...hook, secret: 'short-secret' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('channel is not a valid notification channel: secret: must be at least 16 characters (value not shown)');
  });

  it('checks the references between documents', () => {
    expect(() =>
      parseNotificationConfig(
        {
          channels: [hook, hook],
          contacts: [{ user: 'wang', roles: ['operator', 'pilot'] }],
          subscriptions: [{ id: 's1', events: ['opened'], target: { role: 'mayor' }, channels: ['mail'] }],
          policies: [
            { id: 'p1', ackDeadlineMin: 10, tiers: [{ targets: [{ team: 'drainage' }, { user: 'li' }] }], channels: ['ops-hook'] },
          ],
          rosters: [{ id: 'pumps', shifts: [{ days: ['mon'], from: '00:00', to: '24:00', tiers: [['wang', 'zhao']] }] }],
        },
        { roles: ROLES },
      ),
    ).toThrow(
      [
        'the notification configuration is not consistent: channel "ops-hook" is defined twice',
        'contact wang: role "pilot" is not a role (roles: admin, operator, dispatcher)',
        'subscription s1: channel "mail" is not defined (channels: ops-hook)',
        'subscription s1: role "mayor" is not a role (roles: admin, operator, dispatcher)',
        'policy p1 tier 1: team "drainage" has no roster (rosters: pumps)',
        'policy p1 tier 1: user "li" is not a contact (contacts: wang)',
        'roster pumps: user "zhao" is not a contact (contacts: wang)',
      ].join('; '),
    );
  });

  it('names the document that is wrong in a set', () => {
    expect(() =>
      parseNotificationConfig({ channels: [hook, { id: 'mail', kind: 'email', host: 'smtp.example', from: 'nobody' }] }),
    ).toThrow(
      'channel "mail" is not a valid notification channel: from: must be an e-mail address, optionally "Name <address>", got "nobody"',
    );
  });

  it('hides secrets when a channel is shown', () => {
    const c = parseNotifyDoc('channel', { ...hook, headers: { Authorization: 'Bearer x' } });
    expect(redactChannel(c)).toMatchObject({ secret: '***', headers: { Authorization: '***' }, url: hook.url });
    const mail = parseNotifyDoc('channel', { id: 'm', kind: 'email', host: 'h', from: 'a@b.c', auth: { user: 'u', pass: 'p' } });
    expect(redactChannel(mail)).toMatchObject({ auth: { user: 'u', pass: '***' } });
  });
});
