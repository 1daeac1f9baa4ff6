/**
 * Flagship scenario (渍水快处): a band of rain cells crosses the city; underpasses and low
 * streets fill. The ground truth comes from the true water (the bucket model of
 * simulations/rainstorm.ts), never from what the sensors or callers say: a place is flooded
 * while its water stands at ≥ 15 cm for at least a few minutes.
 */
import type { Asset, SensorSite } from '../../twin-model/city/city-types.ts';
import { cityTimeZone } from '../local-time.ts';
import { createRainstorm, createWeather, stormPlacement, type RainstormOptions, type Weather } from '../rainstorm.ts';
import { sampleSignals } from '../signal-patterns.ts';
import { HOUR_MS, MINUTE_MS, ScenarioBuilder, assetsOfKind, distM, fmtTime, sample, sitesOfKind, within } from './scenario-kit.ts';
import type { ScenarioOptions, ScenarioRun } from './scenario-types.ts';

/** Knobs of the rainstorm scenario (defaults in {@link RAINSTORM_KNOBS}). */
export interface RainstormKnobs {
  /** Length of the run. */
  durationMs: number;
  /** True depth (cm) at which a place counts as waterlogged (the water-level warning threshold). */
  floodCm: number;
  /** The water must stand at least this long above `floodCm` to be an event. */
  minFloodMs: number;
  /** Two flooded spells at one place closer than this are one event. */
  mergeGapMs: number;
  /** The storm is scaled until the number of real events falls in this range. */
  eventRange: readonly [min: number, max: number];
  /** Water-level sites closer than this to a place are the same place. */
  placeRadiusM: number;
  /** Share of events with at least one hotline call. */
  hotlineShare: number;
  /** A camera this close to a place sees its water. */
  cameraRadiusM: number;
  /** Traffic sensors this close to a flooded place drive through its water. */
  trafficRadiusM: number;
}

export const RAINSTORM_KNOBS: Readonly<RainstormKnobs> = {
  durationMs: 2 * HOUR_MS,
  floodCm: 15,
  minFloodMs: 3 * MINUTE_MS,
  mergeGapMs: 20 * MINUTE_MS,
  eventRange: [8, 25],
  placeRadiusM: 300,
  hotlineShare: 0.8,
  cameraRadiusM: 250,
  trafficRadiusM: 250,
};

/** A place that can flood: an underpass (with its gauges) or a low street spot. */
interface Place {
  key: string;
  lng: number;
  lat: number;
  asset?: Asset;
  sensors: SensorSite[];
}

interface FloodSpell {
  place: Place;
  start: number;
  end: number;
  maxCm: number;
  /** True depth at a time (max over the place's gauges). */
  depthAt: (t: number) => number;
}

const GRID_MS = MINUTE_MS;

/** The places that can flood: every underpass, then low-street gauges not near one already. */
function floodPlaces(sites: readonly SensorSite[], underpasses: readonly Asset[], radiusM: number): Place[] {
  const places: Place[] = underpasses.map((a) => ({ key: a.id, lng: a.lng, lat: a.lat, asset: a, sensors: [] }));
  const byAsset = new Map(places.map((p) => [p.key, p]));
  for (const site of sites) {
    const own = site.assetId !== undefined ? byAsset.get(site.assetId) : undefined;
    const place = own ?? places.find((p) => distM(p, site) <= radiusM);
    if (place) place.sensors.push(site);
    else places.push({ key: site.id, lng: site.lng, lat: site.lat, sensors: [site] });
  }
  return places.filter((p) => p.sensors.length > 0);
}

/** The flooded spells of every place under a weather, from the true water on a 1-min grid. */
function floodSpells(
  places: readonly Place[],
  weather: Weather,
  startMs: number,
  endMs: number,
  k: RainstormKnobs,
  tail: FloodSpell[] = [],
): FloodSpell[] {
  const spells: FloodSpell[] = [];
  // Integrate past the run so an event still flooded at the end gets its true end.
  const horizon = endMs + 4 * HOUR_MS;
  for (const place of places) {
    const depthAt = (t: number): number => Math.max(0, ...place.sensors.map((s) => weather.pondingCmAt(s, t)));
    let open: { start: number; maxCm: number } | null = null;
    const raw: Array<{ start: number; end: number; maxCm: number }> = [];
    for (let t = startMs; t <= horizon; t += GRID_MS) {
      const d = depthAt(t);
      if (d >= k.floodCm) {
        if (!open) open = { start: t, maxCm: d };
        else open.maxCm = Math.max(open.maxCm, d);
      } else if (open) {
        raw.push({ start: open.start, end: t, maxCm: open.maxCm });
        open = null;
      }
    }
    if (open) raw.push({ start: open.start, end: horizon, maxCm: open.maxCm });
    const merged: typeof raw = [];
    for (const s of raw) {
      const last = merged[merged.length - 1];
      if (last && s.start - last.end < k.mergeGapMs) {
        last.end = s.end;
        last.maxCm = Math.max(last.maxCm, s.maxCm);
      } else merged.push({ ...s });
    }
    for (const s of merged) {
      // Events must begin early enough in the run for evidence to exist.
      if (s.end - s.start < k.minFloodMs) continue;
      // Floods that begin in the last 10 min are real but too late to score (tail events).
      if (s.start > endMs - 10 * MINUTE_MS) {
        tail.push({ place, ...s, depthAt });
        continue;
      }
      spells.push({ place, ...s, depthAt });
    }
  }
  return spells.sort((a, b) => a.start - b.start || a.place.key.localeCompare(b.place.key));
}

const CALL_TEXTS = [
  '下穿通道积水很深，车辆无法通行 The underpass is flooded, cars cannot get through',
  '路面积水已经没过小腿 Water on the road is up to my calves',
  '小区门口积水严重，请尽快排水 Deep water outside our compound gate, please pump it',
  '积水倒灌进商铺 Water is running into the shops',
  '有车在积水里熄火了 A car stalled in the water',
];

/**
 * Generates the rainstorm run. The storm's track, size and intensity come from the seed; the
 * intensity is then scaled until 8–25 places really flood (so every seed is a meaningful test).
 */
export function generateRainstorm(options: ScenarioOptions, knobs: Partial<RainstormKnobs> = {}): ScenarioRun {
  const k: RainstormKnobs = { ...RAINSTORM_KNOBS, ...knobs };
  const timeZone = cityTimeZone(options.city);
  const dry = createWeather({ scenario: 'none', timeZone });
  const b = new ScenarioBuilder('rainstorm', options, k.durationMs, dry);
  const city = b.city;
  const rnd = b.random.fork('storm');

  const stormStart = b.startMs + Math.round(rnd.range(5, 15)) * MINUTE_MS;
  // The storm is centred somewhere over the city's storm area (its hint, else the middle of its extent).
  const [areaW, areaS, areaE, areaN] = stormPlacement(city).area;
  const storm: Partial<RainstormOptions> = {
    centre: [rnd.range(areaW, areaE), rnd.range(areaS, areaN)],
    bearingDeg: rnd.range(20, 80),
    // A slow cell dwells over a place: the deep, local floods of a real convective storm.
    speedKmh: rnd.range(12, 24),
    durationMin: rnd.range(50, 70),
    // Convective cells a few km across: deep water under the track, little beside it.
    radiusKm: rnd.range(3, 5),
    cells: 2 + rnd.int(2),
    peakMmH: rnd.range(90, 140),
  };
  const weatherSeed = b.random.fork('weather-seed').int(1_000_000);
  const wlSites = sitesOfKind(city, 'water_level');
  const places = floodPlaces(wlSites, assetsOfKind(city, 'underpass'), k.placeRadiusM);
  if (places.length === 0) throw new Error('rainstorm needs water-level sensors (sensors.csv kind water_level): the city has none');
  // A small town cannot have 8 flooded places: the range shrinks to what the city has (a third to all of them).
  const eventRange: readonly [number, number] = [
    Math.min(k.eventRange[0], Math.max(1, Math.floor(places.length / 3))),
    Math.min(k.eventRange[1], places.length),
  ];

  // Scale the storm's intensity until the number of flooded places is in range: bisection
  // between the last too-weak and too-strong intensities (deterministic, a few tries).
  let weather: Weather = dry;
  let spells: FloodSpell[] = [];
  let peak = storm.peakMmH ?? 100;
  let weak = 0;
  let strong = Infinity;
  for (let attempt = 0; attempt < 12; attempt++) {
    weather = createWeather({
      scenario: 'rainstorm',
      startMs: stormStart,
      seed: weatherSeed,
      sites: city.sensorSites,
      timeZone,
      rainstorm: { ...storm, peakMmH: peak },
    });
    spells = floodSpells(places, weather, b.startMs, b.endMs, k);
    const n = spells.length;
    if (n > eventRange[1]) strong = peak;
    else if (n < eventRange[0]) weak = peak;
    else break;
    peak = Number.isFinite(strong) ? (weak > 0 ? (weak + strong) / 2 : strong * 0.75) : peak * 1.35;
    peak = Math.min(400, Math.max(20, peak));
  }
  b.weather = weather;
  const track = createRainstorm(stormStart, { ...storm, peakMmH: peak }, weatherSeed).track;
  const trackMid = { lng: (track.from[0] + track.to[0]) / 2, lat: (track.from[1] + track.to[1]) / 2 };

  const evidence = b.random.fork('evidence');
  // Choose the events with degraded evidence up front, from the seed.
  const withSensors = spells.filter((s) => s.place.sensors.length > 0);
  const [laggingSensor, offlineSensor] = sample(evidence, withSensors, 2);
  const cameras = assetsOfKind(city, 'camera');
  const trafficSites = sitesOfKind(city, 'traffic_flow');
  const eventPlaces = new Set(spells.map((s) => s.place));

  // --- Water-level gauges at the flooded places: the true water, a calibration error, noise.
  for (const place of eventPlaces) {
    const placeSpells = spells.filter((s) => s.place === place);
    for (const site of place.sensors) {
      const gain = evidence.range(0.9, 1.08);
      const offset = evidence.range(-1, 1);
      const lagSpell = placeSpells.find((s) => s === laggingSensor);
      const gapSpell = placeSpells.find((s) => s === offlineSensor);
      b.series(site, (t, r) => ({ water_level_cm: Math.max(0, weather.pondingCmAt(site, t) * gain + offset + 0.6 * r.normal()) }), {
        ...(lagSpell
          ? {
              lag: {
                from: lagSpell.start - 10 * MINUTE_MS,
                to: lagSpell.start + 30 * MINUTE_MS,
                delayMs: Math.round(evidence.range(8, 15) * MINUTE_MS),
              },
            }
          : {}),
        ...(gapSpell ? { gap: { from: gapSpell.start - 15 * MINUTE_MS, to: gapSpell.end + 10 * MINUTE_MS } } : {}),
      });
    }
  }
  if (laggingSensor) {
    b.distract(
      'lagging_evidence',
      `gauges at ${laggingSensor.place.key} buffer their readings: samples around the flood start (${fmtTime(laggingSensor.start, b.startMs)}) arrive 8–15 min late`,
    );
  }
  if (offlineSensor) {
    b.distract(
      'missing_evidence',
      `gauges at ${offlineSensor.place.key} are offline during the flood (${fmtTime(offlineSensor.start, b.startMs)}): only calls/cameras/traffic show it`,
    );
  }

  // --- Traffic through flooded places slows: the simulator's own flood response, fed the true water.
  for (const spell of spells) {
    for (const site of within(trafficSites, spell.place, k.trafficRadiusM)) {
      if (b.hasSeries(site.id)) continue;
      const flooded: Weather = { ...weather, pondingCmAt: (_s, t) => spell.depthAt(t) };
      b.series(site, (t, r) => sampleSignals(site, t, flooded, r));
    }
  }

  // --- Hotline calls and camera detections.
  for (const spell of spells) {
    const notes: string[] = [`max ${spell.maxCm.toFixed(0)} cm`, `${spell.place.sensors.length} gauge(s)`];
    const forceCall = spell === offlineSensor;
    if (forceCall || evidence.next() < k.hotlineShare) {
      const n = Math.min(5, Math.max(1, 1 + evidence.int(2) + Math.floor((spell.maxCm - k.floodCm) / 12)));
      for (let i = 0; i < n; i++) {
        const ts = spell.start + evidence.range(2, 15) * MINUTE_MS;
        // Some callers describe the stalled car rather than the water; the operator files it as traffic.
        const traffic = evidence.next() < 0.1;
        b.hotline(
          spell.place,
          ts,
          traffic ? 'traffic' : 'waterlogging',
          traffic ? '有车在积水里熄火了，堵住了 A car stalled in the water and blocks the road' : evidence.pick(CALL_TEXTS),
          300,
          spell.maxCm > 30 ? 3 : 2,
        );
      }
      notes.push(`${n} call(s)`);
    } else {
      b.distract(
        'missing_evidence',
        `nobody called the hotline about ${spell.place.key} (flooded from ${fmtTime(spell.start, b.startMs)})`,
      );
      notes.push('no calls');
    }
    const camera = within(cameras, spell.place, k.cameraRadiusM)[0];
    if (camera && evidence.next() < 0.85) {
      // The algorithm flags water once it is visibly deep, then re-alerts while it stands.
      let t = spell.start;
      while (t < spell.end && spell.depthAt(t) < 10) t += MINUTE_MS;
      let detections = 0;
      for (
        t += evidence.range(1, 4) * MINUTE_MS;
        t < Math.min(spell.end, b.endMs) && detections < 3;
        t += evidence.range(10, 16) * MINUTE_MS
      ) {
        b.video(camera, t, 'standing_water', '积水识别 standing water detected', 3);
        detections++;
      }
      if (detections > 0) notes.push(`camera ${camera.id} ×${detections}`);
    }
    const traffic = within(trafficSites, spell.place, k.trafficRadiusM).length;
    if (traffic > 0) notes.push(`${traffic} traffic sensor(s)`);
    b.truth({
      type: 'waterlogging',
      lng: spell.place.lng,
      lat: spell.place.lat,
      ...(spell.place.asset ? { assetId: spell.place.asset.id } : {}),
      start: spell.start,
      end: spell.end,
      notes: notes.join('; '),
    });
  }

  // A drainage patrol reports the deepest place by radio, well after the water rose.
  const deepest = spells.slice().sort((a, c) => c.maxCm - a.maxCm)[0];
  if (deepest) {
    const ts = deepest.start + evidence.range(20, 35) * MINUTE_MS;
    if (ts < b.endMs) {
      const [lng, lat] = b.jitter(deepest.place, 80);
      b.report({
        type: 'manual_report',
        category: 'waterlogging',
        lng,
        lat,
        ts,
        severity: 4,
        text: '巡查发现严重积水，已请求泵车 Patrol: deep water, pump truck requested',
      });
      b.distract(
        'lagging_evidence',
        `manual patrol report for ${deepest.place.key} arrives ${fmtTime(ts, b.startMs)}, ${Math.round((ts - deepest.start) / MINUTE_MS)} min after the water rose`,
      );
    }
  }

  // --- Distractors.
  const maxDepth = (s: SensorSite): number => {
    let m = 0;
    for (let t = b.startMs; t < b.endMs; t += 5 * MINUTE_MS) m = Math.max(m, weather.pondingCmAt(s, t));
    return m;
  };
  const farFromEvents = (p: { lng: number; lat: number }): boolean => spells.every((s) => distM(s.place, p) > 2_000);
  // Stuck gauge under the storm's track, so heavy rain nearby seems to corroborate it.
  b.stuckWaterLevel((s) => farFromEvents(s) && maxDepth(s) < 3, trackMid);

  // Calls about puddles: real water, but below the threshold (not an event).
  const puddles = places
    .filter((p) => !eventPlaces.has(p) && farFromEvents(p))
    .filter((p) => {
      const d = Math.max(...p.sensors.map(maxDepth));
      return d >= 6 && d < k.floodCm - 2;
    });
  for (const p of sample(evidence, puddles, 2)) {
    const ts = b.startMs + evidence.range(30, 90) * MINUTE_MS;
    const e = b.hotline(p, ts, 'waterlogging', '路边有积水，走路不方便 Puddles along the kerb, hard to walk', 300, 1);
    b.distract('unrelated_report', `hotline ${e.id} about a puddle at ${p.key} (true depth < ${k.floodCm} cm): not an event`);
  }

  const noisyPool = (kind: SensorSite['kind']): SensorSite[] =>
    city.sensorSites.filter(
      (s) => s.kind === kind && !b.hasSeries(s.id) && farFromEvents(s) && (kind !== 'water_level' || maxDepth(s) < 3),
    );
  const glitchRnd = b.random.fork('glitch');
  const [noisyWl] = sample(glitchRnd, noisyPool('water_level'), 1);
  if (noisyWl) b.noisySensor(noisyWl, { water_level_cm: glitchRnd.range(18, 26) }, b.startMs + glitchRnd.range(20, 100) * MINUTE_MS, 1);
  const [noisyTf] = sample(glitchRnd, noisyPool('traffic_flow'), 1);
  if (noisyTf) b.noisySensor(noisyTf, { speed_kmh: glitchRnd.range(1, 4) }, b.startMs + glitchRnd.range(20, 100) * MINUTE_MS, 2);

  // Wet-road glare: a camera far from any flood flags standing water during the rain.
  const glareCams = cameras.filter((c) => farFromEvents(c) && distM(c, trackMid) < 15_000);
  const glare = glareCams.length > 0 ? evidence.pick(glareCams) : undefined;
  if (glare) {
    const ts = stormStart + evidence.range(20, 45) * MINUTE_MS;
    b.video(glare, ts, 'standing_water', '积水识别 standing water detected', 2);
    b.distract('false_detection', `camera ${glare.id} flags standing water at ${fmtTime(ts, b.startMs)} (wet-road glare); no water there`);
  }
  b.unrelatedCalls(4 + evidence.int(4));

  // --- Background: gauges near the track (they see the cell pass), a sample of everything else.
  const gauges = sitesOfKind(city, 'rain_gauge')
    .filter((s) => !b.hasSeries(s.id))
    .map((s) => ({
      s,
      d: Math.min(
        distM(s, trackMid),
        distM(s, { lng: track.from[0], lat: track.from[1] }),
        distM(s, { lng: track.to[0], lat: track.to[1] }),
      ),
    }))
    .sort((a, c) => a.d - c.d);
  for (const { s } of gauges.slice(0, 130)) b.normal(s);
  b.background({
    rain_gauge: 25,
    water_level: 90,
    traffic_flow: 110,
    air_quality: 20,
    temperature: 20,
    metro_station: 20,
    power_substation: 15,
    hospital_ed: 10,
    city_code: 20,
    river_level: 10,
    service_hall: 10,
  });
  b.duplicateSomeHotlineCases(1 + evidence.int(2));
  const tail: FloodSpell[] = [];
  floodSpells(places, weather, b.startMs, b.endMs, k, tail);
  for (const spell of tail) {
    b.truth({
      type: 'waterlogging',
      lng: spell.place.lng,
      lat: spell.place.lat,
      ...(spell.place.asset ? { assetId: spell.place.asset.id } : {}),
      start: spell.start,
      end: spell.end,
      tail: true,
      notes: `max ${spell.maxCm.toFixed(0)} cm from ${fmtTime(spell.start, b.startMs)}, too late in the run to score`,
    });
  }
  return b.finish();
}
