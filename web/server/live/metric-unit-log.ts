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

/**
 * Pending changes are kept per sensor metric (the newest wins: a keyed BatchedAppender), so what
 * waits for the store is bounded by the sensors × metrics that changed, however often a device
 * flips its unit and however long the store is away. A failed write keeps its rows (unless a newer
 * change replaced them) and is tried again `retryMs` later; {@link close} stops trying.
 */
export class MetricUnitLog {
  private store: Pick<VocabularyStore, 'saveMetricUnits'> | null = null;
  private readonly rows: BatchedAppender<StoredMetricUnit>;
  private closed = false;
  private isWriter: () => boolean = () => true;

  constructor(delayMs: number, log: (message: string) => void, retryMs = 1_000) {
    this.rows = new BatchedAppender<StoredMetricUnit>({
      write: (batch) => this.store!.saveMetricUnits(batch),
      delayMs,
      retryMs,
      key: (row) => `${row.sensorId}\u0000${row.metric}`,
      onFailure: (err, kept) => log(`metric unit store: ${err.message}; ${kept} units kept for the next write`),
    });
  }

  /** Only the node that writes the twin's changes stores them (`isWriter`): one row per change, not one per node. */
  use(store: Pick<VocabularyStore, 'saveMetricUnits'>, isWriter: () => boolean = () => true): void {
    this.store = store;
    this.isWriter = isWriter;
  }

  /** Rows stored, failed writes. */
  get counters(): { readonly stored: number; readonly failures: number } {
    return this.rows.counters;
  }

  /** Changes waiting for the store (at most one per sensor metric). */
  get pendingCount(): number {
    return this.rows.pendingCount;
  }

  /** Stores the units of `units` that `entry` holds now and did not hold before (`was`, from {@link unitsNow}). */
  changed(sensorId: string, units: readonly SeenUnit[], was: readonly string[], entry: SensorEntry | undefined, at: number): void {
    if (!this.store || !entry || this.closed || !this.isWriter()) return;
    const now = unitsNow(entry, units);
    const rows: StoredMetricUnit[] = [];
    for (let k = 0; k < units.length; k++) {
      if (now[k] !== was[k]) rows.push({ sensorId, metric: units[k]!.metric, unit: now[k]!, seenAt: at });
    }
    this.rows.push(rows);
  }

  /** Resolves once every change noted so far is stored (or its write failed and is kept for the next). */
  async flush(): Promise<void> {
    if (this.store) await this.rows.flush();
  }

  /** Writes what is left once, then stops: no retry after the store is closed. */
  async close(): Promise<void> {
    if (this.store) await this.rows.close();
    this.closed = true;
  }
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
