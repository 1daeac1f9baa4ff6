/**
 * The twin at run time: the pure twin state, fed by accepted messages (from the ingest in
 * the same process, or from its own MQTT subscription in a separate web process), ticked
 * for staleness, and rebuilt from ClickHouse at start so a restart shows the city at once.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../ingest/index.ts';
import {
  applyTwinInput,
  createTwinState,
  isSensorKind,
  type CityModel,
  type Reading,
  type SensorMeta,
  type TwinConfig,
  type TwinContext,
  type TwinState,
} from '../../twin-model/index.ts';
import { sensorClassifier } from './auth/classification.ts';
import { LiveStream } from './live-stream.ts';

export interface TwinServiceOptions {
  city: CityModel | null;
  districtAt?: TwinConfig['districtAt'];
  now?: () => number;
}

export class TwinService {
  readonly state: TwinState;
  readonly stream: LiveStream;
  private readonly ctx: TwinContext;

  constructor(options: TwinServiceOptions) {
    const now = options.now ?? Date.now;
    this.ctx = { now };
    this.state = createTwinState({
      sites: new Map((options.city?.sensorSites ?? []).map((s) => [s.id, s])),
      ...(options.districtAt ? { districtAt: options.districtAt } : {}),
    });
    // Classification follows the sensor's meta, else its registered source (分级分类).
    this.stream = new LiveStream(this.state, { now, classify: sensorClassifier(options.city?.sources ?? []) });
  }

  onMeta(sensorId: string, meta: SensorMeta | null): void {
    applyTwinInput(this.state, { type: 'meta', id: sensorId, meta }, this.ctx, this.stream.pending);
  }

  onReadings(sensorId: string, readings: readonly Reading[]): void {
    applyTwinInput(this.state, { type: 'readings', id: sensorId, readings }, this.ctx, this.stream.pending);
  }

  tick(): void {
    applyTwinInput(this.state, { type: 'tick' }, this.ctx, this.stream.pending);
  }

  /** Loads the registry and the latest values from ClickHouse. Returns the sensors loaded. */
  async rebuildFrom(client: ClickHouseClient): Promise<number> {
    const sensors = await queryRows<{
      sensor_id: string;
      kind: string;
      lng: number;
      lat: number;
      name: string;
      unit: string;
      district: string;
      source: string;
      classification: string;
    }>(client, 'SELECT sensor_id, kind, lng, lat, name, unit, district, source, classification FROM sensors FINAL WHERE deleted = 0');
    for (const s of sensors) {
      if (!isSensorKind(s.kind)) continue;
      const meta: SensorMeta = { kind: s.kind, lng: Number(s.lng), lat: Number(s.lat) };
      if (s.name) meta.name = s.name;
      if (s.unit) meta.unit = s.unit;
      if (s.district) meta.district = s.district;
      if (s.source) meta.source = s.source;
      if (s.classification === 'public' || s.classification === 'internal' || s.classification === 'sensitive') meta.classification = s.classification;
      this.onMeta(s.sensor_id, meta);
    }
    const latest = await queryRows<{ sensor_id: string; metric: string; ms: number | string; value: number }>(
      client,
      `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS value FROM readings_1m
       WHERE entity = 'sensor' AND minute > now() - INTERVAL 1 DAY AND metric NOT LIKE '%:sum'
       GROUP BY sensor_id, metric`,
    );
    const bySensor = new Map<string, Reading[]>();
    for (const r of latest) {
      const list = bySensor.get(r.sensor_id) ?? [];
      list.push({ metric: r.metric, ts: Number(r.ms), value: Number(r.value) });
      bySensor.set(r.sensor_id, list);
    }
    for (const [id, readings] of bySensor) this.onReadings(id, readings);
    this.tick();
    return this.state.sensors.length;
  }
}
