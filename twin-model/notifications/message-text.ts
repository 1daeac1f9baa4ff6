/**
 * Message texts: the subject, body and SMS line of an incident event in the recipient's
 * language (zh-CN by default, English), with the incident's type, severity, place (the
 * district's name), the time on the city's clocks and a link to the console. Worded here, at
 * the edge of the domain, from codes and numbers — never from English text parsed back.
 */
import type { IncidentStatus } from '../incidents/incident-correlator.ts';
import { DEFAULT_INCIDENT_RULES } from '../incidents/incident-rules.ts';
import { cityWallTime } from './city-time.ts';
import type { NotifyEventKind, NotifyLanguage } from './notification-config.ts';
import type { NotifyEvent } from './notify-types.ts';
import type { CaseNotice } from './case-notice.ts';
import { CASE_CATEGORY_LABELS } from '../cases/case-types.ts';

/** What messages need to know about the city. */
export interface NotifyCity {
  /** IANA zone of the city's clocks, e.g. `Asia/Shanghai`. */
  timeZone: string;
  /** The console's public URL, e.g. `https://citytwin.example.gov.cn` (links are made from it). */
  consoleUrl: string;
  /** District names by code. */
  districts: ReadonlyMap<string, { zh: string; en: string }>;
  /** Incident type names; default: the shipped rules' names. */
  typeNames?: ReadonlyMap<string, { zh: string; en: string }>;
}

export interface ComposedText {
  subject: string;
  text: string;
  short: string;
  link: string;
}

const DEFAULT_TYPE_NAMES: ReadonlyMap<string, { zh: string; en: string }> = new Map(
  [...DEFAULT_INCIDENT_RULES.values()].map((r) => [r.type, { zh: r.nameZh, en: r.nameEn }]),
);

interface Wording {
  subject: Record<NotifyEventKind, (v: Vars) => string>;
  status: Record<IncidentStatus, string>;
  incident: string;
  severity: string;
  place: string;
  time: string;
  opened: string;
  /** `acknowledged`: the policy escalates until resolution and someone acknowledged already. */
  escalation: (tier: number, waitingMin: number, repeat: number, acknowledged: boolean) => string;
  unreached: string;
  units: string;
  by: string;
  link: string;
  unknownPlace: string;
  colon: string;
}

interface Vars {
  type: string;
  place: string;
  severity: number;
  previous: number;
  tier: number;
  repeat: number;
  units: number;
  status: string;
  reopened: boolean;
  acknowledged: boolean;
  /** `case_overdue`: the limit missed (worded) and the minutes past it. */
  stage: string;
  overdueMin: number;
}

const WORDING: Record<NotifyLanguage, Wording> = {
  'zh-CN': {
    subject: {
      opened: (v) => `【${v.reopened ? '事件重新打开' : '新事件'}】${v.type} · ${v.place} · ${v.severity}级`,
      severity_raised: (v) => `【等级升高】${v.type} · ${v.place} · ${v.previous}级→${v.severity}级`,
      escalated: (v) =>
        `【升级·第${v.tier}级${v.repeat > 0 ? `·第${v.repeat}次提醒` : ''}】${v.type} · ${v.place} · ${v.acknowledged ? '未解决' : '待确认'}`,
      dispatched: (v) => `【已派遣】${v.type} · ${v.place} · ${v.units}个单位`,
      resolved: (v) => `【${v.status}】${v.type} · ${v.place}`,
      case_overdue: (v) => `【工单超时】${v.type} · ${v.place} · ${v.stage}超时${v.overdueMin}分钟`,
    },
    status: { open: '待处理', acknowledged: '已确认', resolved: '已解决', closed: '已关闭', false_alarm: '误报' },
    incident: '事件',
    severity: '等级',
    place: '地点',
    time: '时间',
    opened: '发生时间',
    escalation: (tier, waiting, repeat, acknowledged) =>
      `第${tier}级值班${repeat > 0 ? `（第${repeat}次提醒）` : ''}：事件已${waiting}分钟${acknowledged ? '仍未解决' : '无人确认'}，请立即处理`,
    unreached: '未能通知',
    units: '派遣单位',
    by: '派遣人',
    link: '查看',
    unknownPlace: '位置',
    colon: '：',
  },
  en: {
    subject: {
      opened: (v) => `[${v.reopened ? 'Reopened' : 'New'}] ${v.type} · ${v.place} · severity ${v.severity}`,
      severity_raised: (v) => `[Severity up] ${v.type} · ${v.place} · ${v.previous} → ${v.severity}`,
      escalated: (v) =>
        `[Escalation tier ${v.tier}${v.repeat > 0 ? `, reminder ${v.repeat}` : ''}] ${v.type} · ${v.place} · ${v.acknowledged ? 'not resolved' : 'not acknowledged'}`,
      dispatched: (v) => `[Dispatched] ${v.type} · ${v.place} · ${v.units} unit${v.units === 1 ? '' : 's'}`,
      resolved: (v) => `[${v.status}] ${v.type} · ${v.place}`,
      case_overdue: (v) => `[Case overdue] ${v.type} · ${v.place} · ${v.stage} ${v.overdueMin} min late`,
    },
    status: { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved', closed: 'Closed', false_alarm: 'False alarm' },
    incident: 'Incident',
    severity: 'Severity',
    place: 'Place',
    time: 'Time',
    opened: 'Opened',
    escalation: (tier, waiting, repeat, acknowledged) =>
      `On call, tier ${tier}${repeat > 0 ? ` (reminder ${repeat})` : ''}: ${acknowledged ? 'not resolved after' : 'not acknowledged for'} ${waiting} min — please act now`,
    unreached: 'Not reached',
    units: 'Units',
    by: 'Dispatched by',
    link: 'Open',
    unknownPlace: 'Location',
    colon: ': ',
  },
};

/** The console link to an incident. */
export function incidentLink(consoleUrl: string, incidentId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/?incident=${encodeURIComponent(incidentId)}`;
}

/** The time on the city's clocks, with the zone named: `2026-07-01 16:00:00 (Asia/Shanghai)`. */
export function cityTimeText(epochMs: number, timeZone: string): string {
  return `${cityWallTime(epochMs, timeZone).text} (${timeZone})`;
}

/** Composes the event's message in one language. */
export function composeMessage(event: NotifyEvent, language: NotifyLanguage, city: NotifyCity): ComposedText {
  if (event.kind === 'test') return composeTestMessage(event, language, city);
  if (event.case) return composeCaseMessage(event, event.case, language, city);
  const w = WORDING[language];
  const en = language === 'en';
  const i = event.incident!;
  const typeName = (city.typeNames ?? DEFAULT_TYPE_NAMES).get(i.type) ?? DEFAULT_TYPE_NAMES.get(i.type);
  const type = typeName ? (en ? typeName.en : typeName.zh) : i.type;
  const districtName = i.district === null ? undefined : city.districts.get(i.district);
  const place = districtName ? (en ? districtName.en : districtName.zh) : (i.district ?? `${i.lng.toFixed(4)}, ${i.lat.toFixed(4)}`);
  const vars: Vars = {
    type,
    place,
    severity: i.severity,
    previous: event.previousSeverity ?? i.severity,
    tier: event.tier ?? 1,
    repeat: event.repeat ?? 0,
    units: event.unitIds?.length ?? 0,
    status: w.status[i.status],
    reopened: event.reopened === true,
    acknowledged: i.status === 'acknowledged',
    stage: '',
    overdueMin: 0,
  };
  const subject = w.subject[event.kind](vars);
  const link = incidentLink(city.consoleUrl, i.id);
  const line = (label: string, value: string): string => `${label}${w.colon}${value}`;
  const lines = [
    line(w.incident, `${i.id} (${type})`),
    line(w.severity, String(i.severity)),
    line(w.place, `${place} (${i.lng.toFixed(4)}, ${i.lat.toFixed(4)})`),
    line(w.time, cityTimeText(event.at, city.timeZone)),
  ];
  if (event.kind !== 'opened') lines.push(line(w.opened, cityTimeText(i.openedAt, city.timeZone)));
  if (event.kind === 'escalated') {
    lines.push(w.escalation(vars.tier, event.waitingMin ?? 0, vars.repeat, vars.acknowledged));
    if (event.unreached && event.unreached.length > 0) lines.push(line(w.unreached, event.unreached.join(', ')));
  }
  if (event.kind === 'dispatched') {
    lines.push(line(w.units, (event.unitIds ?? []).join(', ')));
    if (event.actor) lines.push(line(w.by, event.actor));
  }
  lines.push(line(w.link, link));
  return { subject, text: lines.join('\n'), short: `${subject} ${link}`, link };
}

/** The console link to a case (the case desk page; it shows the case as the reader may see it). */
export function caseLink(consoleUrl: string, caseId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/cases.html?case=${encodeURIComponent(caseId)}`;
}

const CASE_WORDING: Record<
  NotifyLanguage,
  { case: string; department: string; stage: Record<CaseNotice['stage'], string>; deadline: string; received: string; none: string }
> = {
  'zh-CN': {
    case: '工单',
    department: '承办部门',
    stage: { accept: '签收', reply: '答复' },
    deadline: '时限',
    received: '受理时间',
    none: '未派单',
  },
  en: {
    case: 'Case',
    department: 'Department',
    stage: { accept: 'accept', reply: 'reply' },
    deadline: 'Deadline',
    received: 'Received',
    none: 'not assigned',
  },
};

/**
 * A hotline case's missed limit: its number, category, district, department, the limit and how
 * late — the case's record only, never its text, place or caller (case-notice.ts).
 */
function composeCaseMessage(event: NotifyEvent, c: CaseNotice, language: NotifyLanguage, city: NotifyCity): ComposedText {
  const w = WORDING[language];
  const cw = CASE_WORDING[language];
  const en = language === 'en';
  const label = CASE_CATEGORY_LABELS[c.category];
  const type = en ? label.en : label.zh;
  const districtName = c.district === null ? undefined : city.districts.get(c.district);
  const place = districtName ? (en ? districtName.en : districtName.zh) : (c.district ?? w.unknownPlace);
  const vars: Vars = {
    type,
    place,
    severity: 0,
    previous: 0,
    tier: 0,
    repeat: 0,
    units: 0,
    status: '',
    reopened: false,
    acknowledged: false,
    stage: cw.stage[c.stage],
    overdueMin: c.overdueMin,
  };
  const subject = w.subject.case_overdue(vars);
  const link = caseLink(city.consoleUrl, c.caseId);
  const line = (label: string, value: string): string => `${label}${w.colon}${value}`;
  const lines = [
    line(cw.case, `${c.caseId} (${type})`),
    line(cw.department, c.department || cw.none),
    line(w.place, place),
    line(w.time, cityTimeText(event.at, city.timeZone)),
    line(cw.deadline, `${cw.stage[c.stage]} ${cityTimeText(c.deadline, city.timeZone)}`),
    line(cw.received, cityTimeText(c.receivedAt, city.timeZone)),
    line(w.link, link),
  ];
  return { subject, text: lines.join('\n'), short: `${subject} ${link}`, link };
}

/** The console's operations page, notifications tab (where channels are tested). */
export function notifyPageLink(consoleUrl: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/ops.html#notify`;
}

const TEST_WORDING: Record<NotifyLanguage, { subject: (channel: string) => string; channel: string; by: string; body: string }> = {
  'zh-CN': {
    subject: (channel) => `【测试消息】CityTwin 通知渠道 ${channel}`,
    channel: '渠道',
    by: '发送人',
    body: '这是一条测试消息，用于确认此渠道能送达。无需处理。',
  },
  en: {
    subject: (channel) => `[Test message] CityTwin notification channel ${channel}`,
    channel: 'Channel',
    by: 'Sent by',
    body: 'This is a test message to check that this channel delivers. No action is needed.',
  },
};

/** A test message: the channel, who sent it, when, and that nothing needs doing. */
function composeTestMessage(event: NotifyEvent, language: NotifyLanguage, city: NotifyCity): ComposedText {
  const w = WORDING[language];
  const tw = TEST_WORDING[language];
  const channel = event.test?.channelId ?? '';
  const subject = tw.subject(channel);
  const link = notifyPageLink(city.consoleUrl);
  const line = (label: string, value: string): string => `${label}${w.colon}${value}`;
  const lines = [
    tw.body,
    line(tw.channel, channel),
    line(tw.by, event.test?.actor ?? ''),
    line(w.time, cityTimeText(event.at, city.timeZone)),
    line(w.link, link),
  ];
  return { subject, text: lines.join('\n'), short: `${subject} ${link}`, link };
}
