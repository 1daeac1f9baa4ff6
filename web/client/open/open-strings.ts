/**
 * Strings of the open-data portal, zh-CN (default) and English. Kept beside the page; the
 * language itself (and its persistence) is the console's (i18n/language.ts).
 */
import { getLanguage } from '../i18n/language.ts';

const zh = {
  title: '城市开放数据',
  subtitle: '公开分级的城市运行数据，无需登录即可浏览和下载。',
  catalogue: '数据目录',
  loading: '正在加载…',
  error: '加载失败：{reason}',
  licence: '许可协议',
  frequency: '更新频率',
  hourly: '每小时',
  daily: '每天',
  fields: '字段',
  field: '字段名',
  type: '类型',
  unit: '单位',
  description: '说明',
  download: '下载（最近24小时）',
  preview: '预览（前 {n} 行）',
  noRows: '暂无数据',
  unitByMetric: '随指标（见预览）',
  api: '开发者接口：{path}（匿名访问有频率限制；可向城市管理部门申请 API 密钥）',
  times: '时间为城市当地时间（{zone}）',
} as const;

export type OpenStringKey = keyof typeof zh;

const en: Record<OpenStringKey, string> = {
  title: 'City open data',
  subtitle: "Public-classified data about the city's operations: browse and download, no login needed.",
  catalogue: 'Catalogue',
  loading: 'Loading…',
  error: 'Could not load: {reason}',
  licence: 'Licence',
  frequency: 'Updated',
  hourly: 'hourly',
  daily: 'daily',
  fields: 'Fields',
  field: 'Field',
  type: 'Type',
  unit: 'Unit',
  description: 'Description',
  download: 'Download (last 24 h)',
  preview: 'Preview (first {n} rows)',
  noRows: 'No data yet',
  unitByMetric: 'by metric (see the preview)',
  api: 'For developers: {path} (anonymous access is rate-limited; ask the city for an API key)',
  times: 'Times are city local time ({zone})',
};

export function ot(key: OpenStringKey, params: Readonly<Record<string, string | number>> = {}): string {
  const text: string = getLanguage() === 'en' ? en[key] : zh[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
