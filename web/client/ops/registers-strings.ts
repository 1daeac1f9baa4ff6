/**
 * Strings of the registers tab (registers-tab.ts), zh-CN (default) and English, kept beside it
 * (the page's own strings are in ops-strings.ts).
 */
import { getLanguage, type Language } from '../i18n/language.ts';

const zh = {
  heading: '导入登记册',
  entity: '登记册',
  'entity.sensor': '传感器（sensors.csv）',
  'entity.unit': '救援力量（units.csv）',
  'entity.source': '数据来源（sources.csv）',
  'entity.vocabulary': '传感器类型（vocabulary.json）',
  file: '选择文件',
  paste: '或粘贴文件内容（整份文件替换该登记册）',
  reason: '导入原因（应用时必填）',
  dryRun: '试运行（显示差异）',
  apply: '应用',
  running: '正在检查…',
  dryOk: '试运行：共 {entries} 条，可以应用。尚未做任何修改。',
  dryBad: '试运行：{errors} 个错误，不能应用。请修正下列各行后重新导入整份文件。',
  applied: '已应用（{id}）。立即生效：{live}。下次启动生效：{next}。',
  refused: '未应用：{reason}',
  needReason: '应用前请填写原因。',
  'diff.added': '新增',
  'diff.changed': '变更',
  'diff.retired': '停用',
  'diff.invalid': '无效行',
  'col.change': '变化',
  'col.id': '编号',
  'col.kind': '类型',
  'col.name': '名称',
  'col.position': '位置',
  'col.what': '内容',
  'col.line': '行',
  'col.field': '字段',
  'col.value': '值',
  'col.reason': '原因',
  'col.at': '时间',
  'col.by': '操作人',
  'col.entity': '登记册',
  'col.result': '结果',
  'col.counts': '数量',
  counts: '新增 {added}，变更 {changed}，停用 {retired}，不变 {unchanged}',
  vocab: '新增类型 {added}，变更 {changed}，删除 {removed}',
  past: '历史导入',
  'result.applied': '已应用',
  'result.superseded': '已应用（已被城市包取代）',
  'result.dry': '试运行',
  'result.dryBad': '试运行（有错误）',
  'result.refused': '被拒绝',
  none: '无',
};

type RegisterStringKey = keyof typeof zh;

const en: Record<RegisterStringKey, string> = {
  heading: 'Import a register',
  entity: 'Register',
  'entity.sensor': 'Sensors (sensors.csv)',
  'entity.unit': 'Response units (units.csv)',
  'entity.source': 'Data sources (sources.csv)',
  'entity.vocabulary': 'Sensor kinds (vocabulary.json)',
  file: 'Choose a file',
  paste: "or paste the file (the whole file replaces that register's list)",
  reason: 'Reason (required to apply)',
  dryRun: 'Dry run (show the diff)',
  apply: 'Apply',
  running: 'Checking…',
  dryOk: 'Dry run: {entries} entries, ready to apply. Nothing has changed yet.',
  dryBad: 'Dry run: {errors} errors, cannot be applied. Fix every row listed and import the whole file again.',
  applied: 'Applied ({id}). In force now: {live}. At the next start: {next}.',
  refused: 'Not applied: {reason}',
  needReason: 'Give a reason before applying.',
  'diff.added': 'Added',
  'diff.changed': 'Changed',
  'diff.retired': 'Retired',
  'diff.invalid': 'Invalid rows',
  'col.change': 'Change',
  'col.id': 'Id',
  'col.kind': 'Kind',
  'col.name': 'Name',
  'col.position': 'Position',
  'col.what': 'What',
  'col.line': 'Line',
  'col.field': 'Field',
  'col.value': 'Value',
  'col.reason': 'Reason',
  'col.at': 'Time',
  'col.by': 'By',
  'col.entity': 'Register',
  'col.result': 'Result',
  'col.counts': 'Counts',
  counts: 'added {added}, changed {changed}, retired {retired}, unchanged {unchanged}',
  vocab: 'kinds added {added}, changed {changed}, removed {removed}',
  past: 'Past imports',
  'result.applied': 'applied',
  'result.superseded': 'applied (superseded by the package)',
  'result.dry': 'dry run',
  'result.dryBad': 'dry run (errors)',
  'result.refused': 'refused',
  none: 'none',
};

const STRINGS: Readonly<Record<Language, Readonly<Record<RegisterStringKey, string>>>> = { zh, en };

/** A string of the registers tab in the current language, `{name}` placeholders filled. */
export function rt(key: RegisterStringKey, params?: Readonly<Record<string, string | number>>): string {
  const template = STRINGS[getLanguage()][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}
