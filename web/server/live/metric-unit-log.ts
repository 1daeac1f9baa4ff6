/**
 * The units seen of metrics outside the vocabulary (docs/ingest.md, "Units of metrics the
 * vocabulary does not know"), stored as they change — one row per change of a sensor metric's
 * unit, never one per reading — in batches (storage/vocabulary-store.ts `device_metric_units`),
 * so that the twin's rebuild finds them after a restart.
 */
import { BatchedAppender, type StoredMetricUnit, type VocabularyStore } from '../../../storage/index.ts';
import { seenUnitOf, type SeenUnit, type SensorEntry } from '../../../twin-model/index.ts';

/** The units a sensor holds now for the metrics of `units` (`''`: none). */
export function unitsNow(entry: SensorEntry | undefined, units: readonly SeenUnit[]): string[] {
  return units.map((u) => (entry ? (seenUnitOf(entry, u.metric) ?? '') : ''));
}

export class MetricUnitLog {
  private store: Pick<VocabularyStore, 'saveMetricUnits'> | null = null;
  private readonly changes: BatchedAppender<StoredMetricUnit>;

  constructor(delayMs: number, log: (message: string) => void) {
    this.changes = new BatchedAppender<StoredMetricUnit>({
      // A device flipping units message after message writes one row per sensor metric per batch.
      write: (batch) => this.store!.saveMetricUnits(newestPerMetric(batch)),
      delayMs,
      onFailure: (err, kept) => log(`metric unit store: ${err.message}; ${kept} units kept for the next write`),
    });
  }

  use(store: Pick<VocabularyStore, 'saveMetricUnits'>): void {
    this.store = store;
  }

  /** Stores the units of `units` that `entry` holds now and did not hold before (`was`, from {@link unitsNow}). */
  changed(sensorId: string, units: readonly SeenUnit[], was: readonly string[], entry: SensorEntry | undefined, at: number): void {
    if (!this.store || !entry) return;
    const now = unitsNow(entry, units);
    const out: StoredMetricUnit[] = [];
    for (let k = 0; k < units.length; k++)
      if (now[k] !== was[k]) out.push({ sensorId, metric: units[k]!.metric, unit: now[k]!, seenAt: at });
    this.changes.push(out);
  }

  /** Resolves once every change noted so far is stored (or its write failed and is kept for the next). */
  async flush(): Promise<void> {
    if (this.store) await this.changes.flush();
  }
}

/** The newest change of each sensor metric in a batch, in the batch's order. */
export function newestPerMetric(batch: readonly StoredMetricUnit[]): StoredMetricUnit[] {
  const newest = new Map<string, StoredMetricUnit>();
  for (const u of batch) {
    const key = `${u.sensorId}\u0000${u.metric}`;
    newest.delete(key);
    newest.set(key, u);
  }
  return [...newest.values()];
}

/** Stored units by sensor, as the twin's rebuild gives them with each sensor's readings. */
export function bySensorId(rows: readonly StoredMetricUnit[]): Map<string, SeenUnit[]> {
  const out = new Map<string, SeenUnit[]>();
  for (const u of rows) {
    const list = out.get(u.sensorId) ?? [];
    list.push({ metric: u.metric, unit: u.unit });
    out.set(u.sensorId, list);
  }
  return out;
}
