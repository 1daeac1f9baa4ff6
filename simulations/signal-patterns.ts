/**
 * What each kind of sensor reads at a place and a time: plausible daily patterns in the
 * city's local time (the weather's `timeZone`, an IANA zone), shaped by the weather, with
 * Gaussian noise. Pure: time, weather and randomness come in as arguments; values are in each
 * metric's fixed unit (`METRIC_UNITS` in twin-model/vocabulary.ts) and rounded to a sensor-like
 * precision.
 *
 * A site's own character (how busy a road is, how many counters a hall has) comes from a
 * stream seeded by the site id alone, so it stays the same whatever the run's seed.
 */
import type { SensorSite } from '../twin-model/city/city-types.ts';
import { createRandom, hashString, type Random } from '../twin-model/random.ts';
import { KIND_METRICS, type MetricName, type SensorKind } from '../twin-model/vocabulary.ts';
import { localTime, type LocalTime } from './local-time.ts';
import type { Weather } from './rainstorm.ts';

/** Values of one sample, metric → number in the metric's fixed unit. */
export type MetricValues = Partial<Record<MetricName, number>>;

/** A kind's pattern: what the sensor at `site` reads at `timeMs`. */
export type SignalPattern = (site: SensorSite, timeMs: number, weather: Weather, random: Random) => MetricValues;

/** The range the simulator keeps each metric in (inclusive), in the metric's fixed unit. */
export const METRIC_RANGES: Readonly<Record<MetricName, readonly [min: number, max: number]>> = {
  rainfall_mm_h: [0, 300],
  water_level_cm: [0, 150],
  river_level_m: [15, 29],
  vehicles_per_min: [0, 200],
  speed_kmh: [0, 120],
  pm25: [0, 500],
  pm10: [0, 600],
  no2: [0, 400],
  aqi: [0, 500],
  load_pct: [0, 120],
  voltage_kv: [30, 240],
  occupancy_pct: [0, 100],
  waiting: [0, 200],
  passengers_per_min: [0, 600],
  scans_per_min: [0, 400],
  queue_length: [0, 300],
  wait_min: [0, 240],
  air_temp_c: [-20, 45],
  humidity_pct: [0, 100],
};

/** Decimal places a sensor reports for each metric. */
export const METRIC_DECIMALS: Readonly<Record<MetricName, number>> = {
  rainfall_mm_h: 1,
  water_level_cm: 1,
  river_level_m: 2,
  vehicles_per_min: 0,
  speed_kmh: 1,
  pm25: 0,
  pm10: 0,
  no2: 0,
  aqi: 0,
  load_pct: 1,
  voltage_kv: 2,
  occupancy_pct: 1,
  waiting: 0,
  passengers_per_min: 0,
  scans_per_min: 0,
  queue_length: 0,
  wait_min: 0,
  air_temp_c: 1,
  humidity_pct: 0,
};

const DAY_MS = 86_400_000;

/** The city's local hour and weekday at an instant: the weather carries the city's zone. */
function localAt(timeMs: number, weather: Weather): LocalTime {
  return localTime(timeMs, weather.timeZone);
}

/** A bump on the 24-hour circle: 1 at `centre`, Gaussian with `width` hours. */
function bump(hour: number, centre: number, width: number): number {
  let d = Math.abs(hour - centre) % 24;
  if (d > 12) d = 24 - d;
  return Math.exp(-0.5 * (d / width) ** 2);
}

/** 0 before `from`, 1 after, a smooth ramp of `rampH` hours. */
function rise(hour: number, from: number, rampH: number): number {
  const t = Math.min(1, Math.max(0, (hour - from) / rampH));
  return t * t * (3 - 2 * t);
}

/** 1 between `open` and `close`, with ramps of `rampH` hours; 0 outside. */
function plateau(hour: number, open: number, close: number, rampH: number): number {
  return rise(hour, open - rampH / 2, rampH) * (1 - rise(hour, close - rampH / 2, rampH));
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : Math.min(value, max);
}

/** The site's stable character: a stream seeded by its id only. */
function traitsOf(site: SensorSite, kind: string): Random {
  return createRandom(hashString(`${kind}:${site.id}`));
}

/** Count-like noise: roughly Poisson (σ ≈ √mean), never negative. */
function countNoise(mean: number, random: Random): number {
  return Math.max(0, mean + Math.sqrt(Math.max(mean, 0)) * random.normal() * 0.8);
}

/** Regional slow drift shared by all sites (pollution episodes, river stages). */
function slowWave(timeMs: number, periodDays: number, phase: number): number {
  return Math.sin((2 * Math.PI * timeMs) / (periodDays * DAY_MS) + phase);
}

/**
 * Air temperature (°C) at a place and time, without sensor noise: the weather's daily mean,
 * a daily cycle of ±6 °C peaking at 15:00 local, cooled by rain falling there.
 */
export function ambientTemperatureC(lng: number, lat: number, timeMs: number, weather: Weather): number {
  const { hour } = localAt(timeMs, weather);
  const diurnal = 6 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
  const rain = weather.rainAt(lng, lat, timeMs);
  return weather.meanTempC + diurnal - Math.min(6, rain * 0.12);
}

const rainGauge: SignalPattern = (site, t, weather, random) => {
  const rain = weather.rainAt(site.lng, site.lat, t);
  // A gauge reads 0 in the dry; its error is a few percent of the intensity.
  return { rainfall_mm_h: rain <= 0 ? 0 : Math.max(0, rain * (1 + 0.05 * random.normal())) };
};

const waterLevel: SignalPattern = (site, t, weather, random) => {
  const depth = weather.pondingCmAt(site, t);
  return { water_level_cm: Math.max(0, depth + 0.4 * random.normal()) };
};

type WaterBody = 'yangtze' | 'han' | 'lake';

function waterBodyOf(site: SensorSite): WaterBody {
  const text = `${site.id} ${site.assetId ?? ''} ${site.nameEn} ${site.nameZh}`.toLowerCase();
  if (/lake|湖/.test(text)) return 'lake';
  if (/\bhan\b|han river|hanjiang|汉江|汉水/.test(text)) return 'han';
  return 'yangtze';
}

const riverLevel: SignalPattern = (site, t, _weather, random) => {
  const traits = traitsOf(site, 'river');
  const body = waterBodyOf(site);
  let level: number;
  if (body === 'lake') {
    // Lakes are regulated: a narrow band around ~20 m.
    level = traits.range(19.4, 20.4) + 0.15 * slowWave(t, 13, 0.7);
  } else {
    // Yangtze at Wuhan in the wet season, ~18–24 m; the Han is backwatered by it and follows.
    const base = body === 'yangtze' ? traits.range(19.8, 21.8) : traits.range(20, 22);
    level = base + 1.3 * slowWave(t, 11, 1.9) + 0.4 * slowWave(t, 2.3, 0.4);
  }
  return { river_level_m: level + 0.01 * random.normal() };
};

/** Weekday / weekend traffic demand, ~0.1 at night, ~1 at the rush-hour peaks. */
function trafficDemand(hour: number, weekday: number): number {
  const day = plateau(hour, 6.5, 23, 1.5);
  if (weekday === 0 || weekday === 6) {
    return 0.1 + 0.55 * day + 0.15 * bump(hour, 11, 2) + 0.15 * bump(hour, 17, 2);
  }
  return 0.1 + 0.5 * day + 0.45 * bump(hour, 8, 0.9) + 0.45 * bump(hour, 18, 1);
}

const trafficFlow: SignalPattern = (site, t, weather, random) => {
  const traits = traitsOf(site, 'traffic');
  const capacity = traits.range(15, 110); // vehicles/min at the peak
  const freeFlow = traits.range(40, 80); // km/h
  const { hour, weekday } = localAt(t, weather);
  const demand = trafficDemand(hour, weekday);
  const rain = weather.rainAt(site.lng, site.lat, t);
  const depth = weather.pondingCmAt(site, t);
  // Water over ~5 cm slows traffic; by ~35 cm the road is impassable.
  const floodFlow = depth <= 5 ? 1 : Math.max(0, 1 - (depth - 5) / 30);
  const floodSpeed = depth <= 5 ? 1 : Math.max(0.05, 1 - (depth - 5) / 25);
  const vehicles = countNoise(capacity * demand * (1 - Math.min(0.2, rain / 300)) * floodFlow, random);
  const congestion = Math.min(1, demand);
  let speed = freeFlow * (1 - 0.5 * congestion ** 3) * (1 - Math.min(0.3, rain / 250)) * floodSpeed;
  speed = Math.round(vehicles) === 0 && floodFlow < 1 ? 0 : Math.max(0, speed + 2 * random.normal());
  return { vehicles_per_min: vehicles, speed_kmh: speed };
};

/** China's IAQI breakpoints (HJ 633-2012, table 1): concentration → index 0..500. */
const IAQI_STEPS = [0, 50, 100, 150, 200, 300, 400, 500] as const;
const PM25_24H = [0, 35, 75, 115, 150, 250, 350, 500] as const;
const PM10_24H = [0, 50, 150, 250, 350, 420, 500, 600] as const;
const NO2_1H = [0, 100, 200, 700, 1200, 2340, 3090, 3840] as const;

function iaqi(concentration: number, breakpoints: readonly number[]): number {
  for (let i = 1; i < breakpoints.length; i++) {
    const hi = breakpoints[i] ?? 0;
    if (concentration <= hi) {
      const lo = breakpoints[i - 1] ?? 0;
      const iLo = IAQI_STEPS[i - 1] ?? 0;
      const iHi = IAQI_STEPS[i] ?? 0;
      return iLo + ((iHi - iLo) * (concentration - lo)) / (hi - lo);
    }
  }
  return 500;
}

/** AQI as the highest sub-index of PM2.5, PM10 and NO2 (HJ 633-2012 §4). */
export function airQualityIndex(pm25: number, pm10: number, no2: number): number {
  return Math.max(iaqi(pm25, PM25_24H), iaqi(pm10, PM10_24H), iaqi(no2, NO2_1H));
}

const airQuality: SignalPattern = (site, t, weather, random) => {
  const traits = traitsOf(site, 'air');
  const pmBase = traits.range(25, 55);
  const coarseRatio = traits.range(1.4, 1.9);
  const no2Base = traits.range(18, 38);
  const roadExposure = traits.range(0.5, 1.5);
  const { hour, weekday } = localAt(t, weather);
  const rain = weather.rainAt(site.lng, site.lat, t);
  const episode = 1 + 0.3 * slowWave(t, 3.7, 2.1);
  // Night-time inversion keeps particles near the ground; afternoon mixing disperses them.
  const mixing = 1 + 0.25 * Math.cos((2 * Math.PI * (hour - 6)) / 24);
  const rushWeight = weekday === 0 || weekday === 6 ? 0.4 : 1;
  const rush = rushWeight * (bump(hour, 8, 1) + bump(hour, 18, 1.2));
  const washout = 1 / (1 + rain / 8);
  const pm25 = Math.max(2, pmBase * episode * mixing * washout * (1 + 0.06 * random.normal()) + 6 * rush * roadExposure);
  const pm10 = Math.max(pm25, pm25 * coarseRatio * (1 + 0.05 * random.normal()));
  const no2 = Math.max(2, (no2Base + 30 * rush * roadExposure) * mixing * (1 / (1 + rain / 30)) * (1 + 0.07 * random.normal()));
  return { aqi: airQualityIndex(pm25, pm10, no2), pm25, pm10, no2 };
};

const powerSubstation: SignalPattern = (site, t, weather, random) => {
  const traits = traitsOf(site, 'power');
  const base = traits.range(42, 62);
  const nominalKv = traits.next() < 0.7 ? 110 : 220;
  const { hour } = localAt(t, weather);
  // Daily curve: night trough ~04:00, late-morning shoulder, evening peak ~20:30.
  const curve = 0.68 + 0.22 * bump(hour, 10.5, 2.5) + 0.12 * bump(hour, 15, 2) + 0.32 * bump(hour, 20.5, 2.2);
  // Air conditioning: each degree above 24 °C adds load.
  const temp = ambientTemperatureC(site.lng, site.lat, t, weather);
  const load = clamp(base * curve + 1.6 * Math.max(0, temp - 24) + random.normal(), 3, 118);
  const voltage = nominalKv * (1.035 - 0.05 * (load / 100)) + nominalKv * 0.002 * random.normal();
  return { load_pct: load, voltage_kv: voltage };
};

const hospitalEd: SignalPattern = (site, t, weather, random) => {
  const traits = traitsOf(site, 'hospital');
  const offset = traits.range(0, 0.2);
  const capacity = traits.range(8, 30); // waiting patients when the ED is full
  const { hour } = localAt(t, weather);
  // Lowest around dawn, a late-morning wave, the peak in the evening (~20:30).
  const shape = clamp(0.1 + 0.85 * bump(hour, 20.5, 3.2) + 0.35 * bump(hour, 10.5, 2), 0, 1);
  const temp = ambientTemperatureC(site.lng, site.lat, t, weather);
  const heat = 2 * Math.max(0, temp - 33);
  const occupancy = clamp(60 + 30 * (0.8 * shape + offset) + heat + 1.5 * random.normal(), 0, 100);
  const waiting = countNoise((capacity * Math.max(0, occupancy - 55)) / 35, random);
  return { occupancy_pct: occupancy, waiting };
};

const metroStation: SignalPattern = (site, t, weather, random) => {
  const traits = traitsOf(site, 'metro');
  const peak = traits.range(40, 300); // passengers/min at the weekday peak
  const { hour, weekday } = localAt(t, weather);
  // Service runs ~06:00–23:00; closed stations count nobody.
  const open = plateau(hour, 6, 23, 0.3);
  if (open <= 0.01) return { passengers_per_min: 0 };
  const weekend = weekday === 0 || weekday === 6;
  const shape = weekend
    ? 0.25 + 0.35 * bump(hour, 11, 2.5) + 0.35 * bump(hour, 17, 2.5)
    : 0.15 + 0.85 * bump(hour, 8.1, 0.7) + 0.75 * bump(hour, 18, 0.9) + 0.25 * bump(hour, 12.5, 2);
  // Rain pushes people from the streets into the metro.
  const rain = weather.rainAt(site.lng, site.lat, t);
  return { passengers_per_min: countNoise(peak * shape * open * (1 + Math.min(0.2, rain / 200)), random) };
};

const cityCode: SignalPattern = (site, t, weather, random) => {
  const traits = traitsOf(site, 'citycode');
  const peak = traits.range(5, 150); // scans/min at the busiest hour
  const { hour, weekday } = localAt(t, weather);
  const day = plateau(hour, 7.5, 22.5, 1.5);
  const weekend = weekday === 0 || weekday === 6;
  const shape = weekend
    ? 0.02 + day * (0.35 + 0.5 * bump(hour, 14, 3) + 0.4 * bump(hour, 19.5, 1.8))
    : 0.02 + day * (0.25 + 0.3 * bump(hour, 8.5, 1) + 0.5 * bump(hour, 12.2, 1.5) + 0.6 * bump(hour, 19, 2));
  // A crowd signal: heavy rain clears squares and streets.
  const rain = weather.rainAt(site.lng, site.lat, t);
  return { scans_per_min: countNoise(peak * Math.min(1, shape) * (1 - Math.min(0.5, rain / 100)), random) };
};

const serviceHall: SignalPattern = (site, t, weather, random) => {
  const traits = traitsOf(site, 'hall');
  const counters = Math.round(traits.range(4, 20));
  const serviceMin = traits.range(6, 12); // minutes per case at a counter
  const busyness = traits.range(0.6, 1.4);
  const { hour, weekday } = localAt(t, weather);
  // Open 09:00–17:00 on weekdays, Saturday mornings at half demand, closed on Sundays.
  const close = weekday === 6 ? 12 : 17;
  if (weekday === 0 || hour < 9 || hour >= close) return { queue_length: 0, wait_min: 0 };
  const saturday = weekday === 6 ? 0.5 : 1;
  const demand = Math.max(0.1, 0.5 + 0.5 * bump(hour, 10, 0.9) + 0.35 * bump(hour, 14.8, 1) - 0.35 * bump(hour, 12.3, 0.5));
  // The queue builds over the first quarter hour and empties over the last one.
  const ramp = rise(hour, 9, 0.25) * (1 - rise(hour, close - 0.25, 0.25));
  const queue = countNoise(counters * (0.8 + 2.2 * demand) * busyness * saturday * ramp, random);
  const wait = Math.max(0, (Math.round(queue) * serviceMin) / counters + random.normal());
  return { queue_length: queue, wait_min: wait };
};

const temperature: SignalPattern = (site, t, weather, random) => {
  const traits = traitsOf(site, 'temp');
  const urbanHeat = traits.range(-0.8, 1.5);
  const { hour } = localAt(t, weather);
  const temp = ambientTemperatureC(site.lng, site.lat, t, weather) + urbanHeat + 0.15 * random.normal();
  // Relative humidity falls as the day warms; rain drives it towards saturation.
  const diurnal = 6 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
  const dry = 72 - 3.2 * diurnal;
  const rain = weather.rainAt(site.lng, site.lat, t);
  const humidity = dry + (97 - dry) * Math.min(1, rain / 10) + random.normal();
  return { air_temp_c: temp, humidity_pct: clamp(humidity, 15, 100) };
};

/** The pattern of every sensor kind. */
export const SIGNAL_PATTERNS: Readonly<Record<SensorKind, SignalPattern>> = {
  rain_gauge: rainGauge,
  water_level: waterLevel,
  river_level: riverLevel,
  traffic_flow: trafficFlow,
  air_quality: airQuality,
  power_substation: powerSubstation,
  hospital_ed: hospitalEd,
  metro_station: metroStation,
  city_code: cityCode,
  service_hall: serviceHall,
  temperature,
};

function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const rounded = Math.round(value * f) / f;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/**
 * One sample of a site: every metric of its kind, clamped to {@link METRIC_RANGES} and
 * rounded to {@link METRIC_DECIMALS}. Draws from `random` in a fixed order, so the same
 * stream gives the same values.
 */
export function sampleSignals(site: SensorSite, timeMs: number, weather: Weather, random: Random): MetricValues {
  const raw = SIGNAL_PATTERNS[site.kind](site, timeMs, weather, random);
  const out: MetricValues = {};
  for (const metric of KIND_METRICS[site.kind]) {
    const value = raw[metric];
    // A pattern that forgot a metric is a bug; a sensor never sends NaN.
    if (value === undefined || !Number.isFinite(value)) {
      throw new Error(`pattern for ${site.kind} gave ${String(value)} for ${metric} at site ${site.id}`);
    }
    const [min, max] = METRIC_RANGES[metric];
    out[metric] = roundTo(clamp(value, min, max), METRIC_DECIMALS[metric]);
  }
  return out;
}
