import { describe, expect, it } from 'vitest';
import type { Incident, IncidentChange } from '../incidents/incident-correlator.ts';
import { listedIncident } from '../incidents/fixtures/listed-incident.ts';
import { escalationSchedule } from './escalation.ts';
import type { NotifyCity } from './message-text.ts';
import { parseNotificationConfig, type NotificationConfigInput } from './notification-config.ts';
import {
  applyNotificationInput,
  createNotificationState,
  escalationOverview,
  nextEscalation,
  type NotificationInput,
} from './notification-engine.ts';

const MIN = 60_000;
/** 2026-12-07 10:00 in Shanghai (a Monday). */
const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);
const ROLES = ['admin', 'operator', 'dispatcher', 'analyst', 'leader', 'display'];

const CITY: NotifyCity = {
  timeZone: 'Asia/Shanghai',
  consoleUrl: 'https://citytwin.example/',
  districts: new Map([
    ['420105', { zh: '汉阳区', en: 'Hanyang' }],
    ['420102', { zh: '江岸区', en: "Jiang'an" }],
  ]),
};

const DOCS: NotificationConfigInput = {
  channels: [
    { id: 'ops-hook', kind: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'a-secret-of-16-chars' },
    { id: 'mail', kind: 'email', host: '127.0.0.1', port: 2525, from: 'CityTwin <noreply@citytwin.example>' },
    { id: 'sms', kind: 'sms', url: 'http://127.0.0.1:9/sms' },
  ],
  contacts: [
    { user: 'wang', language: 'zh-CN', email: 'wang@example.cn', phone: '+8613800000001', roles: ['operator'] },
    { user: 'li', language: 'en', email: 'li@example.cn', roles: ['operator'] },
    { user: 'zhao', phone: '+8613800000003', roles: ['dispatcher'] },
    { user: 'director', email: 'director@example.cn', roles: ['leader'] },
  ],
  subscriptions: [
    {
      id: 'hanyang-water',
      events: ['opened'],
      incidentTypes: ['waterlogging'],
      minSeverity: 3,
      districts: ['420105'],
      target: { role: 'operator' },
      channels: ['mail'],
    },
    {
      id: 'ops-all',
      events: ['opened', 'severity_raised', 'escalated', 'dispatched', 'resolved'],
      target: { role: 'operator' },
      channels: ['ops-hook'],
    },
  ],
  policies: [
    {
      id: 'water',
      incidentTypes: ['waterlogging'],
      ackDeadlineMin: 10,
      tiers: [{ targets: [{ team: 'drainage' }] }, { targets: [{ team: 'drainage' }] }, { targets: [{ user: 'director' }], afterMin: 20 }],
      repeat: { everyMin: 4, times: 3 },
      channels: ['sms', 'mail'],
    },
    {
      id: 'severe',
      minSeverity: 4,
      ackDeadlineMin: 5,
      tiers: [{ targets: [{ team: 'drainage' }] }, { targets: [{ user: 'director' }] }],
      channels: ['mail'],
    },
  ],
  rosters: [
    {
      id: 'drainage',
      shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00', tiers: [['zhao'], ['wang']] }],
    },
  ],
};

function incident(overrides: Partial<Incident> = {}): Incident {
  return listedIncident('inc-000012', 'waterlogging', 114.265, 30.55, { district: '420105', openedAt: T0, ...overrides });
}

const change = (what: IncidentChange['what'], at: number, inc: Partial<Incident> = {}): NotificationInput => ({
  type: 'incident_change',
  change: { incidentId: inc.id ?? 'inc-000012', at, actor: 'twin', what, detail: '', incident: incident({ updatedAt: at, ...inc }) },
});

function engine(docs: NotificationConfigInput = DOCS) {
  const state = createNotificationState(parseNotificationConfig(docs, { roles: ROLES }), CITY);
  const run = (input: NotificationInput, at: number) => applyNotificationInput(state, input, { now: () => at }).emitted;
  const tick = (at: number) => run({ type: 'tick' }, at);
  return { state, run, tick };
}

const escalations = (e: ReturnType<ReturnType<typeof engine>['tick']>) =>
  e.events.filter((x) => x.kind === 'escalated').map((x) => ({ tier: x.tier, repeat: x.repeat, at: x.at }));

describe('escalation schedule', () => {
  it('pages tier 1 at opening, tier 2 at the deadline, tier 3 after it, with bounded reminders between', () => {
    const state = engine().state;
    const water = state.index.policies.get('water')!;
    expect(escalationSchedule(water, T0).map((s) => [s.tier, s.repeat, (s.dueAt - T0) / MIN])).toEqual([
      [1, 0, 0],
      [1, 1, 4],
      [1, 2, 8],
      [2, 0, 10],
      [2, 1, 14],
      [3, 0, 30],
    ]);
  });
});

describe('notification engine', () => {
  it('announces an opened incident to matching subscriptions and pages tier 1 at once', () => {
    const { run } = engine();
    const out = run(change('opened', T0), T0);
    expect(out.events.map((e) => [e.kind, e.id])).toEqual([
      ['opened', 'inc-000012/opened'],
      ['escalated', `inc-000012/escalated/water/${T0}/t1r0`],
    ]);
    const byOrigin = (m: (typeof out.messages)[number]) =>
      'subscriptionId' in m.origin ? m.origin.subscriptionId : 'policyId' in m.origin ? `${m.origin.policyId}/t${m.origin.tier}` : '';
    expect(out.messages.map((m) => [byOrigin(m), m.channelId, m.language, m.recipients.map((r) => r.id).join(',')])).toEqual([
      // One e-mail per language: wang reads Chinese, li English.
      ['hanyang-water', 'mail', 'zh-CN', 'user:wang'],
      ['hanyang-water', 'mail', 'en', 'user:li'],
      ['ops-all', 'ops-hook', 'zh-CN', 'role:operator'],
      // Tier 1 of the drainage team is zhao (SMS only: no e-mail address).
      ['water/t1', 'sms', 'zh-CN', 'user:zhao'],
      ['ops-all', 'ops-hook', 'zh-CN', 'role:operator'],
    ]);
    const hook = out.messages.find((m) => m.channelId === 'ops-hook')!;
    expect(hook.recipients[0]!.users).toEqual(['wang', 'li']);
    expect(out.messages.find((m) => m.channelId === 'sms')!.recipients[0]!.address).toBe('+8613800000003');
  });

  it('matches subscriptions by incident type, minimum severity and district', () => {
    const { run } = engine();
    const mails = (inc: Partial<Incident>) =>
      run(change('opened', T0, inc), T0).messages.filter((m) => m.channelId === 'mail' && 'subscriptionId' in m.origin);
    expect(mails({ id: 'inc-1', severity: 2 })).toHaveLength(0);
    expect(mails({ id: 'inc-2', district: '420102' })).toHaveLength(0);
    expect(mails({ id: 'inc-3', district: null })).toHaveLength(0);
    expect(mails({ id: 'inc-4', type: 'fire' })).toHaveLength(0);
    expect(mails({ id: 'inc-5', severity: 3 })).toHaveLength(2);
  });

  it('escalates to tier 2 exactly at the acknowledgement deadline, not a moment before', () => {
    const { run, tick, state } = engine();
    run(change('opened', T0), T0);
    expect(escalations(tick(T0 + 4 * MIN))).toEqual([{ tier: 1, repeat: 1, at: T0 + 4 * MIN }]);
    expect(escalations(tick(T0 + 8 * MIN))).toEqual([{ tier: 1, repeat: 2, at: T0 + 8 * MIN }]);
    expect(nextEscalation(state, 'inc-000012')).toEqual({
      incidentId: 'inc-000012',
      policyId: 'water',
      tier: 2,
      repeat: 0,
      dueAt: T0 + 10 * MIN,
    });
    expect(tick(T0 + 10 * MIN - 1).events).toEqual([]);
    const out = tick(T0 + 10 * MIN);
    expect(escalations(out)).toEqual([{ tier: 2, repeat: 0, at: T0 + 10 * MIN }]);
    expect(out.events[0]!.waitingMin).toBe(10);
    // Tier 2 of the drainage team is wang: SMS and e-mail.
    expect(out.messages.filter((m) => 'policyId' in m.origin).map((m) => [m.channelId, m.recipients[0]!.id])).toEqual([
      ['sms', 'user:wang'],
      ['mail', 'user:wang'],
    ]);
    expect(tick(T0 + 10 * MIN).events).toEqual([]);
  });

  it('pages nothing after an acknowledgement', () => {
    const { run, tick, state } = engine();
    run(change('opened', T0), T0);
    expect(run(change('acknowledged', T0 + 3 * MIN, { status: 'acknowledged' }), T0 + 3 * MIN).events).toEqual([]);
    expect(nextEscalation(state, 'inc-000012')).toBeNull();
    for (let m = 4; m <= 120; m++) expect(tick(T0 + m * MIN).events).toEqual([]);
  });

  it('bounds the reminders: three tiers and three repeats, then nothing more', () => {
    const { run, tick, state } = engine();
    run(change('opened', T0), T0);
    const paged = [];
    for (let m = 1; m <= 240; m++) paged.push(...escalations(tick(T0 + m * MIN)));
    expect(paged.map((p) => `t${p.tier}r${p.repeat}@${(p.at - T0) / MIN}`)).toEqual(['t1r1@4', 't1r2@8', 't2r0@10', 't2r1@14', 't3r0@30']);
    expect(nextEscalation(state, 'inc-000012')).toBeNull();
  });

  it('on a late tick pages each tier it passed once and only the latest reminder', () => {
    const { run, tick } = engine();
    run(change('opened', T0), T0);
    expect(escalations(tick(T0 + 12 * MIN)).map((p) => `t${p.tier}r${p.repeat}`)).toEqual(['t2r0']);
    expect(escalations(tick(T0 + 40 * MIN)).map((p) => `t${p.tier}r${p.repeat}`)).toEqual(['t3r0']);
  });

  it('keeps escalating after acknowledgement when the policy runs until resolution', () => {
    const docs = { ...DOCS, policies: DOCS.policies!.map((p) => ({ ...(p as object), stopOn: 'resolved' })) };
    const { run, tick } = engine(docs);
    run(change('opened', T0), T0);
    run(change('acknowledged', T0 + MIN, { status: 'acknowledged' }), T0 + MIN);
    const out = tick(T0 + 10 * MIN);
    expect(escalations(out).map((p) => p.tier)).toEqual([2]);
    expect(out.messages.find((m) => m.channelId === 'mail')!.subject).toContain('未解决');
  });

  it('raises severity, switches to the stricter policy and keeps the clock from the opening', () => {
    const { run, tick, state } = engine();
    run(change('opened', T0), T0);
    const out = run(change('updated', T0 + 2 * MIN, { severity: 4 }), T0 + 2 * MIN);
    expect(out.events.map((e) => [e.kind, e.previousSeverity])).toEqual([
      ['severity_raised', 3],
      ['escalated', undefined],
    ]);
    expect(out.events[1]!.policyId).toBe('severe');
    expect(nextEscalation(state, 'inc-000012')).toMatchObject({ policyId: 'severe', tier: 2, dueAt: T0 + 5 * MIN });
    const t2 = tick(T0 + 5 * MIN);
    expect(t2.messages.filter((m) => 'policyId' in m.origin).map((m) => m.recipients[0]!.id)).toEqual(['user:director']);
  });

  it('names the team a tier reached nobody of', () => {
    const docs = { ...DOCS, rosters: [{ id: 'drainage', shifts: [{ days: ['mon'], from: '08:00', to: '09:00', tiers: [['zhao']] }] }] };
    const { run } = engine(docs);
    const out = run(change('opened', T0), T0);
    const page = out.events.find((e) => e.kind === 'escalated')!;
    expect(page.unreached).toEqual(['team:drainage/t1']);
    expect(out.messages.find((m) => m.channelId === 'ops-hook' && m.event === page)!.text).toContain('未能通知：team:drainage/t1');
  });

  it('announces resolution and a false alarm once, then stops', () => {
    const { run, tick } = engine();
    run(change('opened', T0), T0);
    const resolved = run(change('resolved', T0 + 5 * MIN, { status: 'resolved' }), T0 + 5 * MIN);
    expect(resolved.events.map((e) => [e.kind, e.id])).toEqual([['resolved', `inc-000012/resolved/${T0 + 5 * MIN}`]]);
    expect(resolved.messages.map((m) => m.subject)).toEqual(['【已解决】道路积水 · 汉阳区']);
    expect(run(change('closed', T0 + 6 * MIN, { status: 'closed' }), T0 + 6 * MIN).events).toEqual([]);
    expect(tick(T0 + 60 * MIN).events).toEqual([]);
    const other = run(change('opened', T0, { id: 'inc-000013' }), T0);
    expect(other.events).toHaveLength(2);
    const fa = run(change('false_alarm', T0 + MIN, { id: 'inc-000013', status: 'false_alarm' }), T0 + MIN);
    expect(fa.messages[0]!.subject).toBe('【误报】道路积水 · 汉阳区');
  });

  it('announces a dispatch, which stops escalation like an acknowledgement', () => {
    const { run, tick, state } = engine();
    run(change('opened', T0), T0);
    const out = run({ type: 'dispatched', incidentId: 'inc-000012', unitIds: ['pump-2', 'pump-1'], actor: 'zhao', at: T0 + MIN }, T0 + MIN);
    expect(out.events.map((e) => [e.kind, e.id])).toEqual([['dispatched', `inc-000012/dispatched/${T0 + MIN}/pump-1+pump-2`]]);
    expect(out.messages[0]!.text).toContain('派遣单位：pump-1, pump-2');
    expect(nextEscalation(state, 'inc-000012')).toBeNull();
    expect(tick(T0 + 30 * MIN).events).toEqual([]);
    // A severity raise does not restart a stopped escalation.
    expect(run(change('updated', T0 + 31 * MIN, { severity: 5 }), T0 + 31 * MIN).events.map((e) => e.kind)).toEqual(['severity_raised']);
  });

  it('reopens: announced again, escalation from the reopening', () => {
    const { run, state } = engine();
    run(change('opened', T0), T0);
    run(change('resolved', T0 + MIN, { status: 'resolved' }), T0 + MIN);
    const out = run(change('reopened', T0 + 20 * MIN), T0 + 20 * MIN);
    expect(out.events.map((e) => [e.kind, e.reopened, e.id])).toEqual([
      ['opened', true, `inc-000012/reopened/${T0 + 20 * MIN}`],
      ['escalated', undefined, `inc-000012/escalated/water/${T0 + 20 * MIN}/t1r0`],
    ]);
    expect(nextEscalation(state, 'inc-000012')!.dueAt).toBe(T0 + 24 * MIN);
  });

  it('names events and messages the same way on two nodes fed the same changes', () => {
    const a = engine();
    const b = engine();
    const feed = (e: ReturnType<typeof engine>, at: number) => [
      ...e.run(change('opened', T0), at).messages,
      ...e.tick(T0 + 10 * MIN + 5).messages,
    ];
    expect(feed(a, T0 + 7).map((m) => m.id)).toEqual(feed(b, T0 + 3).map((m) => m.id));
  });

  it('after a restart follows the active incidents silently and pages what is due at the next tick', () => {
    const { run, tick, state } = engine();
    const restored = run({ type: 'restore', incidents: [incident(), incident({ id: 'inc-000014', status: 'closed' })] }, T0 + 11 * MIN);
    expect(restored.events).toEqual([]);
    expect([...state.incidents.keys()]).toEqual(['inc-000012']);
    expect(escalations(tick(T0 + 11 * MIN)).map((p) => `t${p.tier}r${p.repeat}`)).toEqual(['t1r0', 't2r0']);
    expect(escalationOverview(state).map((s) => [s.incidentId, s.tier, s.repeat])).toEqual([['inc-000012', 2, 1]]);
  });

  it('ignores a dispatch for an incident it does not follow', () => {
    const { run, state } = engine();
    expect(run({ type: 'dispatched', incidentId: 'inc-9', unitIds: ['u'], actor: 'x', at: T0 }, T0).events).toEqual([]);
    expect(state.counters.ignored).toBe(1);
  });

  it('applies a new configuration to incidents already escalating', () => {
    const { run, state } = engine();
    run(change('opened', T0), T0);
    const stricter = { ...DOCS, policies: [{ ...(DOCS.policies![0] as object), ackDeadlineMin: 2 }] };
    run({ type: 'configure', config: parseNotificationConfig(stricter, { roles: ROLES }) }, T0 + MIN);
    expect(nextEscalation(state, 'inc-000012')).toMatchObject({ tier: 2, repeat: 0, dueAt: T0 + 2 * MIN });
  });
});
