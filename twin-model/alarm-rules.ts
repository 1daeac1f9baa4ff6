/**
 * Per-kind alarm rules: thresholds with hysteresis per metric, and staleness after silence.
 * Rules are data; `evaluateLevel` is the only logic.
 *
 * Hysteresis: a metric enters a level when it crosses `enter` and leaves it only when it is
 * back past `exit`, so a value hovering at a threshold does not flap.
 */
import type { MetricName, SensorKind } from './vocabulary.ts';

export const AlarmLevel = { normal: 0, warning: 1, alarm: 2 } as const;
export type AlarmLevel = (typeof AlarmLevel)[keyof typeof AlarmLevel];

export interface Threshold {
  enter: number;
  exit: number;
}

export interface MetricRule {
  metric: MetricName;
  /** `above`: high values are bad; `below`: low values are bad (e.g. traffic speed). */
  direction: 'above' | 'below';
  warning: Threshold;
  alarm: Threshold;
  /**
   * On-delay: a rise to a worse level counts only once it has lasted this long (a glitch of one
   * or two samples is not an alarm; heat must persist to be heat). Falling is immediate. A
   * pending rise restarts only when the value falls back past the level's `exit`, and the level
   * is entered on a reading past `enter` once the delay has passed (the twin's `delayedLevel`):
   * noise just under `enter` does not restart it.
   */
  onDelayMs?: number;
}

export interface KindRules {
  /** A sensor with no reading for this long is stale. */
  staleAfterMs: number;
  metrics: MetricRule[];
}

const above = (metric: MetricName, warn: number, alarm: number, gap: number): MetricRule => ({
  metric,
  direction: 'above',
  warning: { enter: warn, exit: warn - gap },
  alarm: { enter: alarm, exit: alarm - gap },
});
const below = (metric: MetricName, warn: number, alarm: number, gap: number): MetricRule => ({
  metric,
  direction: 'below',
  warning: { enter: warn, exit: warn + gap },
  alarm: { enter: alarm, exit: alarm + gap },
});

const MIN = 60_000;

const delayed = (rule: MetricRule, onDelayMs: number): MetricRule => ({ ...rule, onDelayMs });

/**
 * Default rules. Sources for the thresholds: China Meteorological Administration rainfall
 * intensity (≥ 20 mm/h short-duration heavy rain, ≥ 50 mm/h extreme); road waterlogging
 * depth where cars stall (≈ 27–30 cm); Wuhan (Hankou) Yangtze guard level 25 m and warning
 * level 27.3 m; AQI categories (> 150 unhealthy, > 200 very unhealthy); heat warnings
 * (35 °C / 38 °C). Others are operating-practice defaults, configurable per deployment.
 */
export const DEFAULT_ALARM_RULES: Readonly<Record<SensorKind, KindRules>> = {
  rain_gauge: { staleAfterMs: 5 * MIN, metrics: [above('rainfall_mm_h', 20, 50, 4)] },
  water_level: { staleAfterMs: 3 * MIN, metrics: [above('water_level_cm', 15, 30, 5)] },
  river_level: { staleAfterMs: 40 * MIN, metrics: [above('river_level_m', 25, 27.3, 0.2)] },
  traffic_flow: { staleAfterMs: 5 * MIN, metrics: [delayed(below('speed_kmh', 15, 5, 5), 1 * MIN)] },
  air_quality: {
    staleAfterMs: 20 * MIN,
    metrics: [delayed(above('aqi', 150, 200, 10), 5 * MIN), delayed(above('pm25', 115, 150, 10), 5 * MIN)],
  },
  power_substation: { staleAfterMs: 5 * MIN, metrics: [above('load_pct', 85, 95, 3)] },
  hospital_ed: { staleAfterMs: 20 * MIN, metrics: [delayed(above('occupancy_pct', 92, 100, 3), 5 * MIN)] },
  metro_station: { staleAfterMs: 5 * MIN, metrics: [delayed(above('passengers_per_min', 600, 900, 50), 2 * MIN)] },
  city_code: { staleAfterMs: 5 * MIN, metrics: [delayed(above('scans_per_min', 1500, 2500, 100), 2 * MIN)] },
  // Queue length depends on a hall's size; waiting time is what citizens feel, so it leads.
  service_hall: {
    staleAfterMs: 10 * MIN,
    metrics: [delayed(above('wait_min', 60, 90, 5), 5 * MIN), delayed(above('queue_length', 150, 250, 10), 5 * MIN)],
  },
  temperature: { staleAfterMs: 20 * MIN, metrics: [delayed(above('air_temp_c', 35, 38, 0.5), 10 * MIN)] },
};

/** What threshold evaluation reads of a rule (a `MetricRule`, or a threshold rule of a rule set). */
export type ThresholdLike = Pick<MetricRule, 'direction' | 'warning' | 'alarm'> & { metric: string };

function crosses(rule: ThresholdLike, value: number, t: Threshold, inside: boolean): boolean {
  const bound = inside ? t.exit : t.enter;
  return rule.direction === 'above' ? value >= bound : value <= bound;
}

/** The level of one metric given its previous level (for hysteresis). */
export function evaluateLevel(rule: ThresholdLike, value: number, previous: AlarmLevel): AlarmLevel {
  if (crosses(rule, value, rule.alarm, previous === AlarmLevel.alarm)) return AlarmLevel.alarm;
  if (crosses(rule, value, rule.warning, previous >= AlarmLevel.warning)) return AlarmLevel.warning;
  return AlarmLevel.normal;
}

/** A short human reason, e.g. "water_level_cm 34 ≥ 30 (alarm)". */
export function describeLevel(rule: ThresholdLike, value: number, level: AlarmLevel): string {
  const op = rule.direction === 'above' ? '≥' : '≤';
  const rounded = Math.round(value * 100) / 100;
  if (level === AlarmLevel.alarm) return `${rule.metric} ${rounded} ${op} ${rule.alarm.enter} (alarm)`;
  if (level === AlarmLevel.warning) return `${rule.metric} ${rounded} ${op} ${rule.warning.enter} (warning)`;
  return `${rule.metric} ${rounded} within limits`;
}
