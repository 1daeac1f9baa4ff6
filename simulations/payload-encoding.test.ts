import { describe, expect, it } from 'vitest';
import { createRandom } from '../twin-model/random.ts';
import { CLASSIFICATIONS, ID_PATTERN, SENSOR_KINDS } from '../twin-model/vocabulary.ts';
import { buildSmallCity } from './fixtures/small-city.ts';
import { checkDataMessage, resolveSenml } from './fixtures/contract-check.ts';
import { createLoadPayloadBuilder, loadSensorId } from './load-generator.ts';
import {
  buildJunkPayload,
  buildSenmlRecords,
  buildSensorMeta,
  encodeNativeJson,
  encodeSenml,
  formatRfc3339,
  JUNK_KINDS,
  sensorDataTopic,
  sensorMetaTopic,
  serviceMetricsTopic,
  type Sample,
} from './payload-encoding.ts';
import { createWeather } from './rainstorm.ts';
import { sampleSignals } from './signal-patterns.ts';

const T0 = Date.UTC(2024, 6, 1, 0, 0, 0, 123);

describe('topics', () => {
  it('follow contracts.md and refuse a bad id, quoting it', () => {
    expect(sensorDataTopic('wl-420106-0012')).toBe('citytwin/v1/sensors/wl-420106-0012/data');
    expect(sensorMetaTopic('wl-420106-0012')).toBe('citytwin/v1/sensors/wl-420106-0012/meta');
    expect(serviceMetricsTopic('sh-1')).toBe('citytwin/v1/metrics/sh-1/data');
    expect(() => sensorDataTopic('a/b')).toThrow(/"a\/b"/);
    expect(() => sensorDataTopic('x'.repeat(65))).toThrow(/not a valid id/);
  });
});

describe('native JSON', () => {
  const sample: Sample = { timeMs: T0, values: { vehicles_per_min: 42, speed_kmh: 37.5 } };

  it('carries epoch ms or RFC 3339 (UTC or the city’s local offset) for the same instant', () => {
    for (const zone of ['Asia/Shanghai', 'Europe/Vienna', 'America/St_Johns']) {
      for (const style of ['epoch-ms', 'rfc3339-utc', 'rfc3339-local'] as const) {
        const readings = checkDataMessage(sensorDataTopic('tf-1'), encodeNativeJson(sample, style, zone));
        expect(readings).toEqual([
          { sensorId: 'tf-1', metric: 'vehicles_per_min', timeMs: T0, value: 42 },
          { sensorId: 'tf-1', metric: 'speed_kmh', timeMs: T0, value: 37.5 },
        ]);
      }
    }
    expect(formatRfc3339(T0, 'Asia/Shanghai')).toBe('2024-07-01T08:00:00.123+08:00');
    // Summer time in Vienna (CEST), standard time in winter; Newfoundland is 2.5 h behind in summer.
    expect(formatRfc3339(T0, 'Europe/Vienna')).toBe('2024-07-01T02:00:00.123+02:00');
    expect(formatRfc3339(Date.UTC(2024, 0, 15, 12), 'Europe/Vienna')).toBe('2024-01-15T13:00:00.000+01:00');
    expect(formatRfc3339(T0, 'America/St_Johns')).toBe('2024-06-30T21:30:00.123-02:30');
    expect(formatRfc3339(T0, 'Z')).toBe('2024-07-01T00:00:00.123Z');
  });
});

describe('SenML packs', () => {
  it('resolve to the right metric names and absolute times (RFC 8428 §4.6)', () => {
    const samples: Sample[] = [0, 1, 2].map((i) => ({
      timeMs: T0 + i * 30_000,
      values: { occupancy_pct: 70 + i, waiting: 5 + i },
    }));
    const pack = buildSenmlRecords('ed-420106-0001', samples);
    expect(pack[0]).toMatchObject({ bn: 'ed-420106-0001:', bt: T0 / 1000, n: 'occupancy_pct', u: '%' });
    expect(pack[0]?.bu).toBeUndefined();
    const readings = resolveSenml('ed-420106-0001', JSON.parse(encodeSenml('ed-420106-0001', samples)));
    expect(readings).toEqual(
      samples.flatMap((s) => [
        { sensorId: 'ed-420106-0001', metric: 'occupancy_pct', timeMs: s.timeMs, value: s.values.occupancy_pct },
        { sensorId: 'ed-420106-0001', metric: 'waiting', timeMs: s.timeMs, value: s.values.waiting },
      ]),
    );
  });

  it('puts a single shared unit in bu', () => {
    const pack = buildSenmlRecords('wl-1', [
      { timeMs: T0, values: { water_level_cm: 1.5 } },
      { timeMs: T0 + 30_000, values: { water_level_cm: 2 } },
    ]);
    expect(pack).toEqual([
      { bn: 'wl-1:', bt: T0 / 1000, bu: 'cm', n: 'water_level_cm', v: 1.5 },
      { n: 'water_level_cm', v: 2, t: 30 },
    ]);
  });
});

describe('every kind, every format', () => {
  it('validates against the contract with finite values', () => {
    const city = buildSmallCity();
    const weather = createWeather({ scenario: 'rainstorm', startMs: T0 - 30 * 60_000, sites: city.sensorSites, timeZone: 'Asia/Shanghai' });
    const random = createRandom(4);
    for (const site of city.sensorSites) {
      expect(site.id).toMatch(ID_PATTERN);
      const samples = [0, 1, 2, 3].map((i) => ({ timeMs: T0 + i * 60_000, values: sampleSignals(site, T0 + i * 60_000, weather, random) }));
      const topic = sensorDataTopic(site.id);
      expect(checkDataMessage(topic, encodeSenml(site.id, samples))).toHaveLength(
        samples.length * Object.keys(samples[0]?.values ?? {}).length,
      );
      expect(checkDataMessage(topic, encodeNativeJson(samples[0] as Sample, 'rfc3339-local', 'Asia/Shanghai')).length).toBeGreaterThan(0);
    }
  });
});

describe('sensor meta', () => {
  it('has the contract fields, the source classification and a unit for single-metric kinds', () => {
    const city = buildSmallCity();
    const sources = new Map(city.sources.map((s) => [s.id, s]));
    for (const site of city.sensorSites) {
      const meta = buildSensorMeta(site, sources.get(site.sourceId));
      expect(SENSOR_KINDS).toContain(meta.kind);
      expect(CLASSIFICATIONS).toContain(meta.classification);
      expect(meta.classification).toBe(sources.get(site.sourceId)?.classification);
      expect(meta.source).toMatch(ID_PATTERN);
      expect(Number.isFinite(meta.lng) && Number.isFinite(meta.lat)).toBe(true);
      expect(meta.district).toBe(site.district);
      if (site.kind === 'water_level') expect(meta.unit).toBe('cm');
      if (site.kind === 'traffic_flow') expect(meta.unit).toBeUndefined();
    }
    const orphan = city.sensorSites[0];
    if (orphan !== undefined) expect(buildSensorMeta(orphan, undefined).classification).toBe('internal');
  });
});

describe('junk payloads', () => {
  it('are each rejected by the contract check', () => {
    const random = createRandom(1);
    for (const kind of JUNK_KINDS) {
      for (const sensorKind of SENSOR_KINDS) {
        const junk = buildJunkPayload(kind, sensorKind, T0, random);
        expect(() => checkDataMessage(sensorDataTopic('x-1'), junk), `${kind} ${junk}`).toThrow();
      }
    }
  });
});

describe('load-generator payloads', () => {
  it('are valid, and unique in time per sensor, in both modes', () => {
    for (const [mode, r] of [
      ['single', 1],
      ['packed', 10],
    ] as const) {
      const build = createLoadPayloadBuilder(3, mode, r, 'water_level_cm', T0);
      const times = new Set<number>();
      for (let k = 0; k < 5; k++) {
        const readings = checkDataMessage(sensorDataTopic(loadSensorId(2)), build(2, k));
        expect(readings).toHaveLength(r);
        for (const reading of readings) {
          expect(reading.sensorId).toBe('load-000002');
          times.add(reading.timeMs);
        }
      }
      expect(times.size).toBe(5 * r);
      expect(Math.min(...times)).toBe(T0);
    }
  });
});
