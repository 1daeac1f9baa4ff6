/**
 * Puts the twin's state reasons (twin-model: alarm-rules.ts `describeLevel`, twin-state.ts) into
 * the console's language. Reasons in a form this does not know are shown as sent.
 */
import { formatDuration, formatValueWithUnit } from './format.ts';
import type { Language } from './language.ts';
import { metricLabel, metricUnit } from './labels.ts';

const THRESHOLD = /^([A-Za-z0-9_]+) (-?\d+(?:\.\d+)?) (≥|≤) (-?\d+(?:\.\d+)?) \((alarm|warning)\)$/;
const WITHIN = /^([A-Za-z0-9_]+) (-?\d+(?:\.\d+)?) within limits$/;
const NO_READING_FOR = /^no reading for (\d+(?:\.\d+)?) s \(limit (\d+(?:\.\d+)?) s\)$/;
const NO_READING_SINCE = /^no reading since registration \(limit (\d+(?:\.\d+)?) s\)$/;
const NO_META = /^no meta message yet$/;

/** The reason in `lang`; the raw text when its form is unknown. */
export function localizeStateReason(reason: string, lang: Language): string {
  const zh = lang === 'zh';
  let m = THRESHOLD.exec(reason);
  if (m) {
    const [, metric, value, op, bound, level] = m as unknown as [string, string, string, string, string, string];
    const unit = metricUnit(metric);
    const v = formatValueWithUnit(Number(value), unit, lang);
    const b = formatValueWithUnit(Number(bound), unit, lang);
    const what = zh ? (level === 'alarm' ? '告警阈值' : '预警阈值') : level === 'alarm' ? 'alarm threshold' : 'warning threshold';
    return zh ? `${metricLabel(metric, lang)} ${v} ${op} ${what} ${b}` : `${metricLabel(metric, lang)} ${v} ${op} ${what} ${b}`;
  }
  m = WITHIN.exec(reason);
  if (m) {
    const [, metric, value] = m as unknown as [string, string, string];
    const v = formatValueWithUnit(Number(value), metricUnit(metric), lang);
    return zh ? `${metricLabel(metric, lang)} ${v}，在正常范围内` : `${metricLabel(metric, lang)} ${v}, within limits`;
  }
  m = NO_READING_FOR.exec(reason);
  if (m) {
    const age = formatDuration(Number(m[1]) * 1000, lang);
    const limit = formatDuration(Number(m[2]) * 1000, lang);
    return zh ? `已 ${age} 未收到读数（上限 ${limit}）` : `No reading for ${age} (limit ${limit})`;
  }
  m = NO_READING_SINCE.exec(reason);
  if (m) {
    const limit = formatDuration(Number(m[1]) * 1000, lang);
    return zh ? `注册后未收到读数（上限 ${limit}）` : `No reading since registration (limit ${limit})`;
  }
  if (NO_META.test(reason)) return zh ? '尚未收到注册信息（meta 消息）' : 'No meta message yet';
  return reason;
}
