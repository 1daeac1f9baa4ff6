/**
 * Strings of the incident rules form (incident-rules-form.ts), zh-CN (default) and English: each
 * field of an incident rule (docs/incidents.md) by its JSON key, its choices, and the form's words
 * (the page's own strings are in ops-strings.ts).
 */
import { getLanguage, type Language } from '../i18n/language.ts';

const zh = {
  type: '事件类型',
  general: '基本',
  spatial: '空间',
  open: '开启',
  severity: '等级',
  resolve: '解除',
  signals: '证据信号',
  signal: '信号 {id}',
  listHint: '多个值用逗号分隔',
  pick: '没有可编辑的事件规则。',
  'field.nameZh': '中文名称',
  'field.nameEn': '英文名称',
  'field.description': '说明',
  'field.windowS': '时间窗',
  'field.repeatGain': '同类证据增益',
  'field.spatial.radiusM': '关联半径',
  'field.spatial.sameAsset': '同一设施的证据总归一起（不同设施不归并）',
  'field.spatial.sameDistrict': '仅同一行政区',
  'field.open.minConfidence': '开启所需置信度',
  'field.severity.base': '基础等级',
  'field.severity.perAlarm': '每条告警加级',
  'field.severity.max': '最高等级',
  'field.resolve.quietS': '无新证据多久后解除',
  'field.resolve.operatorConfirms': '由值班员确认解除',
  'field.evidence': '证据种类',
  'field.sensorKinds': '传感器类型',
  'field.minLevel': '最低级别',
  'field.minShare': '区内告警占比',
  'field.eventTypes': '上报类型',
  'field.categories': '类别',
  'field.family': '证据来源类别',
  'field.weight': '权重',
  'field.canOpen': '可单独开启事件',
  'field.radiusM': '信号半径',
  'field.joinRadiusM': '并入已开事件的半径',
  'field.placeRadiusM': '同一地点半径',
  'field.maxLagS': '最大滞后',
  'unit.m': '米',
  'unit.s': '秒',
  'unit.share': '0–1',
  'unit.level': '1–5',
  'choice.sensor_alarm': '传感器告警',
  'choice.area_share': '区域告警占比',
  'choice.event': '事件上报',
  'choice.warning': '预警',
  'choice.alarm': '告警',
  'choice.sensor': '传感器',
  'choice.weather': '气象',
  'choice.traffic': '交通',
  'choice.hotline': '热线',
  'choice.video': '视频',
  'choice.manual': '人工',
  'choice.service': '公共服务',
  'choice.none': '（未设）',
};

type IncidentRuleStringKey = keyof typeof zh;

const en: Record<IncidentRuleStringKey, string> = {
  type: 'Incident type',
  general: 'General',
  spatial: 'Place',
  open: 'Opening',
  severity: 'Severity',
  resolve: 'Resolution',
  signals: 'Evidence signals',
  signal: 'Signal {id}',
  listHint: 'several values separated by commas',
  pick: 'There is no incident rule to edit.',
  'field.nameZh': 'Name (Chinese)',
  'field.nameEn': 'Name (English)',
  'field.description': 'Description',
  'field.windowS': 'Time window',
  'field.repeatGain': 'Gain of repeated evidence',
  'field.spatial.radiusM': 'Radius',
  'field.spatial.sameAsset': 'Evidence of one asset belongs together (another asset never)',
  'field.spatial.sameDistrict': 'Same district only',
  'field.open.minConfidence': 'Confidence to open',
  'field.severity.base': 'Base severity',
  'field.severity.perAlarm': 'Severity per alarm',
  'field.severity.max': 'Highest severity',
  'field.resolve.quietS': 'Resolve after quiet for',
  'field.resolve.operatorConfirms': 'An operator confirms the resolution',
  'field.evidence': 'Evidence',
  'field.sensorKinds': 'Sensor kinds',
  'field.minLevel': 'Lowest level',
  'field.minShare': "Share of the district's sensors",
  'field.eventTypes': 'Report types',
  'field.categories': 'Categories',
  'field.family': 'Evidence family',
  'field.weight': 'Weight',
  'field.canOpen': 'Can open an incident',
  'field.radiusM': 'Radius of this signal',
  'field.joinRadiusM': 'Radius to join an open incident',
  'field.placeRadiusM': 'Radius of one place',
  'field.maxLagS': 'Longest lag',
  'unit.m': 'm',
  'unit.s': 's',
  'unit.share': '0–1',
  'unit.level': '1–5',
  'choice.sensor_alarm': 'sensor alarm',
  'choice.area_share': 'share of a district in alarm',
  'choice.event': 'report',
  'choice.warning': 'warning',
  'choice.alarm': 'alarm',
  'choice.sensor': 'sensor',
  'choice.weather': 'weather',
  'choice.traffic': 'traffic',
  'choice.hotline': 'hotline',
  'choice.video': 'video',
  'choice.manual': 'manual',
  'choice.service': 'public service',
  'choice.none': '(not set)',
};

const STRINGS: Readonly<Record<Language, Readonly<Record<IncidentRuleStringKey, string>>>> = { zh, en };

/** A string of the incident rules form in the current language, `{name}` placeholders filled. */
export function irt(key: IncidentRuleStringKey, params?: Readonly<Record<string, string | number>>): string {
  const template = STRINGS[getLanguage()][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** A key's label, or null when the form has none (then the JSON key is shown). */
export function incidentLabel(prefix: 'field' | 'choice' | 'unit', key: string): string | null {
  const k = `${prefix}.${key}`;
  return Object.hasOwn(zh, k) ? irt(k as IncidentRuleStringKey) : null;
}
