/**
 * The open-data catalogue as data (docs/open-data.md): each dataset with its titles, description,
 * licence, update frequency, fields (types and units) and the store query that makes its rows.
 * Every query reads only `public` data, filtered in SQL (storage/open-data-store.ts); a dataset
 * here adds no filtering of its own, so nothing can depend on a filter after the query.
 */
import { METRIC_UNITS, type SensorKind } from '../../../twin-model/index.ts';
import type { OpenDataRange, OpenDataStore } from '../../../storage/index.ts';

export type FieldType = 'string' | 'number' | 'integer' | 'datetime';

export interface DatasetField {
  name: string;
  type: FieldType;
  /** SenML unit of a value, or null. */
  unit: string | null;
  descriptionZh: string;
  descriptionEn: string;
}

/** A row of a dataset: field name to value, and where it is (for GeoJSON). */
export interface DatasetRow {
  values: Record<string, string | number>;
  lngLat: [number, number] | null;
}

export interface Dataset {
  id: string;
  titleZh: string;
  titleEn: string;
  descriptionZh: string;
  descriptionEn: string;
  licence: string;
  /** How often new rows appear. */
  updateFrequency: 'hourly' | 'daily';
  /** Whether `from`/`to` apply (time series) or the dataset is a current list. */
  timeSeries: boolean;
  fields: DatasetField[];
  rows: (store: OpenDataStore, q: OpenDataRange, seats: ReadonlyMap<string, [number, number]>) => Promise<DatasetRow[]>;
}

export const OPEN_DATA_LICENCE = 'CC-BY-4.0';

const HOUR: DatasetField = {
  name: 'hour',
  type: 'datetime',
  unit: null,
  descriptionZh: '小时起点（城市当地时间，ISO 8601 含时区）',
  descriptionEn: 'Start of the hour (city local time, ISO 8601 with offset)',
};
const DISTRICT: DatasetField = {
  name: 'district',
  type: 'string',
  unit: null,
  descriptionZh: '行政区代码',
  descriptionEn: 'District code',
};
const METRIC: DatasetField = { name: 'metric', type: 'string', unit: null, descriptionZh: '指标', descriptionEn: 'Metric' };

function valueFields(metrics: readonly (keyof typeof METRIC_UNITS)[]): DatasetField[] {
  const units = [...new Set(metrics.map((m) => METRIC_UNITS[m]))].join(', ');
  return [
    {
      name: 'mean',
      type: 'number',
      unit: units,
      // The units are the field's `unit`; the prose only says when they go by metric.
      descriptionZh: units.includes(',') ? '小时平均值（单位随指标）' : '小时平均值',
      descriptionEn: units.includes(',') ? 'Hourly mean (the unit depends on the metric)' : 'Hourly mean',
    },
    { name: 'max', type: 'number', unit: units, descriptionZh: '小时最大值', descriptionEn: 'Hourly maximum' },
  ];
}

function districtHourly(
  id: string,
  kind: SensorKind,
  metrics: readonly (keyof typeof METRIC_UNITS)[],
  text: Pick<Dataset, 'titleZh' | 'titleEn' | 'descriptionZh' | 'descriptionEn'>,
): Dataset {
  return {
    id,
    ...text,
    licence: OPEN_DATA_LICENCE,
    updateFrequency: 'hourly',
    timeSeries: true,
    fields: [
      HOUR,
      DISTRICT,
      METRIC,
      ...valueFields(metrics),
      { name: 'sensors', type: 'integer', unit: null, descriptionZh: '参与统计的公开监测点数', descriptionEn: 'Public sensors counted' },
    ],
    rows: async (store, q, seats) =>
      (await store.districtHours(kind, metrics, q)).map((r) => ({
        values: { hour: r.hour, district: r.district, metric: r.metric, mean: r.mean, max: r.max, sensors: r.sensors },
        lngLat: seats.get(r.district) ?? null,
      })),
  };
}

export const DATASETS: readonly Dataset[] = [
  districtHourly('air-quality-hourly', 'air_quality', ['aqi', 'pm25', 'pm10', 'no2'], {
    titleZh: '各区空气质量小时数据',
    titleEn: 'Hourly air quality by district',
    descriptionZh: '公开空气质量监测点的 AQI、PM2.5、PM10、NO₂ 按区按小时统计（平均值、最大值）。',
    descriptionEn: 'AQI, PM2.5, PM10 and NO₂ from the public air-quality stations, by district and hour (mean, maximum).',
  }),
  districtHourly('rainfall-hourly', 'rain_gauge', ['rainfall_mm_h'], {
    titleZh: '各区降雨小时数据',
    titleEn: 'Hourly rainfall by district',
    descriptionZh: '公开雨量站的降雨强度按区按小时统计（平均值、最大值）。',
    descriptionEn: 'Rainfall intensity from the public rain gauges, by district and hour (mean, maximum).',
  }),
  {
    id: 'service-hall-queues-hourly',
    titleZh: '政务服务大厅排队小时数据',
    titleEn: 'Hourly service-hall queues',
    descriptionZh: '公开分级的政务服务大厅每小时排队人数与等候时间（平均值、最大值）；未公开分级的大厅不在其中。',
    descriptionEn:
      'Queue length and waiting time per hour at the service halls classified public (mean, maximum); halls not classified public are not included.',
    licence: OPEN_DATA_LICENCE,
    updateFrequency: 'hourly',
    timeSeries: true,
    fields: [
      HOUR,
      { name: 'hall', type: 'string', unit: null, descriptionZh: '大厅编号', descriptionEn: 'Hall id' },
      { name: 'name', type: 'string', unit: null, descriptionZh: '大厅名称', descriptionEn: 'Hall name' },
      DISTRICT,
      METRIC,
      ...valueFields(['queue_length', 'wait_min']),
    ],
    rows: async (store, q) =>
      (await store.siteHours('service_hall', ['queue_length', 'wait_min'], q)).map((r) => ({
        values: { hour: r.hour, hall: r.siteId, name: r.name, district: r.district, metric: r.metric, mean: r.mean, max: r.max },
        lngLat: [r.lng, r.lat],
      })),
  },
  {
    id: 'incident-counts-daily',
    titleZh: '各区城市运行事件日统计',
    titleEn: 'Daily incident counts by district',
    descriptionZh: '每天按区、按类型统计的新发事件数，仅统计完全由公开监测数据发现的事件；不含误报，不含具体位置。',
    descriptionEn:
      'Incidents opened per day by district and type, counting only incidents found entirely from public sensors; no false alarms, no exact places.',
    licence: OPEN_DATA_LICENCE,
    updateFrequency: 'hourly',
    timeSeries: true,
    fields: [
      { name: 'day', type: 'string', unit: null, descriptionZh: '日期（城市当地时间）', descriptionEn: 'Day (city local time)' },
      DISTRICT,
      { name: 'type', type: 'string', unit: null, descriptionZh: '事件类型', descriptionEn: 'Incident type' },
      { name: 'incidents', type: 'integer', unit: null, descriptionZh: '事件数', descriptionEn: 'Incidents' },
    ],
    rows: async (store, q, seats) =>
      (await store.incidentCounts(q)).map((r) => ({
        values: { day: r.day, district: r.district, type: r.type, incidents: r.incidents },
        lngLat: seats.get(r.district) ?? null,
      })),
  },
  {
    id: 'monitoring-stations',
    titleZh: '公开监测站点',
    titleEn: 'Public monitoring stations',
    descriptionZh: '公开分级的空气质量、雨量、水位、气温监测站点及其位置。',
    descriptionEn: 'The public air-quality, rainfall, water-level and temperature stations and where they are.',
    licence: OPEN_DATA_LICENCE,
    updateFrequency: 'daily',
    timeSeries: false,
    fields: [
      { name: 'station', type: 'string', unit: null, descriptionZh: '站点编号', descriptionEn: 'Station id' },
      { name: 'kind', type: 'string', unit: null, descriptionZh: '类型', descriptionEn: 'Kind' },
      { name: 'name', type: 'string', unit: null, descriptionZh: '名称', descriptionEn: 'Name' },
      DISTRICT,
      { name: 'lng', type: 'number', unit: 'deg', descriptionZh: '经度（WGS84）', descriptionEn: 'Longitude (WGS84)' },
      { name: 'lat', type: 'number', unit: 'deg', descriptionZh: '纬度（WGS84）', descriptionEn: 'Latitude (WGS84)' },
    ],
    rows: async (store, q) =>
      (await store.stations(['air_quality', 'rain_gauge', 'water_level', 'river_level', 'temperature'], q.district, q.limit)).map((r) => ({
        values: { station: r.sensorId, kind: r.kind, name: r.name, district: r.district, lng: r.lng, lat: r.lat },
        lngLat: [r.lng, r.lat],
      })),
  },
];

/** What the catalogue lists of a dataset (everything but its query). */
export type DatasetListing = Omit<Dataset, 'rows'>;

export function listing(d: Dataset): DatasetListing {
  const { rows: _rows, ...rest } = d;
  return rest;
}
