/**
 * Words of the case desk page, zh-CN (default) and English: statuses, steps of a case's history,
 * commands, refusal codes (worded here from the server's code and parameters) and the page's own
 * labels. Category labels are the domain's (CASE_CATEGORY_LABELS). Kept beside the page; the
 * language itself (and its persistence, the toggle) is the console's (i18n/language.ts).
 */
import { getLanguage, pick, type Language } from '../i18n/language.ts';
import { CASE_CATEGORY_LABELS } from '../../../twin-model/cases/index.ts';

const zh = {
  title: '热线工单（民呼我应 12345）',
  subtitle: '受理、派单、签收、答复、办结、回访，每一步限时留痕',
  mine: '本部门：{department}',
  unbound: '您的账号尚未绑定部门，请联系管理员。',
  denied: '此页面仅供派单席、部门办理人员及值班人员使用。',
  back: '返回控制台',
  signOut: '退出登录',
  timezone: '时间均为{city}时间（{offset}）',
  timezoneBrowser: '时间为本机时区 {zone}（{offset}）',
  loading: '正在加载…',
  error: '加载失败：{reason}',
  empty: '没有符合条件的工单',
  emptyNone: '暂无工单。12345 热线受理的诉求派单后会列在这里。',
  count: '共 {n} 件',
  filterStatus: '状态',
  filterCategory: '类别',
  filterOverdue: '超时',
  all: '全部',
  overdueYes: '仅超时',
  overdueNo: '未超时',
  colId: '工单号',
  colCategory: '类别',
  colStatus: '状态',
  colDepartment: '承办部门',
  colReceived: '受理时间',
  colDue: '答复时限',
  overdue: '超时',
  select: '选择一件工单查看详情',
  text: '诉求内容',
  address: '地址',
  caller: '来电人',
  place: '位置',
  placeCoarse: '约 500 米范围',
  received: '受理',
  acceptBy: '签收时限',
  replyBy: '答复时限',
  reply: '答复',
  satisfaction: '满意度 {n}/5',
  repeat: '重复诉求 {n} 次',
  incident: '关联事件 {id}',
  proposalJoin: '建议并入事件 {id}',
  proposalOpen: '可能形成新事件（{type}）',
  repeatLabel: '重复来电',
  incidentLabel: '关联事件',
  proposalLabel: '事件研判',
  'actor.routing': '自动派单',
  'actor.sla-clock': '时限监控',
  actorHotline: '12345 热线系统',
  actorDepartment: '{user}（{department}）',
  timeline: '办理记录',
  round: '第 {n} 轮',
  reasonGiven: '（附理由）',
  actions: '操作',
  department: '部门',
  reasonLabel: '理由',
  replyLabel: '答复内容',
  commentLabel: '回访意见（可选）',
  noActions: '当前状态下无可执行操作',
  done: '已执行：{what}',
  refused: '未执行：{reason}',
  'status.received': '已受理',
  'status.assigned': '已派单',
  'status.accepted': '已签收',
  'status.replied': '已答复',
  'status.returned': '已退回',
  'status.closed': '已办结',
  'status.reopened': '重办',
  'what.received': '受理',
  'what.assigned': '派单',
  'what.accepted': '签收',
  'what.returned': '退回',
  'what.replied': '答复',
  'what.closed': '办结',
  'what.feedback': '回访评价',
  'what.reopened': '重办',
  'what.incident_linked': '关联事件',
  'what.overdue': '超时',
  'stage.accept': '签收超时',
  'stage.reply': '答复超时',
  'cmd.assign': '派单',
  'cmd.override': '改派（需理由）',
  'cmd.accept': '签收',
  'cmd.return': '退回',
  'cmd.reply': '答复',
  'cmd.close': '办结',
  'cmd.feedback': '记录回访',
  'cmd.reopen': '重办',
  'cmd.link_incident': '并入事件',
  'refusal.wrong_status': '工单当前为“{status}”，此操作需要：{needs}',
  'refusal.close_without_reply': '尚未答复市民，不能办结',
  'refusal.reason_required': '请填写理由',
  'refusal.text_required': '请填写答复内容',
  'refusal.other_department': '该工单不在本部门',
  'refusal.role_not_allowed': '您的角色不能执行此操作',
  'refusal.unknown_department': '“{department}”不是部门目录中的部门',
  'refusal.already_assigned': '工单已在“{department}”',
  'refusal.feedback_given': '本轮已记录回访',
  'refusal.feedback_before_close': '办结后才能回访',
};

export type CaseStringKey = keyof typeof zh;

const en: Record<CaseStringKey, string> = {
  title: 'Hotline cases (12345)',
  subtitle: 'Received, assigned, accepted, replied, closed, rated: every step on the clock and on record',
  mine: 'Department: {department}',
  unbound: 'Your account is not bound to a department yet; ask an administrator.',
  denied: 'This page is for the dispatch desk, department case handlers and staff on duty.',
  back: 'Back to the console',
  signOut: 'Sign out',
  timezone: 'Times in {city} time ({offset})',
  timezoneBrowser: "Times in this browser's zone {zone} ({offset})",
  loading: 'Loading…',
  error: 'Could not load: {reason}',
  empty: 'No case matches',
  emptyNone: 'No cases yet. Requests the 12345 hotline takes are listed here once assigned.',
  count: '{n} cases',
  filterStatus: 'Status',
  filterCategory: 'Category',
  filterOverdue: 'Overdue',
  all: 'All',
  overdueYes: 'Overdue only',
  overdueNo: 'On time',
  colId: 'Case',
  colCategory: 'Category',
  colStatus: 'Status',
  colDepartment: 'Department',
  colReceived: 'Received',
  colDue: 'Reply by',
  overdue: 'Overdue',
  select: 'Select a case to see its details',
  text: 'What the citizen said',
  address: 'Address',
  caller: 'Caller',
  place: 'Place',
  placeCoarse: 'within about 500 m',
  received: 'Received',
  acceptBy: 'Accept by',
  replyBy: 'Reply by',
  reply: 'Reply',
  satisfaction: 'Satisfaction {n}/5',
  repeat: 'Repeat of {n} earlier cases',
  incident: 'Incident {id}',
  proposalJoin: 'Suggested: join incident {id}',
  proposalOpen: 'May open a new incident ({type})',
  repeatLabel: 'Repeat calls',
  incidentLabel: 'Incident',
  proposalLabel: 'Incident check',
  'actor.routing': 'Routing table',
  'actor.sla-clock': 'Deadline clock',
  actorHotline: '12345 hotline system',
  actorDepartment: '{user} ({department})',
  timeline: 'History',
  round: 'round {n}',
  reasonGiven: '(reason given)',
  actions: 'Actions',
  department: 'Department',
  reasonLabel: 'Reason',
  replyLabel: 'Reply',
  commentLabel: "Citizen's comment (optional)",
  noActions: 'Nothing to do in this status',
  done: 'Done: {what}',
  refused: 'Not done: {reason}',
  'status.received': 'Received',
  'status.assigned': 'Assigned',
  'status.accepted': 'Accepted',
  'status.replied': 'Replied',
  'status.returned': 'Returned',
  'status.closed': 'Closed',
  'status.reopened': 'Reopened',
  'what.received': 'received',
  'what.assigned': 'assigned',
  'what.accepted': 'accepted',
  'what.returned': 'returned',
  'what.replied': 'replied',
  'what.closed': 'closed',
  'what.feedback': 'feedback',
  'what.reopened': 'reopened',
  'what.incident_linked': 'linked to an incident',
  'what.overdue': 'overdue',
  'stage.accept': 'accept limit missed',
  'stage.reply': 'reply limit missed',
  'cmd.assign': 'Assign',
  'cmd.override': 'Override (reason)',
  'cmd.accept': 'Accept',
  'cmd.return': 'Return',
  'cmd.reply': 'Reply',
  'cmd.close': 'Close',
  'cmd.feedback': 'Record feedback',
  'cmd.reopen': 'Reopen',
  'cmd.link_incident': 'Join incident',
  'refusal.wrong_status': 'The case is "{status}"; this needs: {needs}',
  'refusal.close_without_reply': 'The citizen has no reply yet: the case cannot be closed',
  'refusal.reason_required': 'Give a reason',
  'refusal.text_required': 'Write the reply',
  'refusal.other_department': 'The case is not with your department',
  'refusal.role_not_allowed': 'Your role may not do this',
  'refusal.unknown_department': '"{department}" is not a department of the catalogue',
  'refusal.already_assigned': 'The case is already with "{department}"',
  'refusal.feedback_given': 'Feedback was already recorded in this round',
  'refusal.feedback_before_close': 'Feedback comes after closing',
};

const STRINGS: Readonly<Record<Language, Readonly<Record<CaseStringKey, string>>>> = { zh, en };

/** A string of the case desk in the page's language, `{name}` filled from `params`. */
export function ct(key: CaseStringKey, params?: Readonly<Record<string, string | number>>, lang: Language = getLanguage()): string {
  const template = STRINGS[lang][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** The departments' English names by their Chinese name (the id), from `GET /api/case-departments`. */
let departmentNamesEn: ReadonlyMap<string, string> = new Map();

/** Takes the departments' English names the server lists (`namesEn`). */
export function setDepartmentNames(namesEn: ReadonlyArray<{ department: string; nameEn: string }> | undefined): void {
  departmentNamesEn = new Map((namesEn ?? []).map((n) => [n.department, n.nameEn]));
}

/**
 * A department in the page's language: its Chinese name (its id) in Chinese, its English name
 * (the source catalogue's `department_en`) in English, the Chinese name where it has none.
 */
export function departmentText(department: string, lang: Language = getLanguage()): string {
  return lang === 'en' ? (departmentNamesEn.get(department) ?? department) : department;
}

/** A key of this table, or null: codes a newer server sends are shown as they are. */
export function caseKey(key: string): CaseStringKey | null {
  return Object.hasOwn(zh, key) ? (key as CaseStringKey) : null;
}

/** A refusal worded from its code and parameters; the server's English when the code is not known here. */
export function refusalText(code: string | undefined, params: Record<string, unknown> | undefined, fallback: string): string {
  const key = code ? caseKey(`refusal.${code}`) : null;
  if (!key) return fallback;
  const p: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {}))
    p[k] = k === 'status' ? statusText(String(v)) : k === 'department' ? departmentText(String(v)) : String(v);
  return ct(key, p);
}

export function statusText(status: string): string {
  const key = caseKey(`status.${status}`);
  return key ? ct(key) : status;
}

/**
 * Who did a step of a case's history, in words: a person by their user name (and department),
 * the product's own actors (the routing table, the deadline clock) and the hotline's system by
 * what they are — never their internal names (`routing`, the source id).
 */
export function actorText(actor: { user: string; role: string; department?: string }, lang: Language = getLanguage()): string {
  const own = caseKey(`actor.${actor.user}`);
  if (actor.role === 'system') return own ? ct(own, undefined, lang) : actor.user;
  if (actor.role === 'hotline') return ct('actorHotline', undefined, lang);
  return actor.department
    ? ct('actorDepartment', { user: actor.user, department: departmentText(actor.department, lang) }, lang)
    : actor.user;
}

/** A category worded by the domain's labels; a category a newer server sends is shown as it is. */
export function categoryText(category: string): string {
  return category in CASE_CATEGORY_LABELS ? pick(CASE_CATEGORY_LABELS[category as keyof typeof CASE_CATEGORY_LABELS]) : category;
}

/** A key of this table worded, else `fallback` (a step or stage a newer server sends). */
export function wordOf(key: string, fallback: string): string {
  const k = caseKey(key);
  return k ? ct(k) : fallback;
}

/**
 * The zone the page's times are in: the city's by its name with its UTC offset (never a city
 * written into the page), or the browser's zone when the city is not known.
 */
export function zoneText(city: { zh: string; en: string } | null, zone: string, offset: string, lang: Language = getLanguage()): string {
  return city ? ct('timezone', { city: lang === 'en' ? city.en : city.zh, offset }, lang) : ct('timezoneBrowser', { zone, offset }, lang);
}
