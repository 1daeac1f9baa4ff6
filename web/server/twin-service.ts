/**
 * The twin at run time: one {@link FusionEngine} — the pure twin state and the incident
 * correlator together — fed by accepted messages (from the ingest in the same process, or from
 * its own MQTT subscription in a separate web process), ticked for staleness and incident
 * resolution, and rebuilt from ClickHouse at start so a restart shows the city and its open
 * incidents at once. Every incident change is handed to listeners (the socket.io stream) and
 * appended to the event-sourced {@link IncidentStore}.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../ingest/index.ts';
import {
  activeIncidents,
  applyIncidentInput,
  createIncidentState,
  createTwinState,
  FusionEngine,
  isSensorKind,
  restoreIncidents,
  type CityEvent,
  type CityModel,
  type Classification,
  type Incident,
  type IncidentAction,
  type IncidentChange,
  type Reading,
  type SensorMeta,
  type TwinConfig,
  type TwinContext,
  type TwinState,
} from '../../twin-model/index.ts';
import { sensorClassifier } from './auth/classification.ts';
import type { IncidentStore } from './incident-store.ts';
import type { EvidenceClassifier } from './incident-view.ts';
import { LiveStream } from './live-stream.ts';

export interface TwinServiceOptions {
  city: CityModel | null;
  districtAt?: TwinConfig['districtAt'];
  /** Whether a report's position is inside the city; default: anywhere. */
  inCity?: (lng: number, lat: number) => boolean;
  now?: () => number;
  /** Incident changes are written in batches this often (ms). */
  persistDelayMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export type IncidentListener = (changes: readonly IncidentChange[]) => void;

export class TwinService {
  readonly state: TwinState;
  readonly stream: LiveStream;
  /** The twin and the correlator; `engine.twin` is {@link state}, the state the stream shows. */
  readonly engine: FusionEngine;
  /** Incident changes stored, and store failures (retried with the next batch). */
  readonly incidentCounters = { changes: 0, stored: 0, storeFailures: 0 };
  private readonly ctx: TwinContext;
  private readonly listeners = new Set<IncidentListener>();
  private readonly log: NonNullable<TwinServiceOptions['log']>;
  private readonly persistDelayMs: number;
  private store: IncidentStore | null = null;
  private unstored: IncidentChange[] = [];
  private persistTimer: NodeJS.Timeout | null = null;
  /** The write in progress; writes are serialised so the store keeps the order of changes. */
  private writing: Promise<void> = Promise.resolve();

  constructor(options: TwinServiceOptions) {
    const now = options.now ?? Date.now;
    this.ctx = { now };
    this.log = options.log ?? (() => undefined);
    this.persistDelayMs = options.persistDelayMs ?? 200;
    this.state = createTwinState({
      sites: new Map((options.city?.sensorSites ?? []).map((s) => [s.id, s])),
      ...(options.districtAt ? { districtAt: options.districtAt } : {}),
    });
    // Classification follows the sensor's meta, else its registered source (分级分类).
    this.stream = new LiveStream(this.state, { now, classify: sensorClassifier(options.city?.sources ?? []) });
    const districtAt = options.districtAt ?? (() => null);
    // The engine notes changed sensors in the stream's pending set, so the map and the
    // correlator see the same twin updates without applying any input twice.
    this.engine = new FusionEngine(this.state, createIncidentState(), { inCity: options.inCity ?? (() => true), districtAt }, this.stream.pending);
  }

  onMeta(sensorId: string, meta: SensorMeta | null): void {
    this.emit(this.engine.meta(sensorId, meta, this.ctx));
  }

  onReadings(sensorId: string, readings: readonly Reading[]): void {
    this.emit(this.engine.readings(sensorId, readings, this.ctx));
  }

  /** A discrete report (hotline case, video detection, manual report). */
  onEvent(event: CityEvent): void {
    this.emit(this.engine.event(event, this.ctx));
  }

  tick(): void {
    this.emit(this.engine.tick(this.ctx));
  }

  /**
   * An operator's action on an incident. Throws IncidentActionError when the action does not
   * apply (the incident is closed, a merge across types …); the state is then unchanged.
   */
  act(incidentId: string, actor: string, command: IncidentAction, reason?: string): IncidentChange[] {
    const changes = applyIncidentInput(this.engine.incidents, { type: 'operator', incidentId, actor, command, ...(reason ? { reason } : {}) }, this.ctx);
    this.emit(changes);
    return changes;
  }

  /** The incidents open or acknowledged now. */
  activeIncidents(): Incident[] {
    return activeIncidents(this.engine.incidents);
  }

  /** An incident the twin holds (any status since start or restore), or undefined. */
  incident(id: string): Incident | undefined {
    return this.engine.incidents.incidents.get(id);
  }

  /** Calls `listener` with every batch of incident changes; returns the unsubscribe. */
  onIncidentChanges(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Classification of the sensor behind a piece of evidence (null for reports). */
  readonly classifyEvidence: EvidenceClassifier = (e): Classification | null => {
    if (e.kind !== 'sensor_alarm' || !e.sensorId) return null;
    const entry = this.state.byId.get(e.sensorId);
    return entry ? this.stream.classify(entry) : this.stream.classify({ classification: null, sourceId: null });
  };

  /** Stores every incident change from now on (and those not yet stored). */
  useIncidentStore(store: IncidentStore): void {
    this.store = store;
  }

  /** Resolves once every change made so far is stored (or the store failed on it). */
  async flushIncidents(): Promise<void> {
    if (this.persistTimer) {
      clearTimeout(this.persistTimer);
      this.persistTimer = null;
    }
    this.writing = this.writing.then(() => this.writeUnstored());
    await this.writing;
  }

  /** Stops the batch timer and writes what is left. */
  async close(): Promise<void> {
    await this.flushIncidents();
  }

  private emit(changes: readonly IncidentChange[]): void {
    if (changes.length === 0) return;
    this.incidentCounters.changes += changes.length;
    for (const l of this.listeners) {
      try {
        l(changes);
      } catch (err) {
        this.log('warn', `incident listener: ${(err as Error).message}`);
      }
    }
    if (!this.store) return;
    this.unstored.push(...changes);
    // Batched: a storm links evidence many times a second; one insert per change would not keep up.
    this.persistTimer ??= setTimeout(() => {
      this.persistTimer = null;
      this.writing = this.writing.then(() => this.writeUnstored());
    }, this.persistDelayMs);
  }

  private async writeUnstored(): Promise<void> {
    if (!this.store || this.unstored.length === 0) return;
    const batch = this.unstored;
    this.unstored = [];
    try {
      await this.store.append(batch);
      this.incidentCounters.stored += batch.length;
    } catch (err) {
      // Kept for the next batch: the incident history must not lose an operator's action.
      this.incidentCounters.storeFailures++;
      this.unstored = [...batch, ...this.unstored];
      this.log('warn', `incident store: ${(err as Error).message}; ${this.unstored.length} changes kept for the next write`);
      this.persistTimer ??= setTimeout(() => {
        this.persistTimer = null;
        this.writing = this.writing.then(() => this.writeUnstored());
      }, 1000);
    }
  }

  /**
   * Loads the registry and the latest values from ClickHouse, and the incidents still open
   * from the incident store (before the sensors, so alarms that are still on join their
   * incidents instead of opening new ones). Returns the sensors loaded.
   */
  async rebuildFrom(client: ClickHouseClient): Promise<number> {
    if (this.store) {
      const restored = restoreIncidents(this.engine.incidents, await this.store.active());
      if (restored.length) this.log('info', `incidents restored from storage: ${restored.length} open`);
    }
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
