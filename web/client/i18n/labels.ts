/**
 * Labels of vocabulary terms (kinds, metrics, states, classifications) in the current language,
 * with safe fallbacks for names the console does not know (a newer server may send them).
 */
import { KIND_LABELS, KIND_METRICS, METRIC_LABELS, METRIC_UNITS, isMetricName, isSensorKind } from '../../../twin-model/vocabulary.ts';
import type { SensorStateName } from '../../../twin-model/sensor-state.ts';
import { declaredKind, declaredMetric } from './declared-vocabulary.ts';
import { getLanguage, pick, t, translate, type Language } from './language.ts';
import { STRINGS, type StringKey } from './strings.ts';

const STATE_KEYS: Readonly<Record<SensorStateName, StringKey>> = {
  normal: 'state.normal',
  warning: 'state.warning',
  alarm: 'state.alarm',
  stale: 'state.stale',
  unregistered: 'state.unregistered',
};

const CLASSIFICATION_KEYS: Readonly<Record<string, StringKey>> = {
  public: 'classification.public',
  internal: 'classification.internal',
  sensitive: 'classification.sensitive',
};

export function kindLabel(kind: string, lang: Language = getLanguage()): string {
  if (isSensorKind(kind)) return pick(KIND_LABELS[kind], lang);
  const declared = declaredKind(kind);
  if (declared) return pick(declared.label, lang);
  return kind === 'unknown' ? translate(lang, 'kind.unknown') : kind;
}

export function metricLabel(metric: string, lang: Language = getLanguage()): string {
  if (isMetricName(metric)) return pick(METRIC_LABELS[metric], lang);
  const declared = declaredMetric(metric);
  return declared ? pick(declared.label, lang) : metric;
}

/** The fixed unit of a metric (vocabulary, v1 or declared), or null for an unknown metric. */
export function metricUnit(metric: string): string | null {
  return isMetricName(metric) ? METRIC_UNITS[metric] : (declaredMetric(metric)?.unit ?? null);
}

export function stateLabel(state: SensorStateName): string {
  return t(STATE_KEYS[state]);
}

/** Classification level (public / internal / sensitive); unknown levels are shown as given. */
export function classificationLabel(c: string | null | undefined): string {
  if (!c) return t('field.none');
  const key = CLASSIFICATION_KEYS[c];
  return key ? t(key) : c;
}

/** Unit kind (排水抢险队 / pump team …); unknown kinds are shown as given. */
export function unitKindLabel(kind: string, lang: Language = getLanguage()): string {
  const key = `unit.kind.${kind}` as StringKey;
  return key in STRINGS.zh ? translate(lang, key) : kind;
}

/** Asset kind (医院 / hospital …); a kind a city package declares is shown as given. */
export function assetKindLabel(kind: string, lang: Language = getLanguage()): string {
  const key = `asset.kind.${kind}` as StringKey;
  return key in STRINGS.zh ? translate(lang, key) : kind;
}

/** Unit status (空闲 / available …), or its short form for narrow columns. */
export function unitStatusLabel(status: string, short = false): string {
  const key = `unit.${short ? 'statusShort' : 'status'}.${status}` as StringKey;
  return key in STRINGS.zh ? t(key) : status;
}

/** Unit warning (silent, off_road) and its explanation. */
export function unitWarningLabel(warning: string, title = false): string {
  const key = `unit.warning.${warning}${title ? 'Title' : ''}` as StringKey;
  return key in STRINGS.zh ? t(key) : warning;
}

/** A capability (pumping …), or a comma-separated list of them. */
export function capabilityLabel(caps: string, lang: Language = getLanguage()): string {
  return caps
    .split(',')
    .filter(Boolean)
    .map((c) => {
      const key = `unit.cap.${c}` as StringKey;
      return key in STRINGS.zh ? translate(lang, key) : c;
    })
    .join(translate(lang, 'dispatch.listSep'));
}

/** The metrics of a kind, headline first (v1 or declared), or none for an unknown kind. */
export function kindMetrics(kind: string): readonly string[] {
  return isSensorKind(kind) ? KIND_METRICS[kind] : (declaredKind(kind)?.metrics ?? []);
}
