/**
 * A keyframe read from both time-first rollups (whole minutes from `readings_60s`, the partial
 * minutes at the ends of the hour from `readings_10s`) against the values computed from the raw
 * readings, on the real embedded ClickHouse: the per-sensor window (last value, range, seed),
 * the per-minute detail, and the keyframe's sensors against the twin fed every raw reading of
 * the hour. Half the readings are stored before migration 24 (its fill), half after (its view).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, MIGRATIONS, ReplayStore, runMigrations, type SensorValueRow } from '../storage/index.ts';
import { ReplayService } from '../web/server/replay/replay-service.ts';
import { KEYFRAME_DETAIL_MS, KEYFRAME_LOOKBACK_MS, rebuildTwin, registryAt } from '../web/server/replay/replay-twin.ts';
import { summarize } from '../web/server/live/live-stream.ts';
import { SENSOR_STATES } from '../twin-model/sensor-state.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('replay-levels');
const client = createClickHouse({ url: null, dataDir: dir.path });
const MIN = 60_000;
const at = (hms: string) => Date.parse(`2026-07-01T${hms}Z`);
/** The keyframe's moment: on the 10 s grid, 30 s into a minute (a partial minute at each end of the hour). */
const T = at('09:00:30');
const seedFrom = T - KEYFRAME_LOOKBACK_MS;
const detailFrom = at('09:00:00') - KEYFRAME_DETAIL_MS;
const METRIC = 'water_level_cm';

/** The raw readings: per sensor, readings chosen to land in each part of the hour. */
function readingsOf(): SensorValueRow[] {
  const rows: SensorValueRow[] = [];
  const add = (sensorId: string, ts: number, value: number) => rows.push({ sensorId, metric: METRIC, ts, value });
  // Every 10 s through the hour, last one in the partial minute before T.
  for (let ts = at('08:00:31'), k = 0; ts < T; ts += 10_000, k++) add('s-partial', ts, 2 + (k % 7));
  // Last reading in a whole minute of the hour, a higher one before it.
  add('s-earlier', at('08:20:07'), 12);
  add('s-earlier', at('08:42:05'), 3);
  // Only in the partial minute at the start of the hour; just before the hour (left out).
  add('s-start', at('08:00:41'), 4);
  add('s-start', at('08:00:20'), 9);
  // Older than the hour only.
  add('s-old', at('07:50:00'), 6);
  // In the alarm's hysteresis band after an alarm within the detail window: fed its history.
  for (let ts = at('08:01:45'); ts < T; ts += MIN) add('s-band', ts, ts < at('08:50:00') ? 5 : ts < at('08:52:00') ? 32 : 27);
  return rows;
}
const raw = readingsOf();
const SENSORS = ['s-band', 's-earlier', 's-old', 's-partial', 's-start'];

async function store(rows: readonly SensorValueRow[]): Promise<void> {
  await client.insert({
    table: 'readings',
    format: 'JSONEachRow',
    values: rows.map((r) => ({ entity: 'sensor', sensor_id: r.sensorId, metric: r.metric, ts: r.ts, value: r.value, received_at: r.ts })),
  });
}

beforeAll(async () => {
  await runMigrations(
    client,
    MIGRATIONS.filter((m) => m.version < 24),
  );
  await client.insert({
    table: 'sensors',
    format: 'JSONEachRow',
    values: SENSORS.map((id, k) => ({
      sensor_id: id,
      kind: 'water_level',
      lng: 114.3 + k / 100,
      lat: 30.6,
      name: id,
      unit: 'cm',
      district: '',
      source: '',
      classification: '',
      deleted: 0,
      updated_at: at('07:00:00'),
    })),
  });
  const half = at('08:30:00');
  // Stored before the minute rollup exists: migration 24 fills it from readings_10s.
  await store(raw.filter((r) => r.ts < half));
  expect((await runMigrations(client)).filter((v) => v <= 24)).toEqual([24]);
  // Stored after: through readings_10s's view into readings_60s's.
  await store(raw.filter((r) => r.ts >= half));
}, 60_000);

afterAll(async () => {
  await client.close();
  dir.remove();
});

/** Per sensor and metric over [from, to) of the raw readings: the last value, the range and the seed before `split`. */
function expectedWindow(from: number, split: number, to: number) {
  const out = new Map<
    string,
    { sensorId: string; metric: string; ts: number; value: number; lo: number; hi: number; seedTs: number; seedValue: number }
  >();
  for (const r of [...raw].sort((a, b) => a.ts - b.ts)) {
    if (r.ts < from || r.ts >= to) continue;
    const held = out.get(r.sensorId) ?? { ...r, lo: r.value, hi: r.value, seedTs: 0, seedValue: 0 };
    const seed = r.ts < split ? { seedTs: r.ts, seedValue: r.value } : { seedTs: held.seedTs, seedValue: held.seedValue };
    out.set(r.sensorId, { ...r, lo: Math.min(held.lo, r.value), hi: Math.max(held.hi, r.value), ...seed });
  }
  return [...out.values()].sort((a, b) => a.sensorId.localeCompare(b.sensorId));
}

describe('keyframe values from the 10 s and 1-minute rollups', () => {
  const replay = new ReplayStore(client);

  it('reads per sensor the last value, range and seed of the hour as the raw readings give them', async () => {
    const window = (await replay.windowValues(seedFrom, detailFrom, T)).sort((a, b) => a.sensorId.localeCompare(b.sensorId));
    const expected = expectedWindow(seedFrom, detailFrom, T);
    expect(expected.map((r) => r.sensorId)).toEqual(['s-band', 's-earlier', 's-partial', 's-start']);
    expect(window).toEqual(expected);
    // s-start's only reading of the hour sits in the partial minute at its start; s-partial's last in the one before T.
    expect(window.find((r) => r.sensorId === 's-start')).toMatchObject({ ts: at('08:00:41'), value: 4, lo: 4, hi: 4 });
    expect(window.find((r) => r.sensorId === 's-partial')!.ts).toBeGreaterThanOrEqual(at('09:00:00'));
  });

  it('reads the last value of each minute of the detail window, the current minute up to T included', async () => {
    const minutes = await replay.minuteValues(detailFrom, T, ['s-band', 's-partial']);
    const expected = new Map<string, SensorValueRow>();
    for (const r of raw) {
      if (r.ts < detailFrom || r.ts >= T || (r.sensorId !== 's-band' && r.sensorId !== 's-partial')) continue;
      const key = `${r.sensorId}|${Math.floor(r.ts / MIN)}`;
      if ((expected.get(key)?.ts ?? -1) < r.ts) expected.set(key, r);
    }
    const order = (a: SensorValueRow, b: SensorValueRow) => a.sensorId.localeCompare(b.sensorId) || a.ts - b.ts;
    expect(minutes.sort(order)).toEqual([...expected.values()].sort(order));
    expect(minutes.filter((r) => r.sensorId === 's-partial')).toHaveLength(16);
  });

  it('rebuilds the sensors at T as the twin fed every raw reading of the hour', async () => {
    const service = new ReplayService({
      clickhouse: client,
      city: null,
      incidentStore: null,
      dispatch: null,
      classifyEvidence: () => 'public',
    });
    const all = ['public', 'internal', 'sensitive'] as const;
    const keyframe = await service.keyframe(T, all);
    const { ids, rows } = await service.numbering(all);
    const hour = raw.filter((r) => r.ts >= seedFrom && r.ts < T);
    const fed = rebuildTwin(ids, registryAt(rows, T), hour, T);
    expect(ids).toEqual(SENSORS);
    expect(keyframe.snapshot.sensors).toEqual(fed.twin.sensors.map(summarize));
    expect(keyframe.timings.history).toBe(1);
    // The alarm entered in the detail window holds in the band; sensors silent for over 3 min are stale.
    const stateOf = (id: string) => SENSOR_STATES[keyframe.snapshot.sensors.find((s) => s.id === id)!.state];
    expect(SENSORS.map(stateOf)).toEqual(['alarm', 'stale', 'stale', 'normal', 'stale']);
  });
});
