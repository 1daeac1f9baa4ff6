import { describe, expect, it } from 'vitest';
import { composeMessage, incidentLink, type NotifyCity } from './message-text.ts';
import type { NotifyEvent } from './notify-types.ts';

/** 2026-12-07 02:03:04 UTC = 10:03:04 in Shanghai = 21:03:04 the day before in New York. */
const AT = Date.UTC(2026, 11, 7, 2, 3, 4);
const city = (timeZone: string): NotifyCity => ({
  timeZone,
  consoleUrl: 'https://citytwin.example/console/',
  districts: new Map([['420103', { zh: '江汉区', en: 'Jianghan' }]]),
});
const event = (over: Partial<NotifyEvent> = {}): NotifyEvent => ({
  id: 'inc-000012/opened',
  kind: 'opened',
  at: AT,
  incident: {
    id: 'inc-000012',
    type: 'waterlogging',
    status: 'open',
    severity: 3,
    district: '420103',
    lng: 114.27,
    lat: 30.58,
    openedAt: AT,
  },
  ...over,
});

describe('message texts', () => {
  it('writes an opened incident in Chinese with the district name, the city time and the link', () => {
    const m = composeMessage(event(), 'zh-CN', city('Asia/Shanghai'));
    expect(m.subject).toBe('【新事件】道路积水 · 江汉区 · 3级');
    expect(m.text).toBe(
      [
        '事件：inc-000012 (道路积水)',
        '等级：3',
        '地点：江汉区 (114.2700, 30.5800)',
        '时间：2026-12-07 10:03:04 (Asia/Shanghai)',
        '查看：https://citytwin.example/console/?incident=inc-000012',
      ].join('\n'),
    );
    expect(m.short).toBe('【新事件】道路积水 · 江汉区 · 3级 https://citytwin.example/console/?incident=inc-000012');
  });

  it('writes English with the time in the zone passed in', () => {
    const m = composeMessage(event(), 'en', city('America/New_York'));
    expect(m.subject).toBe('[New] Waterlogging · Jianghan · severity 3');
    expect(m.text).toContain('Time: 2026-12-06 21:03:04 (America/New_York)');
    expect(m.text).toContain('Place: Jianghan (114.2700, 30.5800)');
  });

  it('names the tier, the reminder and the wait for an escalation', () => {
    const e = event({ kind: 'escalated', at: AT + 600_000, tier: 2, repeat: 0, waitingMin: 10, policyId: 'water' });
    const zh = composeMessage(e, 'zh-CN', city('Asia/Shanghai'));
    expect(zh.subject).toBe('【升级·第2级】道路积水 · 江汉区 · 待确认');
    expect(zh.text).toContain('第2级值班：事件已10分钟无人确认，请立即处理');
    expect(zh.text).toContain('时间：2026-12-07 10:13:04 (Asia/Shanghai)');
    expect(zh.text).toContain('发生时间：2026-12-07 10:03:04 (Asia/Shanghai)');
    const en = composeMessage({ ...e, repeat: 2 }, 'en', city('Asia/Shanghai'));
    expect(en.subject).toBe('[Escalation tier 2, reminder 2] Waterlogging · Jianghan · not acknowledged');
    expect(en.text).toContain('On call, tier 2 (reminder 2): not acknowledged for 10 min — please act now');
  });

  it('words severity, dispatch and the end of an incident', () => {
    const c = city('Asia/Shanghai');
    expect(composeMessage(event({ kind: 'severity_raised', previousSeverity: 2 }), 'zh-CN', c).subject).toBe(
      '【等级升高】道路积水 · 江汉区 · 2级→3级',
    );
    expect(composeMessage(event({ kind: 'dispatched', unitIds: ['pump-1'], actor: 'zhao' }), 'en', c).text).toContain(
      'Units: pump-1\nDispatched by: zhao',
    );
    const closed = event({ kind: 'resolved', incident: { ...event().incident!, status: 'false_alarm' } });
    expect(composeMessage(closed, 'en', c).subject).toBe('[False alarm] Waterlogging · Jianghan');
  });

  it('falls back to the coordinates when the incident has no district', () => {
    const e = event({ incident: { ...event().incident!, district: null } });
    expect(composeMessage(e, 'zh-CN', city('Asia/Shanghai')).subject).toBe('【新事件】道路积水 · 114.2700, 30.5800 · 3级');
    expect(incidentLink('http://127.0.0.1:8080', 'inc 1')).toBe('http://127.0.0.1:8080/?incident=inc%201');
  });

  it('words an overdue hotline case from its record, with a link to the case desk', () => {
    const e: NotifyEvent = {
      id: 'case-20261207-00003/case_overdue/accept/1',
      kind: 'case_overdue',
      at: AT,
      case: {
        caseId: 'case-20261207-00003',
        category: 'traffic',
        department: '武汉市公安局交通管理局',
        district: '420103',
        stage: 'accept',
        deadline: AT - 5 * 60_000,
        overdueMin: 5,
        receivedAt: AT - 35 * 60_000,
      },
    };
    const zh = composeMessage(e, 'zh-CN', city('Asia/Shanghai'));
    expect(zh.subject).toBe('【工单超时】交通 · 江汉区 · 签收超时5分钟');
    expect(zh.text).toContain('承办部门：武汉市公安局交通管理局');
    expect(zh.text).toContain('时限：签收 2026-12-07 09:58:04 (Asia/Shanghai)');
    expect(zh.link).toBe('https://citytwin.example/console/cases.html?case=case-20261207-00003');
    expect(composeMessage(e, 'en', city('Asia/Shanghai')).subject).toBe('[Case overdue] Traffic · Jianghan · accept 5 min late');
  });
});

describe('test messages', () => {
  const test = (language: 'zh-CN' | 'en') =>
    composeMessage(
      { id: 'test/mail/1/1', kind: 'test', at: AT, test: { channelId: 'ops-mail', actor: 'wang.fang' } },
      language,
      city('Asia/Shanghai'),
    );

  it('words a test message in Chinese: the channel, who sent it, the city time, the operations page', () => {
    const m = test('zh-CN');
    expect(m.subject).toBe('【测试消息】CityTwin 通知渠道 ops-mail');
    expect(m.text).toBe(
      [
        '这是一条测试消息，用于确认此渠道能送达。无需处理。',
        '渠道：ops-mail',
        '发送人：wang.fang',
        '时间：2026-12-07 10:03:04 (Asia/Shanghai)',
        '查看：https://citytwin.example/console/ops.html#notify',
      ].join('\n'),
    );
    expect(m.short).toBe('【测试消息】CityTwin 通知渠道 ops-mail https://citytwin.example/console/ops.html#notify');
  });

  it('words a test message in English', () => {
    const m = test('en');
    expect(m.subject).toBe('[Test message] CityTwin notification channel ops-mail');
    expect(m.text.split('\n')).toEqual([
      'This is a test message to check that this channel delivers. No action is needed.',
      'Channel: ops-mail',
      'Sent by: wang.fang',
      'Time: 2026-12-07 10:03:04 (Asia/Shanghai)',
      'Open: https://citytwin.example/console/ops.html#notify',
    ]);
  });
});
