/**
 * Declared sensor kinds and the device names bound by meta (contracts.md, "Devices as they
 * come (v1.1)"; migration 17): what a process must know at start to read devices' messages
 * as they were meant — a kind an administrator declared (`POST /api/vocabulary/kinds`) or a
 * meta message declared, and the `externalIds` a meta bound to its sensor. The city package's
 * own vocabulary and register are read from the package at every start and are not stored.
 *
 * Both tables are ReplacingMergeTree by time: a kind's newest declaration (kinds only grow)
 * and a sensor's newest binding win.
 *
 * `device_metric_units` (migration 25): the unit a sensor's metric the vocabulary has no unit for
 * last came in (SenML `u`, docs/ingest.md), one row per change of unit — not per reading —
 * written by the twin (web/server/live/twin-service.ts) and read back by its rebuild; the newest
 * row per sensor and metric wins, an empty unit meaning none.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ExternalIdBinding, KindDeclaration, VocabularyOrigin } from '../twin-model/index.ts';
import { queryRows } from './query-rows.ts';

export const VOCABULARY_DDL = [
  `CREATE TABLE IF NOT EXISTS vocabulary_kinds (
    kind String,
    label_zh String,
    label_en String,
    metrics String,
    origin LowCardinality(String),
    declared_by String,
    declared_at DateTime64(3, 'UTC')
  ) ENGINE = ReplacingMergeTree(declared_at)
  ORDER BY kind`,
  `CREATE TABLE IF NOT EXISTS device_external_ids (
    sensor_id String,
    external_ids Array(String),
    updated_at DateTime64(3, 'UTC')
  ) ENGINE = ReplacingMergeTree(updated_at)
  ORDER BY sensor_id`,
];

/** Migration 25: the unit each sensor's metric outside the vocabulary last came in. */
export const DEVICE_METRIC_UNITS_DDL = `CREATE TABLE IF NOT EXISTS device_metric_units (
    sensor_id String,
    metric String,
    unit String,
    seen_at DateTime64(3, 'UTC')
  ) ENGINE = ReplacingMergeTree(seen_at)
  ORDER BY (sensor_id, metric)`;

/** The unit a sensor's metric came in, from `seenAt` on (epoch ms); `unit` `''`: none (a refused one). */
export interface StoredMetricUnit {
  sensorId: string;
  metric: string;
  unit: string;
  seenAt: number;
}

/** A stored declaration of a kind. */
export interface StoredKind {
  declaration: KindDeclaration & { label: { zh: string; en: string } };
  origin: VocabularyOrigin;
  /** Who declared it: a user name, or `meta:<sensorId>`. */
  declaredBy: string;
  declaredAt: number;
}

interface KindRow {
  kind: string;
  label_zh: string;
  label_en: string;
  metrics: string;
  origin: string;
  declared_by: string;
  declared_at: string;
}

const ORIGINS: readonly VocabularyOrigin[] = ['package', 'meta', 'admin'];

export class VocabularyStore {
  constructor(private readonly client: ClickHouseClient) {}

  async saveKind(k: StoredKind): Promise<void> {
    await this.client.insert({
      table: 'vocabulary_kinds',
      values: [
        {
          kind: k.declaration.kind,
          label_zh: k.declaration.label.zh,
          label_en: k.declaration.label.en,
          // Ordered as declared: the first metric is the headline.
          metrics: JSON.stringify(Object.entries(k.declaration.metrics)),
          origin: k.origin,
          declared_by: k.declaredBy,
          declared_at: k.declaredAt,
        },
      ],
      format: 'JSONEachRow',
    });
  }

  /** Every stored kind, oldest declaration first (the order they are declared again at start). */
  async kinds(): Promise<StoredKind[]> {
    const rows = await queryRows<KindRow>(
      this.client,
      `SELECT kind, label_zh, label_en, metrics, origin, declared_by, toUnixTimestamp64Milli(declared_at) AS declared_at
       FROM vocabulary_kinds FINAL ORDER BY declared_at, kind`,
    );
    const out: StoredKind[] = [];
    for (const r of rows) {
      let pairs: unknown;
      try {
        pairs = JSON.parse(r.metrics);
      } catch {
        continue;
      }
      if (!Array.isArray(pairs)) continue;
      const metrics: Record<string, string> = {};
      for (const p of pairs) if (Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string') metrics[p[0]] = p[1];
      out.push({
        declaration: { kind: r.kind, label: { zh: r.label_zh, en: r.label_en }, metrics },
        origin: (ORIGINS as readonly string[]).includes(r.origin) ? (r.origin as VocabularyOrigin) : 'admin',
        declaredBy: r.declared_by,
        declaredAt: Number(r.declared_at),
      });
    }
    return out;
  }

  async saveBinding(b: ExternalIdBinding, at: number): Promise<void> {
    await this.client.insert({
      table: 'device_external_ids',
      values: [{ sensor_id: b.sensorId, external_ids: b.externalIds, updated_at: at }],
      format: 'JSONEachRow',
    });
  }

  async saveMetricUnits(units: readonly StoredMetricUnit[]): Promise<void> {
    if (units.length === 0) return;
    await this.client.insert({
      table: 'device_metric_units',
      values: units.map((u) => ({ sensor_id: u.sensorId, metric: u.metric, unit: u.unit, seen_at: u.seenAt })),
      format: 'JSONEachRow',
    });
  }

  /** The newest unit of every sensor metric (of one sensor with `sensorId`), empty ones (none) left out. */
  async metricUnits(sensorId?: string): Promise<StoredMetricUnit[]> {
    const rows = await queryRows<{ sensor_id: string; metric: string; unit: string; ms: number | string }>(
      this.client,
      `SELECT sensor_id, metric, argMax(unit, seen_at) AS unit, toUnixTimestamp64Milli(max(seen_at)) AS ms FROM device_metric_units
       ${sensorId === undefined ? '' : 'WHERE sensor_id = {id:String}'} GROUP BY sensor_id, metric HAVING unit != '' ORDER BY sensor_id, metric`,
      sensorId === undefined ? {} : { id: sensorId },
    );
    return rows.map((r) => ({ sensorId: r.sensor_id, metric: r.metric, unit: r.unit, seenAt: Number(r.ms) }));
  }

  async bindings(): Promise<ExternalIdBinding[]> {
    const rows = await queryRows<{ sensor_id: string; external_ids: string[] }>(
      this.client,
      'SELECT sensor_id, external_ids FROM device_external_ids FINAL ORDER BY updated_at, sensor_id',
    );
    return rows.map((r) => ({ sensorId: r.sensor_id, externalIds: r.external_ids }));
  }
}
