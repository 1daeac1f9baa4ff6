/**
 * Puts the twin's state reasons (twin-model: alarm-rules.ts `describeLevel`, rules/rule-eval.ts
 * `describeRule` for rate-of-change and flatline rules, twin-state.ts) into
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
const NUM = '(-?\\d+(?:\\.\\d+)?)';
/** twin-model/rules/rule-eval.ts `describeRule`: "water_level_cm +12 in 5 min ≥ +10 (rate warning)". */
const RATE = new RegExp(`^([A-Za-z0-9_]+) ([+±-])${NUM} in ${NUM} (h|min|s) ≥ [+±-]${NUM} \\(rate (alarm|warning)\\)$`);
/** "water_level_cm 7.1 unchanged ±0.2 for 42 min (flatline warning)". */
const FLATLINE = new RegExp(`^([A-Za-z0-9_]+) ${NUM} unchanged ±${NUM} for (\\d+) min \\(flatline (alarm|warning)\\)$`);
const UNIT_MS = { h: 3_600_000, min: 60_000, s: 1000 } as const;

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
  const rule = localizeRuleReason(reason, lang);
  if (rule) return rule;
  if (NO_META.test(reason)) return zh ? '尚未收到注册信息（meta 消息）' : 'No meta message yet';
  return reason;
}

/** A rate-of-change or flatline reason in `lang`, or null for another form. */
function localizeRuleReason(reason: string, lang: Language): string | null {
  const zh = lang === 'zh';
  let m = RATE.exec(reason);
  if (m) {
    const [, metric, sign, change, span, spanUnit, delta, level] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      'h' | 'min' | 's',
      string,
      string,
    ];
    const unit = metricUnit(metric);
    const c = formatValueWithUnit(Math.abs(Number(change)), unit, lang);
    const d = formatValueWithUnit(Number(delta), unit, lang);
    const within = formatDuration(Number(span) * UNIT_MS[spanUnit], lang);
    if (zh) {
      const verb = sign === '+' ? '上升' : sign === '-' ? '下降' : '变化';
      return `${metricLabel(metric, lang)} ${within}内${verb} ${c}（≥ ${d}，变化率${level === 'alarm' ? '告警' : '预警'}）`;
    }
    const verb = sign === '+' ? 'rose' : sign === '-' ? 'fell' : 'changed';
    return `${metricLabel(metric, lang)} ${verb} ${c} in ${within} (≥ ${d}: rate-of-change ${level})`;
  }
  m = FLATLINE.exec(reason);
  if (m) {
    const [, metric, value, epsilon, minutes, level] = m as unknown as [string, string, string, string, string, string];
    const unit = metricUnit(metric);
    const v = formatValueWithUnit(Number(value), unit, lang);
    const e = formatValueWithUnit(Number(epsilon), unit, lang);
    const span = formatDuration(Number(minutes) * 60_000, lang);
    if (zh) return `${metricLabel(metric, lang)} ${v}，已 ${span} 无变化（±${e} 内，疑似卡滞${level === 'alarm' ? '告警' : '预警'}）`;
    return `${metricLabel(metric, lang)} ${v} unchanged (±${e}) for ${span} (flatline ${level}: the sensor may be stuck)`;
  }
  return null;
}
