/**
 * A heat wave: on an already hot day a heat dome settles over part of the city during the
 * morning. Temperatures cross 35 °C district-wide, air conditioning loads the substations,
 * heat-stroke patients fill the emergency departments, stagnant air holds particles. The
 * ground truth is one heat-stress event per district where the true air temperature crosses
 * 35 °C over a good share of the district's stations.
 */
import type { CityModel, District, SensorSite } from '../../twin-model/city/city-types.ts';
import { haversineM } from '../../twin-model/city/index.ts';
import type { Random } from '../../twin-model/random.ts';
import { cityTimeZone } from '../local-time.ts';
import { createWeather, type Weather } from '../rainstorm.ts';
import { ambientTemperatureC, sampleSignals, type MetricValues } from '../signal-patterns.ts';
import { HOUR_MS, MINUTE_MS, ScenarioBuilder, fmtTime, noiseFree, sample, sitesOfKind } from './scenario-kit.ts';
import type { ScenarioOptions, ScenarioRun } from './scenario-types.ts';

/** Knobs of the heat-wave scenario. */
export interface HeatWaveKnobs {
  durationMs: number;
  /** The day's mean temperature before the dome (°C). */
  meanTempC: number;
  /** The true temperature that makes it a heat-stress event (the warning threshold). */
  heatC: number;
  /** Share of a district's stations that must be above `heatC`. */
  districtShare: number;
  /** The dome is scaled until this many districts are affected. */
  districtRange: readonly [min: number, max: number];
}

export const HEAT_WAVE_KNOBS: Readonly<HeatWaveKnobs> = {
  durationMs: 2 * HOUR_MS,
  meanTempC: 31,
  heatC: 35,
  districtShare: 0.3,
  districtRange: [1, 3],
};

interface Dome {
  lng: number;
  lat: number;
  sigmaKm: number;
  amplitudeC: number;
  from: number;
  rampMs: number;
}

function domeAt(d: Dome, lng: number, lat: number, t: number): number {
  if (t <= d.from) return 0;
  const x = (lng - d.lng) * 96;
  const y = (lat - d.lat) * 111;
  const ramp = Math.min(1, (t - d.from) / d.rampMs);
  return d.amplitudeC * ramp * Math.exp((-0.5 * (x * x + y * y)) / (d.sigmaKm * d.sigmaKm));
}

/**
 * The central districts of a city: the nearer half (rounded up) of its districts by the distance
 * of their seats from the city's centre (the map centre, else the middle of the bounding box), in
 * the city's order. In the generated Wuhan the seven urban districts (江岸 … 洪山).
 */
export function centralDistricts(city: Pick<CityModel, 'districts' | 'center' | 'bbox'>): District[] {
  if (city.districts.length === 0) throw new Error('heat_wave needs districts: the city has none');
  const [w, s, e, n] = city.bbox;
  const centre = city.center ?? [(w + e) / 2, (s + n) / 2];
  const ranked = city.districts
    .map((d) => ({ code: d.code, m: haversineM({ lng: d.seat[0], lat: d.seat[1] }, { lng: centre[0], lat: centre[1] }) }))
    .sort((a, b) => a.m - b.m || a.code.localeCompare(b.code));
  const near = new Set(ranked.slice(0, Math.ceil(city.districts.length / 2)).map((d) => d.code));
  return city.districts.filter((d) => near.has(d.code));
}

/** Generates the heat-wave run. */
export function generateHeatWave(options: ScenarioOptions, knobs: Partial<HeatWaveKnobs> = {}): ScenarioRun {
  const k: HeatWaveKnobs = { ...HEAT_WAVE_KNOBS, ...knobs };
  const base = createWeather({ scenario: 'none', meanTempC: k.meanTempC, timeZone: cityTimeZone(options.city) });
  const b = new ScenarioBuilder('heat_wave', options, k.durationMs, base);
  const city = b.city;
  const rnd = b.random.fork('heat');
  // The dome settles over a central district: the half of the districts whose seats lie nearest the city's centre.
  const central = centralDistricts(city);
  const seatOf = rnd.pick(central);
  const dome: Dome = {
    lng: seatOf.seat[0] + rnd.range(-0.03, 0.03),
    lat: seatOf.seat[1] + rnd.range(-0.03, 0.03),
    sigmaKm: rnd.range(5, 8),
    amplitudeC: rnd.range(6, 9),
    from: b.startMs + rnd.range(0, 15) * MINUTE_MS,
    rampMs: rnd.range(60, 80) * MINUTE_MS,
  };
  // The weather a site sees: the day's mean lifted by the dome at that place and time.
  const weatherAt = (s: { lng: number; lat: number }, t: number): Weather => ({
    ...base,
    meanTempC: k.meanTempC + domeAt(dome, s.lng, s.lat, t),
  });
  const temps = sitesOfKind(city, 'temperature');

  // Which districts the heat really covers: noise-free station temperatures, found on a 5-min
  // grid and dated to the minute (the first minute from which the share is met). Districts that
  // cross only in the last 15 min (`until` = run end) are recorded as tail events.
  const hotAt = (stations: readonly SensorSite[], t: number): SensorSite[] =>
    stations.filter((s) => (sampleSignals(s, t, weatherAt(s, t), noiseFree(rnd)).air_temp_c ?? 0) >= k.heatC);
  const affectedDistricts = (until = b.endMs - 15 * MINUTE_MS): Array<{ district: District; start: number; hot: SensorSite[] }> => {
    const out: Array<{ district: District; start: number; hot: SensorSite[] }> = [];
    for (const district of city.districts) {
      const stations = temps.filter((s) => s.district === district.code);
      if (stations.length === 0) continue;
      const enough = (hot: readonly SensorSite[]): boolean => hot.length >= Math.max(1, k.districtShare * stations.length);
      for (let t = b.startMs; t < until; t += 5 * MINUTE_MS) {
        const hot = hotAt(stations, t);
        if (!enough(hot)) continue;
        let start = t;
        while (start - MINUTE_MS > Math.max(b.startMs, t - 5 * MINUTE_MS) && enough(hotAt(stations, start - MINUTE_MS))) start -= MINUTE_MS;
        out.push({ district, start, hot });
        break;
      }
    }
    return out;
  };
  let affected = affectedDistricts();
  for (let attempt = 0; attempt < 8 && (affected.length < k.districtRange[0] || affected.length > k.districtRange[1]); attempt++) {
    dome.amplitudeC *= affected.length > k.districtRange[1] ? 0.85 : 1.15;
    affected = affectedDistricts();
  }

  // Heat-driven extras on top of the simulator's own temperature response.
  const heatExtras = (site: SensorSite, t: number, v: MetricValues, r: Random): MetricValues => {
    const temp = ambientTemperatureC(site.lng, site.lat, t, weatherAt(site, t));
    if (site.kind === 'power_substation') {
      // Air conditioning saturates: load rises faster than linearly above ~32 °C.
      return { ...v, load_pct: (v.load_pct ?? 0) + 2.6 * Math.max(0, temp - 32) + 0.5 * r.normal() };
    }
    if (site.kind === 'hospital_ed') {
      const extra = 3 * Math.max(0, temp - 34);
      return { ...v, occupancy_pct: (v.occupancy_pct ?? 0) + extra, waiting: (v.waiting ?? 0) + Math.round(extra / 2) };
    }
    if (site.kind === 'air_quality') {
      const still = 1 + 0.06 * domeAt(dome, site.lng, site.lat, t);
      return { ...v, pm25: (v.pm25 ?? 0) * still, pm10: (v.pm10 ?? 0) * still };
    }
    return v;
  };
  const heatSeries = (site: SensorSite, opts = {}): void =>
    b.series(site, (t, r) => heatExtras(site, t, sampleSignals(site, t, weatherAt(site, t), r), r), opts);

  // A station offline in the hottest district (most stations over the threshold, then the
  // earliest), and an ED feed that lags. The offline station is one of its hot ones only when
  // another hot one remains: missing evidence, not an event with no evidence left at all (the
  // truth of a district whose only hot station never reports its heat contradicts the signals).
  const hottest = affected.slice().sort((x, y) => y.hot.length - x.hot.length || x.start - y.start)[0];
  const coolOf = (a: { district: District; hot: SensorSite[] }): SensorSite[] =>
    temps.filter((s) => s.district === a.district.code && !a.hot.includes(s));
  const offlinePool = hottest ? (hottest.hot.length >= 2 ? hottest.hot : coolOf(hottest)) : [];
  const offline = offlinePool.length > 0 ? rnd.pick(offlinePool) : undefined;
  const edSites = sitesOfKind(city, 'hospital_ed');
  const laggingEd = hottest ? edSites.find((s) => s.district === hottest.district.code) : undefined;
  if (offline) {
    heatSeries(offline, { gap: { from: b.startMs + 30 * MINUTE_MS, to: b.endMs } });
    b.distract('missing_evidence', `temperature station ${offline.id} in the hottest district goes offline from +30 min`);
  }
  if (laggingEd) {
    const delayMs = Math.round(rnd.range(15, 25) * MINUTE_MS);
    heatSeries(laggingEd, { lag: { from: b.startMs, to: b.endMs, delayMs } });
    b.distract(
      'lagging_evidence',
      `ED ${laggingEd.id} in the hottest district reports ${Math.round(delayMs / MINUTE_MS)} min late all run`,
    );
  }
  // A rooftop station in the sun, outside the dome: reads ~4 °C high and crosses 35 °C.
  const affectedCodes = new Set(affected.map((a) => a.district.code));
  const [sunny] = sample(
    rnd,
    temps.filter((s) => !affectedCodes.has(s.district) && !b.hasSeries(s.id)),
    1,
  );
  if (sunny) {
    const bias = rnd.range(4, 5.5);
    b.series(sunny, (t, r) => {
      const v = sampleSignals(sunny, t, weatherAt(sunny, t), r);
      return { ...v, air_temp_c: (v.air_temp_c ?? 0) + bias * Math.min(1, (t - b.startMs) / HOUR_MS) };
    });
    b.distract(
      'noisy_sensor',
      `temperature ${sunny.id} is sited in the sun and reads ~${bias.toFixed(1)} °C high (crosses 35 °C) outside the heat`,
    );
  }

  // Every temperature station and ED, most substations, some air stations: the heat is city-scale.
  for (const site of temps) if (!b.hasSeries(site.id)) heatSeries(site);
  for (const site of edSites) if (!b.hasSeries(site.id)) heatSeries(site);
  const subs = sitesOfKind(city, 'power_substation');
  const nearDome = subs.filter((s) => domeAt(dome, s.lng, s.lat, b.endMs) > 1);
  for (const site of [
    ...nearDome,
    ...sample(
      rnd,
      subs.filter((s) => !nearDome.includes(s)),
      40,
    ),
  ])
    if (!b.hasSeries(site.id)) heatSeries(site);
  for (const site of sample(rnd, sitesOfKind(city, 'air_quality'), 60)) if (!b.hasSeries(site.id)) heatSeries(site);

  for (const a of affected) {
    const lng = a.hot.reduce((s, x) => s + x.lng, 0) / a.hot.length;
    const lat = a.hot.reduce((s, x) => s + x.lat, 0) / a.hot.length;
    b.truth({
      type: 'heat_stress',
      lng,
      lat,
      district: a.district.code,
      start: a.start,
      // The heat outlasts the run: the event is still on when the run ends.
      end: b.endMs,
      notes: `${a.district.nameEn}: ${a.hot.length} station(s) ≥ ${k.heatC} °C from ${fmtTime(a.start, b.startMs)}; ongoing at run end`,
    });
  }

  const truthPlaces = b.groundTruth.map((t) => ({ lng: t.lng, lat: t.lat }));
  const far = (s: SensorSite): boolean => truthPlaces.every((p) => Math.hypot((p.lng - s.lng) * 96, (p.lat - s.lat) * 111) > 10);
  b.stuckWaterLevel(far);
  const [edGlitch] = sample(
    rnd,
    edSites.filter((s) => !b.hasSeries(s.id)),
    1,
  );
  if (edGlitch) b.noisySensor(edGlitch, { occupancy_pct: 100 }, b.startMs + rnd.range(20, 90) * MINUTE_MS, 1);
  b.falseDetection('smoke', '烟火识别 smoke detected', 'heat shimmer over asphalt', truthPlaces, 2_000);
  b.unrelatedCalls(4 + rnd.int(3), [{ category: 'other', text: '小区停水了 No water supply in our compound' }]);
  b.standardBackground({ temperature: 0, hospital_ed: 0, power_substation: 0, air_quality: 0 });
  b.duplicateSomeHotlineCases(1);
  // Heat that reaches a district only in the last 15 min is real too: a tail event (not scored).
  const scored = new Set(affected.map((a) => a.district.code));
  for (const a of affectedDistricts(b.endMs).filter((x) => !scored.has(x.district.code))) {
    b.truth({
      type: 'heat_stress',
      lng: a.hot.reduce((s, x) => s + x.lng, 0) / a.hot.length,
      lat: a.hot.reduce((s, x) => s + x.lat, 0) / a.hot.length,
      district: a.district.code,
      start: a.start,
      end: b.endMs,
      tail: true,
      notes: `${a.district.nameEn}: ${a.hot.length} station(s) ≥ ${k.heatC} °C only from ${fmtTime(a.start, b.startMs)}, too late in the run to score`,
    });
  }
  return b.finish();
}
