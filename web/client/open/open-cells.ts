/**
 * The open-data preview in words (pure): a column head in the page's language, and a cell — a
 * district by its name, a metric by its name, an hour on the city's clock, a value with its
 * metric's unit as the rest of the console writes it (i18n/format.ts). The downloads keep the
 * field names, the codes and the bare numbers.
 */
import { formatCityDateTime, formatUnit, formatValueWithUnit } from '../i18n/format.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { kindLabel, metricLabel, metricUnit } from '../i18n/labels.ts';
import type { Language } from '../i18n/language.ts';

export interface OpenField {
  name: string;
  type: string;
  unit: string | null;
  descriptionZh: string;
  descriptionEn: string;
}

export interface OpenDistrict {
  code: string;
  nameZh: string;
  nameEn: string;
}

/** The column heads of the fields every dataset of the catalogue has (docs/open-data.md). */
const HEADS: Readonly<Record<string, Record<Language, string>>> = {
  hour: { zh: '小时', en: 'Hour' },
  district: { zh: '行政区', en: 'District' },
  metric: { zh: '指标', en: 'Metric' },
  mean: { zh: '平均值', en: 'Mean' },
  max: { zh: '最大值', en: 'Maximum' },
  sensors: { zh: '监测点数', en: 'Sensors' },
  hall: { zh: '大厅编号', en: 'Hall' },
  name: { zh: '名称', en: 'Name' },
  day: { zh: '日期', en: 'Day' },
  type: { zh: '事件类型', en: 'Incident type' },
  incidents: { zh: '事件数', en: 'Incidents' },
  station: { zh: '站点编号', en: 'Station' },
  kind: { zh: '类型', en: 'Kind' },
  lng: { zh: '经度', en: 'Longitude' },
  lat: { zh: '纬度', en: 'Latitude' },
};

/** Codes shown by their names: the metric, the incident type, the sensor kind. */
const NAMED: Readonly<Record<string, (code: string, lang: Language) => string>> = {
  metric: metricLabel,
  type: incidentTypeLabel,
  kind: kindLabel,
};

/** A preview column's head: its name in `lang`, else the field's description in `lang`. */
export function columnHead(field: OpenField, lang: Language): string {
  return HEADS[field.name]?.[lang] ?? ((lang === 'zh' ? field.descriptionZh : field.descriptionEn) || field.name);
}

/** The fields' types as the page names them. */
const TYPES: Readonly<Record<string, Record<Language, string>>> = {
  datetime: { zh: '日期时间', en: 'date and time' },
  string: { zh: '文本', en: 'text' },
  number: { zh: '数值', en: 'number' },
  integer: { zh: '整数', en: 'integer' },
};

/** A field's type in `lang` (an unknown type as given). */
export function fieldType(field: OpenField, lang: Language): string {
  return TYPES[field.type]?.[lang] ?? field.type;
}

/** A field's unit as written on the page: several units (one per metric) are said to go by metric. */
export function fieldUnit(field: OpenField, lang: Language, byMetric: string): string {
  if (!field.unit) return '';
  return field.unit.includes(',') ? byMetric : formatUnit(field.unit, lang);
}

/** A preview cell in `lang`; `zone` is the city's time zone. */
export function cellText(
  row: Readonly<Record<string, string | number | null>>,
  field: OpenField,
  lang: Language,
  zone: string,
  districts: readonly OpenDistrict[] = [],
): string {
  const value = row[field.name];
  if (value === undefined || value === null) return '';
  if (field.name === 'district') {
    const district = districts.find((x) => x.code === String(value));
    return district ? (lang === 'zh' ? district.nameZh : district.nameEn) : String(value);
  }
  const named = NAMED[field.name];
  if (named && typeof value === 'string') return named(value, lang);
  if (field.type === 'datetime' && typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? formatCityDateTime(ms, zone).slice(0, 16) : value;
  }
  // Coordinates keep every digit given.
  if (typeof value !== 'number' || field.unit === 'deg') return String(value);
  const metric = typeof row.metric === 'string' ? row.metric : null;
  const unit = field.unit?.includes(',') ? (metric ? metricUnit(metric) : null) : field.unit;
  return formatValueWithUnit(value, unit, lang);
}
