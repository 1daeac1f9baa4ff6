/** Display states of a sensor, as drawn on the map and sent on the live stream. */
export const SENSOR_STATES = ['normal', 'warning', 'alarm', 'stale', 'unregistered'] as const;
export type SensorStateName = (typeof SENSOR_STATES)[number];

/** Numeric codes used on the binary live stream (index into SENSOR_STATES). */
export const SensorStateCode = {
  normal: 0,
  warning: 1,
  alarm: 2,
  stale: 3,
  unregistered: 4,
} as const satisfies Record<SensorStateName, number>;
export type SensorStateCode = (typeof SensorStateCode)[SensorStateName];

export function stateName(code: number): SensorStateName {
  return SENSOR_STATES[code] ?? 'normal';
}
