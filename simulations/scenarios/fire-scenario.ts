/**
 * A building fire in a built-up district: a camera's smoke algorithm fires, neighbours call
 * 119/12345, and the smoke plume raises PM2.5 (and so the AQI) at air-quality stations
 * downwind. Sometimes a second, small fire (a vehicle) that only callers report.
 */
import type { SensorSite } from '../../twin-model/city/city-types.ts';
import { airQualityIndex, sampleSignals } from '../signal-patterns.ts';
import {
  HOUR_MS,
  MINUTE_MS,
  assetsOfKind,
  dryWeatherScenario,
  distM,
  envelope,
  fmtTime,
  sample,
  sitesOfKind,
  within,
} from './scenario-kit.ts';
import type { ScenarioOptions, ScenarioRun } from './scenario-types.ts';

/** Knobs of the fire scenario. */
export interface FireKnobs {
  durationMs: number;
  /** Probability of a second, small fire. */
  secondFireChance: number;
  /** Air-quality stations within this distance feel the plume. */
  plumeRadiusM: number;
}

export const FIRE_KNOBS: Readonly<FireKnobs> = {
  durationMs: 2 * HOUR_MS,
  secondFireChance: 0.5,
  plumeRadiusM: 2_000,
};

const CALLS = [
  '楼里冒出浓烟，好像着火了 Thick smoke coming out of the building, looks like a fire',
  '对面楼着火了，有明火 The building opposite is on fire, open flames',
  '闻到很重的烧焦味，看到黑烟 Strong burning smell, black smoke',
  '仓库起火，请派消防车 Warehouse on fire, send the fire brigade',
];

/** Generates the fire run. */
export function generateFire(options: ScenarioOptions, knobs: Partial<FireKnobs> = {}): ScenarioRun {
  const k: FireKnobs = { ...FIRE_KNOBS, ...knobs };
  const b = dryWeatherScenario('fire', options, k.durationMs);
  const city = b.city;
  const rnd = b.random.fork('fire');
  const cameras = assetsOfKind(city, 'camera');
  const airSites = sitesOfKind(city, 'air_quality');

  // The fire breaks out near a camera with an air-quality station within reach of the plume.
  const candidates = cameras.filter((c) => within(airSites, c, 1_000).length > 0);
  // A city without cameras: near an air station (then only calls and the plume tell of it).
  const anchors = candidates.length > 0 ? candidates : cameras.length > 0 ? cameras : airSites.length > 0 ? airSites : city.sensorSites;
  if (anchors.length === 0) throw new Error('fire needs cameras (assets type camera) or air-quality sensors: the city has neither');
  const anchor = rnd.pick<{ lng: number; lat: number }>(anchors);
  const [lng, lat] = b.jitter(anchor, 400);
  const fire = { lng, lat };
  const start = b.startMs + rnd.range(10, 30) * MINUTE_MS;
  const out = start + rnd.range(45, 75) * MINUTE_MS;
  const burning = (t: number): number => envelope(t, start, 8 * MINUTE_MS, out + 15 * MINUTE_MS, 20 * MINUTE_MS);

  // Smoke seen by every camera close enough, first alert minutes after ignition, re-alerts while it burns.
  const seeing = within(cameras, fire, 600).slice(0, 2);
  for (const cam of seeing) {
    let detections = 0;
    for (let t = start + rnd.range(2, 7) * MINUTE_MS; t < Math.min(out, b.endMs) && detections < 3; t += rnd.range(8, 12) * MINUTE_MS) {
      b.video(cam, t, 'smoke', '烟火识别 smoke detected', 4);
      detections++;
    }
  }
  const calls = 3 + rnd.int(4);
  for (let i = 0; i < calls; i++) b.hotline(fire, start + rnd.range(1, 8) * MINUTE_MS, 'fire', rnd.pick(CALLS), 300, 4);

  // The plume: extra PM2.5 falling off with distance, the AQI recomputed from the new concentrations.
  const plume = rnd.range(180, 320);
  const affected = within(airSites, fire, k.plumeRadiusM);
  // The second station's link buffers during the fire: its plume readings arrive 10–20 min late.
  const laggingLink = { from: start, to: out, delayMs: Math.round(rnd.range(10, 20) * MINUTE_MS) };
  affected.forEach((site, i) => {
    const share = Math.exp(-distM(site, fire) / 700);
    b.series(
      site,
      (t, r) => {
        const base = sampleSignals(site, t, b.weather, r);
        const extra = plume * share * burning(t) * (1 + 0.15 * r.normal());
        const pm25 = (base.pm25 ?? 0) + Math.max(0, extra);
        const pm10 = (base.pm10 ?? 0) + 1.3 * Math.max(0, extra);
        const no2 = base.no2 ?? 0;
        return { aqi: airQualityIndex(pm25, pm10, no2), pm25, pm10, no2 };
      },
      i === 1 ? { lag: laggingLink } : {},
    );
    if (i === 1)
      b.distract(
        'lagging_evidence',
        `air station ${site.id} (${Math.round(distM(site, fire))} m from the fire) buffers: its readings during the fire arrive ${Math.round(laggingLink.delayMs / MINUTE_MS)} min late`,
      );
  });
  b.truth({
    type: 'fire',
    lng: fire.lng,
    lat: fire.lat,
    start,
    end: out,
    notes: `${seeing.length} smoke camera(s); ${calls} call(s); ${affected.length} air station(s) in the plume`,
  });

  // A small vehicle fire elsewhere: only a couple of callers, no camera, no air station.
  if (rnd.next() < k.secondFireChance) {
    const pool = city.sensorSites.filter((s) => distM(s, fire) > 8_000 && within(cameras, s, 700).length === 0);
    const [spot] = sample(rnd, pool, 1);
    if (spot) {
      const [vLng, vLat] = b.jitter(spot, 300);
      const s2 = b.startMs + rnd.range(40, 80) * MINUTE_MS;
      const e2 = s2 + rnd.range(20, 30) * MINUTE_MS;
      const n = 1 + rnd.int(2);
      for (let i = 0; i < n; i++)
        b.hotline(
          { lng: vLng, lat: vLat },
          s2 + rnd.range(2, 10) * MINUTE_MS,
          'fire',
          '路边一辆车起火了 A car is burning at the roadside',
          200,
          3,
        );
      b.truth({ type: 'fire', lng: vLng, lat: vLat, start: s2, end: e2, notes: `vehicle fire; ${n} call(s); no camera, no air station` });
      b.distract('missing_evidence', `vehicle fire at ${fmtTime(s2, b.startMs)}: no camera or air station covers it`);
    }
  }

  // Distractors.
  const truthPlaces = b.groundTruth.map((t) => ({ lng: t.lng, lat: t.lat }));
  const far = (s: SensorSite): boolean => truthPlaces.every((p) => distM(p, s) > 5_000);
  b.stuckWaterLevel(far);
  const [dusty] = sample(
    rnd,
    airSites.filter((s) => !b.hasSeries(s.id) && far(s)),
    1,
  );
  if (dusty) b.noisySensor(dusty, { aqi: rnd.range(205, 260), pm25: rnd.range(155, 190) }, b.startMs + rnd.range(15, 90) * MINUTE_MS, 1);
  b.falseDetection('smoke', '烟火识别 smoke detected', 'steam from a restaurant kitchen vent', truthPlaces);
  b.unrelatedCalls(4 + rnd.int(3), [
    { category: 'other', text: '有人在小区里烧纸，烟很大 Someone burning paper offerings in the compound' },
  ]);
  b.standardBackground({ air_quality: 60 });
  b.duplicateSomeHotlineCases(1 + rnd.int(2));
  return b.finish();
}
