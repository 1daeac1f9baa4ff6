/**
 * The words of incidents and dispatch that both the console and the server's after-action report
 * (web/server/replay/report-wording.ts) show, in zh-CN and English: incident statuses, the steps
 * of an incident's history, evidence kinds, dispatch actions of the audit record and the automatic
 * actors. Written once here; the console's message table (web/client/i18n/strings.ts) spreads them
 * into its own, so the server needs nothing of web/client.
 */

const zh = {
  'audit.action.dispatch.recommend': '查看推荐',
  'audit.action.dispatch.assign': '派遣',
  'audit.action.dispatch.override': '改派（覆盖推荐）',
  'audit.action.dispatch.status': '状态变更',
  'audit.action.dispatch.arrive': '到场',
  'audit.action.dispatch.clear': '释放',
  'audit.action.dispatch.reroute': '改道',
  'audit.action.dispatch.warning': '告警',
  'incident.actor.twin': '孪生系统',
  'incident.ev.sensor_alarm': '传感器告警',
  'incident.ev.event': '上报',
  'incident.ev.official_warning': '官方预警',
  'incident.ev.active': '持续中',
  'incident.ev.inactive': '已恢复',
  'incident.status.open': '待处理',
  'incident.status.acknowledged': '已确认',
  'incident.status.resolved': '已解决',
  'incident.status.closed': '已关闭',
  'incident.status.false_alarm': '误报',
  'incident.what.opened': '事件生成',
  'incident.what.evidence_linked': '关联证据',
  'incident.what.evidence_inactive': '证据恢复正常',
  'incident.what.updated': '更新',
  'incident.what.acknowledged': '确认',
  'incident.what.severity_set': '设定等级',
  'incident.what.merged_into': '并入其他事件',
  'incident.what.absorbed': '合并事件',
  'incident.what.split_from': '拆分生成',
  'incident.what.split_off': '拆分出证据',
  'incident.what.false_alarm': '标记误报',
  'incident.what.resolution_proposed': '建议解决',
  'incident.what.resolved': '已解决',
  'incident.what.closed': '已关闭',
  'incident.what.reopened': '重新打开',
};

/** A key of the shared words. */
export type ReportWordKey = keyof typeof zh;

const en: Record<ReportWordKey, string> = {
  'audit.action.dispatch.recommend': 'Recommendations shown',
  'audit.action.dispatch.assign': 'Assigned',
  'audit.action.dispatch.override': 'Override',
  'audit.action.dispatch.status': 'Status changed',
  'audit.action.dispatch.arrive': 'Arrived',
  'audit.action.dispatch.clear': 'Released',
  'audit.action.dispatch.reroute': 'Rerouted',
  'audit.action.dispatch.warning': 'Warning',
  'incident.actor.twin': 'twin',
  'incident.ev.sensor_alarm': 'Sensor alarm',
  'incident.ev.event': 'Report',
  'incident.ev.official_warning': 'Official warning',
  'incident.ev.active': 'active',
  'incident.ev.inactive': 'back to normal',
  'incident.status.open': 'Open',
  'incident.status.acknowledged': 'Acknowledged',
  'incident.status.resolved': 'Resolved',
  'incident.status.closed': 'Closed',
  'incident.status.false_alarm': 'False alarm',
  'incident.what.opened': 'Opened',
  'incident.what.evidence_linked': 'Evidence linked',
  'incident.what.evidence_inactive': 'Evidence back to normal',
  'incident.what.updated': 'Updated',
  'incident.what.acknowledged': 'Acknowledged',
  'incident.what.severity_set': 'Severity set',
  'incident.what.merged_into': 'Merged into another',
  'incident.what.absorbed': 'Merged another in',
  'incident.what.split_from': 'Split from another',
  'incident.what.split_off': 'Evidence split off',
  'incident.what.false_alarm': 'Marked false alarm',
  'incident.what.resolution_proposed': 'Resolution proposed',
  'incident.what.resolved': 'Resolved',
  'incident.what.closed': 'Closed',
  'incident.what.reopened': 'Reopened',
};

export const REPORT_WORDS: Readonly<Record<'zh' | 'en', Readonly<Record<ReportWordKey, string>>>> = { zh, en };
