/**
 * What the twin rebuilds from at start (web/server/live/twin-service.ts): the sensor registry
 * (`sensors`, the latest row of each sensor not deleted) and the latest value of every sensor
 * metric within the last day (from the per-minute rollup `readings_1m`, which keeps each
 * minute's last value and its time), and the unit each sensor metric outside the vocabulary
 * last came in (`device_metric_units`). The queries are the registry's, the readings' and the
 * vocabulary store's own.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ReadingsStore, type SensorLatestValue } from './readings-store.ts';
import { RegistryStore, type SensorRegistryRow } from './registry-store.ts';
import { VocabularyStore, type StoredMetricUnit } from './vocabulary-store.ts';

/** The latest stored value of one metric of one sensor. */
export type LatestReadingRow = SensorLatestValue;

export class TwinRebuildStore {
  private readonly registry: RegistryStore;
  private readonly readings: ReadingsStore;
  private readonly vocabulary: VocabularyStore;

  constructor(client: ClickHouseClient) {
    this.registry = new RegistryStore(client);
    this.readings = new ReadingsStore(client);
    this.vocabulary = new VocabularyStore(client);
  }

  /** Every registered sensor not deleted, as last reported. */
  registeredSensors(): Promise<SensorRegistryRow[]> {
    return this.registry.current();
  }

  /** The latest value of every sensor metric reported within the last day (sums of counters left out). */
  latestReadings(): Promise<LatestReadingRow[]> {
    return this.readings.latestOfAll();
  }

  /** The unit every sensor metric outside the vocabulary last came in (none kept: left out). */
  metricUnits(): Promise<StoredMetricUnit[]> {
    return this.vocabulary.metricUnits();
  }
}
