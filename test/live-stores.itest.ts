/**
 * The registry, readings and dead-letter stores on the embedded ClickHouse engine: rows written
 * through the ingest's sink (storage/readings-sink.ts) come back as the same typed rows — the
 * registry now and through time, the registry's aggregate cells within a clearance, a metric's
 * history raw and from the rollup, the latest values, the newest dead letters and those of a
 * time range.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClickHouseSink,
  createClickHouse,
  DeadLetterStore,
  ReadingsStore,
  RegistryStore,
  registryRowOf,
  runMigrations,
  type DeadLetterRow,
  type SensorRegistryRow,
} from '../storage/index.ts';
import { emptyBatch, pushReadingRows, readingRow, type StorageBatch } from '../storage/storage-batch.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('live-stores');
const client = createClickHouse({ url: null, dataDir: dir.path });
const sink = new ClickHouseSink(client);
const registry = new RegistryStore(client);
const readings = new ReadingsStore(client);
const deadLetters = new DeadLetterStore(client);
const MIN = 60_000;
// On a minute boundary, so the rollup's minutes are exact.
const now = Math.floor(Date.now() / MIN) * MIN;
let batches = 0;

async function write(fill: (batch: StorageBatch) => void): Promise<void> {
  const batch = emptyBatch(`live-stores-${batches++}`);
  fill(batch);
  await sink.write(batch);
}

const byVersion = (a: SensorRegistryRow, b: SensorRegistryRow) => a.sensorId.localeCompare(b.sensorId) || a.updatedAt - b.updatedAt;

beforeAll(async () => {
  await runMigrations(client);
});

afterAll(async () => {
  await client.close();
  dir.remove();
});

describe('registry store', () => {
  const first = registryRowOf('aq-1', { kind: 'air_quality', lng: 114.31, lat: 30.52, name: 'Hankou', source: 'env' }, now - 3 * MIN);
  const moved = registryRowOf(
    'aq-1',
    { kind: 'air_quality', lng: 114.35, lat: 30.55, name: 'Hankou', source: 'env', classification: 'sensitive' },
    now - 2 * MIN,
  );
  const gone = registryRowOf('wl-2', { kind: 'water_level', lng: 114.3, lat: 30.6, district: '420106', unit: 'cm' }, now - 3 * MIN);
  const kept = registryRowOf('wl-3', { kind: 'water_level', lng: 114.32, lat: 30.58, source: 'env' }, now - 3 * MIN);

  beforeAll(async () => {
    await write((b) => b.sensors.push(first, gone, kept));
    await write((b) => b.sensors.push(moved, registryRowOf('wl-2', null, now - MIN)));
  });

  it('gives the newest version of every registered sensor, the deregistered left out', async () => {
    expect((await registry.current()).sort(byVersion)).toEqual([moved, kept]);
  });

  it('gives the newest version of the sensors asked for, when registered', async () => {
    expect((await registry.currentOf(['wl-3', 'wl-2', 'nobody'])).sort(byVersion)).toEqual([kept]);
    expect(await registry.currentOf([])).toEqual([]);
  });

  it('gives every version, deregistrations included', async () => {
    const versions = (await registry.versions()).sort(byVersion);
    expect(versions).toEqual([first, moved, gone, registryRowOf('wl-2', null, now - MIN), kept]);
    expect(versions[3]).toMatchObject({ sensorId: 'wl-2', deleted: true, kind: '', classification: null });
  });

  it("counts registry cells by each sensor's newest row within the caller's clearance", async () => {
    const query = {
      side: 1,
      bbox: [114, 30, 115, 31] as const,
      sources: [{ id: 'env', classification: 'public' as const }],
      kinds: null,
    };
    // aq-1 is sensitive by its own meta (raising its source's public), wl-3 public by its source.
    expect(await registry.cellCounts({ ...query, clearance: ['public', 'internal'] })).toEqual([
      { ix: 114, iy: 30, n: 1, lng: 114.32, lat: 30.58 },
    ]);
    const all = await registry.cellCounts({ ...query, clearance: ['public', 'internal', 'sensitive'] });
    expect(all).toMatchObject([{ ix: 114, iy: 30, n: 2 }]);
    expect(all[0]!.lng).toBeCloseTo((114.35 + 114.32) / 2, 9);
    expect(await registry.cellCounts({ ...query, clearance: ['public', 'internal', 'sensitive'], kinds: ['water_level'] })).toMatchObject([
      { n: 1 },
    ]);
    expect(await registry.registeredTotal({ ...query, clearance: ['public'] })).toBe(1);
    expect(await registry.registeredTotal({ ...query, clearance: ['public', 'internal', 'sensitive'] })).toBe(2);
  });

  it("counts a sensor of the city's register at the register's place", async () => {
    const cells = await registry.cellCounts({
      side: 1,
      bbox: [113, 29, 115, 31],
      clearance: ['public', 'internal', 'sensitive'],
      sources: [],
      register: [{ id: 'wl-3', kind: 'water_level', lng: 113.5, lat: 29.5, sourceId: 'env' }],
    });
    expect(cells.sort((a, b) => a.ix - b.ix)).toEqual([
      { ix: 113, iy: 29, n: 1, lng: 113.5, lat: 29.5 },
      { ix: 114, iy: 30, n: 1, lng: 114.35, lat: 30.55 },
    ]);
  });
});

describe('readings store', () => {
  beforeAll(async () => {
    await write((b) => {
      // Two readings a minute for 30 minutes: 0, 1, … 59.
      for (let i = 0; i < 60; i++) b.readings.push(readingRow('sensor', 'wl-1', 'water_level_cm', now - 30 * MIN + i * 30_000, i, now));
      b.readings.push(readingRow('sensor', 'wl-1', 'battery_pct', now - 5 * MIN, 80, now));
      b.readings.push(readingRow('sensor', 'cc-1', 'scans_per_min:sum', now - 5 * MIN, 9, now));
      b.readings.push(readingRow('service', 'hall-1', 'queue_length', now - 5 * MIN, 4, now));
    });
  });

  it('reads a short range raw, in time order, and thins it to the points asked', async () => {
    const raw = await readings.history({ sensorId: 'wl-1', metric: 'water_level_cm', from: now - 3600_000, to: now });
    expect(raw.resolution).toBe('raw');
    expect(raw.points).toHaveLength(60);
    expect(raw.points[0]).toEqual([now - 30 * MIN, 0]);
    expect(raw.points.at(-1)).toEqual([now - 30 * MIN + 59 * 30_000, 59]);
    const thinned = await readings.history({ sensorId: 'wl-1', metric: 'water_level_cm', from: now - 3600_000, to: now, maxPoints: 10 });
    expect(thinned.resolution).toBe('raw-thinned');
    // At most four times the points asked are read (the first ones of the range), then thinned.
    expect(thinned.points.map(([, v]) => v)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
  });

  it('reads a long range from the per-minute rollup as averages', async () => {
    const rolled = await readings.history({ sensorId: 'wl-1', metric: 'water_level_cm', from: now - 86_400_000, to: now });
    expect(rolled.resolution).toBe('1m');
    expect(rolled.points).toHaveLength(30);
    expect(rolled.points[0]).toEqual([now - 30 * MIN, 0.5]);
    expect(rolled.points[29]).toEqual([now - MIN, 58.5]);
  });

  it('gives the latest value per metric of a sensor, and of every sensor without counters or services', async () => {
    const latest = await readings.latest('wl-1');
    expect(latest.sort((a, b) => a.metric.localeCompare(b.metric))).toEqual([
      { metric: 'battery_pct', ts: now - 5 * MIN, value: 80 },
      { metric: 'water_level_cm', ts: now - 30 * MIN + 59 * 30_000, value: 59 },
    ]);
    const all = await readings.latestOfAll();
    expect(all.sort((a, b) => a.metric.localeCompare(b.metric))).toEqual([
      { sensorId: 'wl-1', metric: 'battery_pct', ts: now - 5 * MIN, value: 80 },
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: now - 30 * MIN + 59 * 30_000, value: 59 },
    ]);
  });

  it('stores the rows of a pack with edge values and times as written: second boundaries, a rounded fraction, extreme values', async () => {
    // After the latest-value test: this sensor would otherwise be among every sensor's latest values.
    const base = now - 10 * MIN;
    // A pack's readings around a second boundary, with negative, very large, very small and signed-zero values.
    const pack = [
      { metric: 'water_level_cm', ts: base + 998, value: -0.25 },
      { metric: 'water_level_cm', ts: base + 999, value: 1e21 },
      { metric: 'water_level_cm', ts: base + 1000, value: -1.7976931348623157e308 },
      { metric: 'water_level_cm', ts: base + 1001, value: 5e-324 },
      { metric: 'water_level_cm', ts: base + 2000.4, value: -0 },
      { metric: 'water_level_cm', ts: base + 2999.5, value: 123456.789 },
    ];
    await write((b) => pushReadingRows(b.readings, 'sensor', 'edge-1', pack, now + 0.5));
    const stored = await readings.history({ sensorId: 'edge-1', metric: 'water_level_cm', from: base, to: base + 5000 });
    expect(stored.points).toEqual(pack.map((r) => [Math.round(r.ts), r.value === 0 ? 0 : r.value]));
  });
});

describe('dead-letter store', () => {
  const letter = (minutesAgo: number, reason: string, payload: string): DeadLetterRow => ({
    receivedAt: now - minutesAgo * MIN,
    topic: `citytwin/v1/sensors/wl-${minutesAgo}/data`,
    reason,
    detail: `${reason} at ${minutesAgo}`,
    source: 'waterlogging',
    payload,
    payloadEncoding: 'utf8',
    payloadBytes: payload.length,
  });
  const old = letter(90, 'invalid_json', '{');
  const middle = letter(20, 'bad_schema', '{"ts":1}');
  const newest = letter(1, 'invalid_json', 'x');

  beforeAll(async () => {
    await write((b) => b.deadLetters.push(old, newest, middle));
  });

  it('gives the newest first, optionally of one reason', async () => {
    expect(await deadLetters.recent({ limit: 10 })).toEqual([newest, middle, old]);
    expect(await deadLetters.recent({ limit: 2 })).toEqual([newest, middle]);
    expect(await deadLetters.recent({ reason: 'invalid_json', limit: 10 })).toEqual([newest, old]);
  });

  it('gives those of a time range without their payloads', async () => {
    const inRange = await deadLetters.summariesIn(now - 60 * MIN, now, 10);
    expect(inRange).toEqual(
      [newest, middle].map((r) => ({ receivedAt: r.receivedAt, topic: r.topic, reason: r.reason, detail: r.detail, source: r.source })),
    );
  });
});
