import { describe, expect, it } from 'vitest';
import { createRandom } from '../twin-model/random.ts';
import { KIND_METRICS, SENSOR_KINDS, type SensorKind } from '../twin-model/vocabulary.ts';
import type { SensorSite } from '../twin-model/city/city-types.ts';
import { buildSmallCity } from './fixtures/small-city.ts';
import { createWeather } from './rainstorm.ts';
import { airQualityIndex, METRIC_RANGES, sampleSignals, type MetricValues } from './signal-patterns.ts';

/** Monday 2024-06-10 00:00 in Asia/Shanghai. */
const MONDAY = Date.UTC(2024, 5, 9, 16, 0, 0);
const SUNDAY = MONDAY - 86_400_000;
const HOUR = 3_600_000;
const dry = createWeather({ scenario: 'none', timeZone: 'Asia/Shanghai' });

function sitesOf(kind: SensorKind): SensorSite[] {
  return buildSmallCity().sensorSites.filter((s) => s.kind === kind);
}

/** Mean of one metric over the fixture's sites of a kind, at a local hour. */
function meanAt(kind: SensorKind, metric: keyof MetricValues, dayStart: number, hour: number): number {
  const random = createRandom(3);
  const sites = sitesOf(kind);
  let sum = 0;
  for (const site of sites) {
    for (let rep = 0; rep < 5; rep++) sum += sampleSignals(site, dayStart + hour * HOUR + rep * 60_000, dry, random)[metric] ?? NaN;
  }
  return sum / (sites.length * 5);
}

describe('local time', () => {
  it("shapes the daily curves on the weather's zone", () => {
    const city = buildSmallCity();
    const site = city.sensorSites.find((s) => s.kind === 'service_hall')!;
    // 10:00 local on a Monday: the hall is open in Shanghai; at that instant it is 04:00 in Berlin, closed.
    const at = Date.UTC(2024, 5, 10, 2);
    const shanghai = createWeather({ scenario: 'none', timeZone: 'Asia/Shanghai' });
    const berlin = createWeather({ scenario: 'none', timeZone: 'Europe/Berlin' });
    expect(sampleSignals(site, at, berlin, createRandom(1)).queue_length).toBe(0);
    expect(sampleSignals(site, at, shanghai, createRandom(1)).wait_min).toBeGreaterThan(0);
  });
});

describe('sampleSignals', () => {
  it('gives every metric of every kind, finite and in range, all day, dry and in a storm', () => {
    const city = buildSmallCity();
    const storm = createWeather({ scenario: 'rainstorm', startMs: MONDAY + 15 * HOUR, sites: city.sensorSites, timeZone: 'Asia/Shanghai' });
    const random = createRandom(11);
    const seen = new Set<SensorKind>();
    for (const weather of [dry, storm]) {
      for (const site of city.sensorSites) {
        for (let t = MONDAY; t < MONDAY + 24 * HOUR; t += 10 * 60_000) {
          const values = sampleSignals(site, t, weather, random);
          expect(Object.keys(values).sort()).toEqual([...KIND_METRICS[site.kind]].sort());
          for (const metric of KIND_METRICS[site.kind]) {
            const v = values[metric];
            const [min, max] = METRIC_RANGES[metric];
            expect(Number.isFinite(v), `${site.id} ${metric}`).toBe(true);
            expect(v).toBeGreaterThanOrEqual(min);
            expect(v).toBeLessThanOrEqual(max);
          }
          seen.add(site.kind);
        }
      }
    }
    expect([...seen].sort()).toEqual([...SENSOR_KINDS].sort());
  });

  it('is deterministic for the same random stream and varies with another', () => {
    const site = sitesOf('traffic_flow')[1] as SensorSite;
    const run = (seed: number): MetricValues[] => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, (_, i) => sampleSignals(site, MONDAY + i * 60_000, dry, random));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('has traffic rush hours at 7–9 and 17–19 on weekdays', () => {
    const night = meanAt('traffic_flow', 'vehicles_per_min', MONDAY, 3);
    const morning = meanAt('traffic_flow', 'vehicles_per_min', MONDAY, 8);
    const noon = meanAt('traffic_flow', 'vehicles_per_min', MONDAY, 13);
    const evening = meanAt('traffic_flow', 'vehicles_per_min', MONDAY, 18);
    expect(morning).toBeGreaterThan(noon * 1.3);
    expect(evening).toBeGreaterThan(noon * 1.3);
    expect(night).toBeLessThan(noon / 2);
    expect(meanAt('traffic_flow', 'speed_kmh', MONDAY, 8)).toBeLessThan(meanAt('traffic_flow', 'speed_kmh', MONDAY, 3));
  });

  it('closes the metro at night and peaks it at rush hour', () => {
    expect(meanAt('metro_station', 'passengers_per_min', MONDAY, 3)).toBe(0);
    expect(meanAt('metro_station', 'passengers_per_min', MONDAY, 8)).toBeGreaterThan(
      2 * meanAt('metro_station', 'passengers_per_min', MONDAY, 14),
    );
  });

  it('opens service halls 9–17 on weekdays with queues, and not on Sundays', () => {
    expect(meanAt('service_hall', 'queue_length', MONDAY, 10)).toBeGreaterThan(5);
    expect(meanAt('service_hall', 'wait_min', MONDAY, 10)).toBeGreaterThan(2);
    expect(meanAt('service_hall', 'queue_length', MONDAY, 8)).toBe(0);
    expect(meanAt('service_hall', 'queue_length', MONDAY, 19)).toBe(0);
    expect(meanAt('service_hall', 'queue_length', SUNDAY, 10)).toBe(0);
  });

  it('keeps hospital ED occupancy around 60–90% with an evening peak', () => {
    const morning = meanAt('hospital_ed', 'occupancy_pct', MONDAY, 5);
    const evening = meanAt('hospital_ed', 'occupancy_pct', MONDAY, 21);
    expect(evening).toBeGreaterThan(morning + 8);
    expect(morning).toBeGreaterThan(55);
    expect(evening).toBeLessThan(95);
  });

  it('cycles temperature about ±6 °C around the mean and loads substations with the heat', () => {
    const afternoon = meanAt('temperature', 'air_temp_c', MONDAY, 15);
    const dawn = meanAt('temperature', 'air_temp_c', MONDAY, 3);
    expect(afternoon - dawn).toBeGreaterThan(9);
    expect(afternoon - dawn).toBeLessThan(14);
    expect(Math.abs((afternoon + dawn) / 2 - dry.meanTempC)).toBeLessThan(2);
    expect(meanAt('power_substation', 'load_pct', MONDAY, 20)).toBeGreaterThan(meanAt('power_substation', 'load_pct', MONDAY, 4) + 10);
  });

  it('raises NO2 at rush hour', () => {
    expect(meanAt('air_quality', 'no2', MONDAY, 8)).toBeGreaterThan(meanAt('air_quality', 'no2', MONDAY, 13) * 1.3);
  });

  it('keeps the Yangtze at 18–24 m and rain gauges at 0 in the dry', () => {
    const random = createRandom(1);
    const yangtze = sitesOf('river_level')[0] as SensorSite;
    for (let day = 0; day < 30; day++) {
      const level = sampleSignals(yangtze, MONDAY + day * 86_400_000, dry, random).river_level_m ?? NaN;
      expect(level).toBeGreaterThanOrEqual(18);
      expect(level).toBeLessThanOrEqual(24);
    }
    for (const gauge of sitesOf('rain_gauge')) expect(sampleSignals(gauge, MONDAY, dry, random).rainfall_mm_h).toBe(0);
  });
});

describe('airQualityIndex', () => {
  it('follows the HJ 633-2012 breakpoints', () => {
    expect(airQualityIndex(35, 0, 0)).toBe(50);
    expect(airQualityIndex(75, 0, 0)).toBe(100);
    expect(airQualityIndex(10, 250, 0)).toBe(150);
    expect(airQualityIndex(0, 0, 200)).toBe(100);
    expect(airQualityIndex(999, 0, 0)).toBe(500);
  });
});
