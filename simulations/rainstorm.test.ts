import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCityPackage } from '../twin-model/city-package/index.ts';
import { generateCity } from '../twin-model/city/index.ts';
import { createRandom } from '../twin-model/random.ts';
import type { SensorSite } from '../twin-model/city/city-types.ts';
import { buildSmallCity, FIXTURE_UNDERPASS } from './fixtures/small-city.ts';
import {
  cityRainstorm,
  createRainstorm,
  createWeather,
  DEFAULT_RAINSTORM,
  integratePonding,
  stormPlacement,
  type Weather,
} from './rainstorm.ts';
import { sampleSignals } from './signal-patterns.ts';

const START = Date.UTC(2024, 6, 1, 6, 0, 0); // 14:00 in Wuhan
const MIN = 60_000;
const CORE: [number, number] = [114.3, 30.58];

function storm(): Weather {
  return createWeather({ scenario: 'rainstorm', startMs: START, sites: buildSmallCity().sensorSites });
}

function peakOver(from: number, to: number, f: (t: number) => number): { value: number; at: number } {
  let best = { value: -Infinity, at: from };
  for (let t = from; t <= to; t += MIN) {
    const value = f(t);
    if (value > best.value) best = { value, at: t };
  }
  return best;
}

describe('createWeather("none")', () => {
  it('is dry everywhere', () => {
    const w = createWeather({ scenario: 'none' });
    expect(w.rainAt(...CORE, START)).toBe(0);
    expect(w.pondingCmAt({ lng: CORE[0], lat: CORE[1], lowness: 1 }, START)).toBe(0);
  });
});

describe('the rainstorm rain field', () => {
  it('peaks at 60–100 mm/h over the core half-way through a 90-minute crossing, and is dry before and after', () => {
    const w = storm();
    expect(w.stormWindow).toEqual({ startMs: START, endMs: START + 90 * MIN });
    const peak = peakOver(START, START + 90 * MIN, (t) => w.rainAt(...CORE, t));
    expect(peak.value).toBeGreaterThan(60);
    expect(peak.value).toBeLessThan(110);
    expect(Math.abs(peak.at - (START + 45 * MIN))).toBeLessThanOrEqual(15 * MIN);
    expect(w.rainAt(...CORE, START - MIN)).toBe(0);
    expect(w.rainAt(...CORE, START + 91 * MIN)).toBe(0);
    // 80 km away across the track: dry.
    expect(w.rainAt(114.3 - 0.6, 30.58 + 0.5, START + 45 * MIN)).toBe(0);
  });

  it('moves from the south-west to the north-east', () => {
    const s = createRainstorm(START);
    const sw: [number, number] = [114.1, 30.42];
    const ne: [number, number] = [114.5, 30.74];
    const swPeak = peakOver(START, s.endMs, (t) => s.rainAt(...sw, t)).at;
    const nePeak = peakOver(START, s.endMs, (t) => s.rainAt(...ne, t)).at;
    expect(nePeak - swPeak).toBeGreaterThan(30 * MIN);
    expect(s.track.from[0]).toBeLessThan(s.track.to[0]);
    expect(s.track.from[1]).toBeLessThan(s.track.to[1]);
  });

  it('honours start, speed, peak and radius', () => {
    const s = createRainstorm(START + 10 * MIN, { speedKmh: 60, durationMin: 60, peakMmH: 100, radiusKm: 8, cells: 1 });
    expect(s.endMs).toBe(START + 70 * MIN);
    const mid = START + 40 * MIN;
    expect(s.rainAt(...CORE, mid)).toBeGreaterThan(90);
    // 8 km across the track (north-west of the core): about 10% of the peak.
    const across = s.rainAt(114.3 - 8 / 96 / Math.SQRT2, 30.58 + 8 / 110.6 / Math.SQRT2, mid);
    expect(across).toBeGreaterThan(5);
    expect(across).toBeLessThan(20);
  });

  it('is deterministic', () => {
    const a = storm();
    const b = storm();
    for (let t = START; t < START + 90 * MIN; t += 7 * MIN) expect(a.rainAt(114.31, 30.6, t)).toBe(b.rainAt(114.31, 30.6, t));
  });
});

describe('standing water at low places', () => {
  it('rises at a low underpass during the storm and falls afterwards', () => {
    const w = storm();
    const underpass = { lng: CORE[0], lat: CORE[1], lowness: 0.9 };
    expect(w.pondingCmAt(underpass, START)).toBe(0);
    const peak = peakOver(START, START + 6 * 60 * MIN, (t) => w.pondingCmAt(underpass, t));
    expect(peak.value).toBeGreaterThan(20);
    expect(peak.at).toBeGreaterThan(START + 30 * MIN);
    expect(peak.at).toBeLessThan(START + 120 * MIN);
    const later = w.pondingCmAt(underpass, START + 90 * MIN + 3 * 60 * MIN);
    expect(later).toBeLessThan(peak.value * 0.2);
    expect(w.pondingCmAt(underpass, START + 24 * 60 * MIN)).toBeLessThan(1);
  });

  it('leaves high ground dry under the same rain', () => {
    const w = storm();
    const high = { lng: CORE[0], lat: CORE[1], lowness: 0.05 };
    expect(peakOver(START, START + 4 * 60 * MIN, (t) => w.pondingCmAt(high, t)).value).toBeLessThan(1);
  });

  it('holds more water the lower the place', () => {
    const rain = Array.from({ length: 60 }, (_, i) => (i < 30 ? 60 : 0));
    const maxOf = (lowness: number): number => Math.max(...integratePonding(rain, lowness, MIN));
    expect(maxOf(0.9)).toBeGreaterThan(maxOf(0.6));
    expect(maxOf(0.6)).toBeGreaterThan(maxOf(0.3));
    expect(maxOf(0.1)).toBe(0);
  });

  it('slows and thins traffic through a flooded underpass', () => {
    const city = buildSmallCity();
    const counter = city.sensorSites.find((s) => s.kind === 'traffic_flow' && s.assetId === FIXTURE_UNDERPASS) as SensorSite;
    const w = storm();
    const dry = createWeather({ scenario: 'none' });
    const flooded = peakOver(START, START + 3 * 60 * MIN, (t) => w.pondingCmAt(counter, t));
    expect(flooded.value).toBeGreaterThan(20);
    const [inStorm, inDry] = [w, dry].map((weather) => {
      const random = createRandom(2);
      let vehicles = 0;
      let speed = 0;
      for (let i = 0; i < 10; i++) {
        const v = sampleSignals(counter, flooded.at + i * MIN, weather, random);
        vehicles += v.vehicles_per_min ?? 0;
        speed += v.speed_kmh ?? 0;
      }
      return { vehicles, speed };
    }) as [{ vehicles: number; speed: number }, { vehicles: number; speed: number }];
    expect(inStorm.vehicles).toBeLessThan(inDry.vehicles * 0.5);
    expect(inStorm.speed).toBeLessThan(inDry.speed * 0.5);
  });
});

describe('stormPlacement and cityRainstorm', () => {
  it('keeps Wuhan’s storms where they were tuned (its own hint)', () => {
    const wuhan = generateCity();
    expect(cityRainstorm(wuhan).centre).toEqual(DEFAULT_RAINSTORM.centre);
    expect(stormPlacement(wuhan).area).toEqual([114.2, 30.5, 114.42, 30.66]);
  });

  it('crosses any other city through its middle: a river town 3 km across gets rain over its streets', () => {
    const town = loadCityPackage(join(import.meta.dirname, '..', 'test', 'fixtures', 'cities', 'river-town'));
    const [w, s, e, n] = town.bbox;
    const placed = stormPlacement(town);
    expect(placed.centre).toEqual(town.center);
    const [aw, as, ae, an] = placed.area;
    expect(aw).toBeGreaterThanOrEqual(w);
    expect(ae).toBeLessThanOrEqual(e);
    expect(as).toBeGreaterThanOrEqual(s);
    expect(an).toBeLessThanOrEqual(n);
    expect(aw < placed.centre[0] && placed.centre[0] < ae && as < placed.centre[1] && placed.centre[1] < an).toBe(true);
    // The live storm's track passes over the town: its main cell is overhead half-way.
    const rain = createRainstorm(START, cityRainstorm(town));
    const half = START + (DEFAULT_RAINSTORM.durationMin / 2) * MIN;
    expect(rain.rainAt(town.center![0], town.center![1], half)).toBeGreaterThan(0.8 * DEFAULT_RAINSTORM.peakMmH);
    // Far from Wuhan: the default track would miss the town entirely.
    expect(createRainstorm(START).rainAt(town.center![0], town.center![1], half)).toBe(0);
    // The underpass floods under it.
    const weather = createWeather({
      scenario: 'rainstorm',
      startMs: START,
      sites: town.sensorSites,
      timeZone: 'Europe/Vienna',
      rainstorm: cityRainstorm(town),
    });
    const gauge = town.sensorSites.find((x) => x.id === 'wl-up-bahnhof')!;
    expect(peakOver(START, START + 3 * 60 * MIN, (t) => weather.pondingCmAt(gauge, t)).value).toBeGreaterThan(30);
  });

  it('uses the middle of the extent when the map centre lies outside it', () => {
    const placed = stormPlacement({ bbox: [10, 40, 12, 42], center: [50, 50] });
    expect(placed).toEqual({ centre: [11, 41], area: [10.5, 40.5, 11.5, 41.5] });
  });
});
