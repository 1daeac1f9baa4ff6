/**
 * The units seen of metrics outside the vocabulary (docs/ingest.md, "Units of metrics the
 * vocabulary does not know"), stored as they change — one row per change of a sensor metric's
 * unit, never one per reading — in batches (storage/vocabulary-store.ts `device_metric_units`),
 * so that the twin's rebuild finds them after a restart.
 */
import type { StoredMetricUnit, VocabularyStore } from '../../../storage/index.ts';
import { seenUnitOf, type SeenUnit, type SensorEntry } from '../../../twin-model/index.ts';

/** The units a sensor holds now for the metrics of `units` (`''`: none). */
export function unitsNow(entry: SensorEntry | undefined, units: readonly SeenUnit[]): string[] {
  return units.map((u) => (entry ? (seenUnitOf(entry, u.metric) ?? '') : ''));
}

/**
 * Pending changes are kept per sensor metric (the newest wins), so what waits for the store is
 * bounded by the sensors × metrics that changed, however often a device flips its unit and however
 * long the store is away. A failed write keeps its rows (unless a newer change replaced them) and
 * is tried again `retryMs` later; {@link close} stops trying.
 */
export class MetricUnitLog {
  private store: Pick<VocabularyStore, 'saveMetricUnits'> | null = null;
  private pending = new Map<string, StoredMetricUnit>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private isWriter: () => boolean = () => true;
  /** Rows stored, failed writes. */
  readonly counters = { stored: 0, failures: 0 };

  constructor(
    private readonly delayMs: number,
    private readonly log: (message: string) => void,
    private readonly retryMs = 1_000,
  ) {}

  /** Only the node that writes the twin's changes stores them (`isWriter`): one row per change, not one per node. */
  use(store: Pick<VocabularyStore, 'saveMetricUnits'>, isWriter: () => boolean = () => true): void {
    this.store = store;
    this.isWriter = isWriter;
  }

  /** Changes waiting for the store (at most one per sensor metric). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Stores the units of `units` that `entry` holds now and did not hold before (`was`, from {@link unitsNow}). */
  changed(sensorId: string, units: readonly SeenUnit[], was: readonly string[], entry: SensorEntry | undefined, at: number): void {
    if (!this.store || !entry || this.closed || !this.isWriter()) return;
    const now = unitsNow(entry, units);
    let any = false;
    for (let k = 0; k < units.length; k++) {
      if (now[k] === was[k]) continue;
      const metric = units[k]!.metric;
      const key = `${sensorId}\u0000${metric}`;
      this.pending.delete(key);
      this.pending.set(key, { sensorId, metric, unit: now[k]!, seenAt: at });
      any = true;
    }
    if (any) this.schedule(this.delayMs);
  }

  /** Resolves once every change noted so far is stored (or its write failed and is kept for the next). */
  async flush(): Promise<void> {
    if (!this.store) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing = this.writing.then(() => this.write());
    await this.writing;
  }

  /** Writes what is left once, then stops: no retry after the store is closed. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.writing = this.writing.then(() => this.write());
    }, ms);
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0 || !this.store) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.saveMetricUnits([...batch.values()]);
      this.counters.stored += batch.size;
    } catch (err) {
      this.counters.failures++;
      // Kept for the next write, behind any newer change of the same sensor metric.
      for (const [key, row] of batch) if (!this.pending.has(key)) this.pending.set(key, row);
      this.log(`metric unit store: ${(err as Error).message}; ${this.pending.size} units kept for the next write`);
      this.schedule(this.retryMs);
    }
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
