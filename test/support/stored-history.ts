/**
 * History for the replay tests, written straight into the product's ClickHouse (as the ingest
 * would have stored it): every sensor of the test city registered, then a reading every 30 s.
 */
import type { RunningCityTwin } from '../../bin/runtime.ts';
import { KIND_METRICS } from '../../twin-model/index.ts';

type Site = NonNullable<RunningCityTwin['city']>['sensorSites'][number];

/** Every sensor of the test city registered at `registeredAt` (the `sensors` table). */
export async function storeSensorRegister(app: RunningCityTwin, registeredAt: number): Promise<void> {
  await app.clickhouse.insert({
    table: 'sensors',
    format: 'JSONEachRow',
    values: app.city!.sensorSites.map((s) => ({
      sensor_id: s.id,
      kind: s.kind,
      lng: s.lng,
      lat: s.lat,
      name: s.nameZh,
      unit: '',
      district: s.district ?? '',
      source: s.sourceId ?? '',
      classification: '',
      deleted: 0,
      updated_at: registeredAt,
    })),
  });
}

/**
 * A reading of every sensor's first metric every 30 s from `from` to `to` (both included), of
 * the value `value` gives; a time `skip` says yes to has no readings (a gap).
 */
export async function storeReadings(
  app: RunningCityTwin,
  range: { readonly from: number; readonly to: number; readonly skip?: (ts: number) => boolean },
  value: (site: Site, ts: number) => number,
): Promise<void> {
  const rows: Array<Record<string, unknown>> = [];
  for (let ts = range.from; ts <= range.to; ts += 30_000) {
    if (range.skip?.(ts)) continue;
    for (const s of app.city!.sensorSites)
      rows.push({ entity: 'sensor', sensor_id: s.id, metric: KIND_METRICS[s.kind][0]!, ts, value: value(s, ts), received_at: ts });
  }
  await app.clickhouse.insert({ table: 'readings', format: 'JSONEachRow', values: rows });
}
