/**
 * Words of the field page, zh-CN (default) and English: the page's labels, the status buttons
 * and refusals worded from the server's codes. Unit kinds and statuses, incident types are the
 * console's (i18n/labels.ts, i18n/incident-labels.ts). Kept beside the page; the language itself
 * (and its persistence, the toggle) is the console's (i18n/language.ts).
 */
import { getLanguage, type Language } from '../i18n/language.ts';

const zh = {
  title: '外勤终端',
  denied: '此页面仅供现场队伍使用（需要“现场队伍”角色）。',
  unbound: '您的账号尚未绑定处置单位，请联系管理员。',
  loading: '正在加载…',
  error: '刷新失败：{reason}',
  noAssignment: '暂无任务',
  noAssignmentHint: '派单后任务将自动显示（每 {s} 秒刷新）。',
  homeLeg: '返回驻地',
  incident: '任务事件',
  severity: '{n}级',
  place: '地点',
  placeCoarse: '位置为约 1 公里范围，请按路线行驶',
  dispatchedAt: '派单时间',
  dispatchedBy: '派单人',
  eta: '预计到达',
  etaIn: '{time}（约 {min} 分钟）',
  etaPast: '{time}（已过预计时间）',
  route: '路线',
  routeLength: '{km} 公里',
  unitStatus: '当前状态',
  setStatus: '更新状态',
  'status.en_route': '出发',
  'status.on_scene': '到达现场',
  'status.returning': '返回',
  'status.available': '待命可用',
  done: '已更新为：{status}',
  updated: '更新于 {time}',
  zone: '时间：{zone}（{offset}）',
  signOut: '退出',
  mapLabel: '任务地图：路线与事件位置',
  'refusal.transition_not_allowed': '当前状态不能改为“{to}”。',
  'refusal.reason_required': '取消任务需由调度员操作。',
  'refusal.not_bound': '您的账号尚未绑定处置单位，请联系管理员。',
} as const;

export type FieldStringKey = keyof typeof zh;

const en: Readonly<Record<FieldStringKey, string>> = {
  title: 'Field unit',
  denied: 'This page is for field crews (the Field crew role).',
  unbound: 'Your account is not bound to a response unit yet: ask an administrator.',
  loading: 'Loading…',
  error: 'Refresh failed: {reason}',
  noAssignment: 'No assignment',
  noAssignmentHint: 'A new assignment shows here by itself (refreshed every {s} s).',
  homeLeg: 'Returning to station',
  incident: 'Incident',
  severity: 'Severity {n}',
  place: 'Place',
  placeCoarse: 'Position within about 1 km: follow the route',
  dispatchedAt: 'Dispatched',
  dispatchedBy: 'By',
  eta: 'ETA',
  etaIn: '{time} (about {min} min)',
  etaPast: '{time} (past the estimate)',
  route: 'Route',
  routeLength: '{km} km',
  unitStatus: 'Status',
  setStatus: 'Set status',
  'status.en_route': 'En route',
  'status.on_scene': 'On scene',
  'status.returning': 'Returning',
  'status.available': 'Available',
  done: 'Status set: {status}',
  updated: 'Updated {time}',
  zone: 'Times: {zone} ({offset})',
  signOut: 'Sign out',
  mapLabel: 'Assignment map: route and incident',
  'refusal.transition_not_allowed': 'The unit cannot go to “{to}” from its current status.',
  'refusal.reason_required': 'Cancelling an assignment is the dispatcher’s.',
  'refusal.not_bound': 'Your account is not bound to a response unit yet: ask an administrator.',
};

const STRINGS: Readonly<Record<Language, Readonly<Record<FieldStringKey, string>>>> = { zh, en };

/** A string of the field page in the page's language, `{name}` filled from `params`. */
export function ft(key: FieldStringKey, params?: Readonly<Record<string, string | number>>, lang: Language = getLanguage()): string {
  const template = STRINGS[lang][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** A refusal worded from its code; the server's English when the code is not known here. */
export function fieldRefusal(code: unknown, params: Record<string, string>, fallback: string): string {
  const key = `refusal.${String(code)}`;
  return Object.hasOwn(zh, key) ? ft(key as FieldStringKey, params) : fallback;
}
