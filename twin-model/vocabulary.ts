/**
 * The v1 vocabulary shared with integrators (contracts.md): sensor kinds, their metrics and
 * fixed units, event and incident types, source classifications. Extend compatibly (add
 * names); never rename.
 */

export const SENSOR_KINDS = [
  'rain_gauge',
  'water_level',
  'river_level',
  'traffic_flow',
  'air_quality',
  'power_substation',
  'hospital_ed',
  'metro_station',
  'city_code',
  'service_hall',
  'temperature',
] as const;
export type SensorKind = (typeof SENSOR_KINDS)[number];

/** Metric name → its fixed unit (SenML unit symbols where RFC 8428 / RFC 8798 has one). */
export const METRIC_UNITS = {
  rainfall_mm_h: 'mm/h',
  water_level_cm: 'cm',
  river_level_m: 'm',
  vehicles_per_min: '1/min',
  speed_kmh: 'km/h',
  pm25: 'ug/m3',
  pm10: 'ug/m3',
  no2: 'ug/m3',
  aqi: '1',
  load_pct: '%',
  voltage_kv: 'kV',
  occupancy_pct: '%',
  waiting: '1',
  passengers_per_min: '1/min',
  scans_per_min: '1/min',
  queue_length: '1',
  wait_min: 'min',
  air_temp_c: 'Cel',
  humidity_pct: '%RH',
} as const satisfies Record<string, string>;
export type MetricName = keyof typeof METRIC_UNITS;

/** Units accepted as spelling variants of the fixed unit (SenML units and common forms). */
export const UNIT_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'mm/h': ['mm/h'],
  cm: ['cm'],
  m: ['m'],
  '1/min': ['1/min', '/min'],
  'km/h': ['km/h'],
  'ug/m3': ['ug/m3', 'µg/m³', 'µg/m3'],
  '1': ['1', 'count', ''],
  '%': ['%'],
  kV: ['kV'],
  min: ['min'],
  Cel: ['Cel', '°C', 'C'],
  '%RH': ['%RH', '%'],
};

/** The metrics each sensor kind reports; the first one is the kind's headline metric. */
export const KIND_METRICS: Readonly<Record<SensorKind, readonly MetricName[]>> = {
  rain_gauge: ['rainfall_mm_h'],
  water_level: ['water_level_cm'],
  river_level: ['river_level_m'],
  traffic_flow: ['vehicles_per_min', 'speed_kmh'],
  air_quality: ['aqi', 'pm25', 'pm10', 'no2'],
  power_substation: ['load_pct', 'voltage_kv'],
  hospital_ed: ['occupancy_pct', 'waiting'],
  metro_station: ['passengers_per_min'],
  city_code: ['scans_per_min'],
  service_hall: ['queue_length', 'wait_min'],
  temperature: ['air_temp_c', 'humidity_pct'],
};

export const CLASSIFICATIONS = ['public', 'internal', 'sensitive'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];
/** The classification data is treated as when neither it nor its source has one. */
export const UNCLASSIFIED_AS: Classification = 'internal';

export const EVENT_TYPES = ['citizen_report', 'video_detection', 'manual_report'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const INCIDENT_TYPES = [
  'waterlogging',
  'traffic_accident',
  'fire',
  'power_outage',
  'heat_stress',
  'crowd',
  'service_surge',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

/** Identifier rule for sensorId, serviceId, unitId and source (contracts.md). */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function isSensorKind(value: unknown): value is SensorKind {
  return typeof value === 'string' && (SENSOR_KINDS as readonly string[]).includes(value);
}

export function isMetricName(value: string): value is MetricName {
  return Object.hasOwn(METRIC_UNITS, value);
}

export function isKnownUnitFor(metric: MetricName, unit: string): boolean {
  const fixed = METRIC_UNITS[metric];
  return (UNIT_ALIASES[fixed] ?? [fixed]).includes(unit);
}

/** Bilingual labels for the console and the API docs. */
export const KIND_LABELS: Readonly<Record<SensorKind, { zh: string; en: string }>> = {
  rain_gauge: { zh: '雨量计', en: 'Rain gauge' },
  water_level: { zh: '积水监测', en: 'Water level (road)' },
  river_level: { zh: '江河水位', en: 'River level' },
  traffic_flow: { zh: '交通流量', en: 'Traffic flow' },
  air_quality: { zh: '空气质量', en: 'Air quality' },
  power_substation: { zh: '变电站负荷', en: 'Substation load' },
  hospital_ed: { zh: '医院急诊', en: 'Hospital ED' },
  metro_station: { zh: '地铁客流', en: 'Metro ridership' },
  city_code: { zh: '一码互联扫码', en: 'City-code scans' },
  service_hall: { zh: '政务服务大厅', en: 'Service hall' },
  temperature: { zh: '气温湿度', en: 'Temperature' },
};

export const METRIC_LABELS: Readonly<Record<MetricName, { zh: string; en: string }>> = {
  rainfall_mm_h: { zh: '雨强', en: 'Rainfall' },
  water_level_cm: { zh: '积水深度', en: 'Water depth' },
  river_level_m: { zh: '水位', en: 'River level' },
  vehicles_per_min: { zh: '车流量', en: 'Vehicles' },
  speed_kmh: { zh: '车速', en: 'Speed' },
  pm25: { zh: 'PM2.5', en: 'PM2.5' },
  pm10: { zh: 'PM10', en: 'PM10' },
  no2: { zh: '二氧化氮', en: 'NO₂' },
  aqi: { zh: '空气质量指数', en: 'AQI' },
  load_pct: { zh: '负载率', en: 'Load' },
  voltage_kv: { zh: '电压', en: 'Voltage' },
  occupancy_pct: { zh: '占用率', en: 'Occupancy' },
  waiting: { zh: '候诊人数', en: 'Waiting' },
  passengers_per_min: { zh: '客流', en: 'Passengers' },
  scans_per_min: { zh: '扫码量', en: 'Scans' },
  queue_length: { zh: '排队人数', en: 'Queue' },
  wait_min: { zh: '等候时长', en: 'Wait' },
  air_temp_c: { zh: '气温', en: 'Air temp' },
  humidity_pct: { zh: '湿度', en: 'Humidity' },
};
