/**
 * The weather field the simulator samples: rain intensity at any point and time, and the
 * standing water it leaves at low-lying places. Pure and deterministic: the same options
 * give the same field; nothing here reads a clock or `Math.random()`.
 *
 * The rainstorm scenario is a band of convective rain cells riding a straight track across
 * the city (south-west to north-east by default, as summer storms over Wuhan usually move),
 * under a light stratiform shield. Where it crosses comes from the city (`stormPlacement`):
 * the city's own hint (`CityModel.storms`), else the middle of its extent. Water on a road is a bucket per place: rain flows in,
 * concentrated by how low the place lies, and drains out through a fixed drain capacity
 * plus a recession term proportional to the depth, so it rises during the storm and falls
 * after it.
 */
import type { CityModel, LngLat, SensorSite, StormHint } from '../twin-model/city/city-types.ts';
import { createRandom } from '../twin-model/random.ts';
import { zoneOffsetMs } from './local-time.ts';

/** Weather scenarios the simulator knows. */
export type WeatherScenario = 'none' | 'rainstorm';

/** What the bucket model needs to know about a place. */
export type PondingSite = Pick<SensorSite, 'lng' | 'lat' | 'lowness'> & { assetId?: string };

/** A weather field over the city. All methods are pure functions of their arguments. */
export interface Weather {
  readonly scenario: WeatherScenario;
  /** Daily mean air temperature (°C) around which the daily cycle swings. */
  readonly meanTempC: number;
  /** The city's IANA time zone: daily patterns follow its local clock. */
  readonly timeZone: string;
  /** The storm's active window (epoch ms), when the scenario has one. */
  readonly stormWindow?: { startMs: number; endMs: number };
  /** Rain intensity (mm/h) at a point and time; exactly 0 where it does not rain. */
  rainAt(lng: number, lat: number, timeMs: number): number;
  /** Standing water (cm) on the road at a site at a time, from the bucket model. */
  pondingCmAt(site: PondingSite, timeMs: number): number;
}

/** Shape and track of the rainstorm. */
export interface RainstormOptions {
  /**
   * Point the main cell passes through half-way along its track, `[lng, lat]`.
   * @default [114.30, 30.58] (Wuhan's core); the simulator passes the city's (`cityRainstorm`)
   */
  centre: LngLat;
  /** Direction of travel, degrees clockwise from north. @default 45 (towards the north-east) */
  bearingDeg: number;
  /** Ground speed of the cells. @default 40 */
  speedKmh: number;
  /** Lifetime of the storm from first to last rain. @default 90 */
  durationMin: number;
  /** Peak intensity at the centre of the main cell. @default 80 */
  peakMmH: number;
  /** Radius at which the main cell's rain has fallen to 10% of its peak. @default 12 */
  radiusKm: number;
  /** Convective cells in the band (1 = the main cell alone, up to 4). @default 3 */
  cells: number;
  /** Intensity of the light stratiform rain around the band. @default 4 */
  stratiformMmH: number;
}

/** Parameters of the per-place water bucket. Depths in cm, rates in cm/h. */
export interface PondingOptions {
  /** Runoff concentration at lowness 0 (catchment area per unit of ponding area). @default 1 */
  gainMin: number;
  /** Extra concentration at lowness 1, scaled by lowness². @default 20 */
  gainLow: number;
  /** Drain capacity at lowness 0.15; falls linearly to `drainCapacity * 0.15` at lowness 1. @default 22 */
  drainCapacity: number;
  /** Recession rate (1/h): outflow proportional to depth (overland flow, seepage). @default 0.9 */
  recessionPerHour: number;
  /** The water cannot stand higher than this. @default 150 */
  maxDepthCm: number;
}

interface WeatherCommonOptions {
  /** Daily mean air temperature (°C). @default 27 (a Wuhan summer day) */
  meanTempC?: number;
  /** The city's IANA time zone (`cityTimeZone(city)`), e.g. `Asia/Shanghai`. @default 'UTC' */
  timeZone?: string;
  /** Seed for the small deterministic variations of the storm's cells. @default 1 */
  seed?: number;
  /**
   * All the city's sensor sites. When given, every site watching an asset (an underpass)
   * gets the lowness of the lowest-lying site on that asset, so a traffic counter in a
   * flooded underpass sees the water its gauge sees.
   */
  sites?: readonly PondingSite[];
  ponding?: Partial<PondingOptions>;
}

/** Options of {@link createWeather}. */
export type CreateWeatherOptions =
  | (WeatherCommonOptions & { scenario: 'none' })
  | (WeatherCommonOptions & {
      scenario: 'rainstorm';
      /** When the storm's first rain falls (epoch ms). */
      startMs: number;
      rainstorm?: Partial<RainstormOptions>;
    });

export const DEFAULT_RAINSTORM: Readonly<RainstormOptions> = {
  centre: [114.3, 30.58],
  bearingDeg: 45,
  speedKmh: 40,
  durationMin: 90,
  peakMmH: 80,
  radiusKm: 12,
  cells: 3,
  stratiformMmH: 4,
};

export const DEFAULT_PONDING: Readonly<PondingOptions> = {
  gainMin: 1,
  gainLow: 20,
  drainCapacity: 22,
  recessionPerHour: 0.9,
  maxDepthCm: 150,
};

const KM_PER_DEG_LAT = 110.574;
const KM_PER_DEG_LNG_EQUATOR = 111.32;
/** Below this the field reports no rain at all, so far-away gauges read exactly 0. */
const RAIN_FLOOR_MM_H = 0.1;
/** exp(-0.5 k²) = 0.1 at k = 2.146: the Gaussian σ that puts 10% of peak at `radiusKm`. */
const SIGMA_PER_RADIUS = 1 / 2.146;
/** Step of the bucket integration. */
const PONDING_STEP_MS = 60_000;
/** How long after the storm the bucket is integrated; the water has drained well before. */
const PONDING_TAIL_MS = 8 * 3_600_000;

/** One convective cell of the band, placed relative to the main cell's track position. */
interface RainCell {
  alongKm: number;
  acrossKm: number;
  peakMmH: number;
  sigmaKm: number;
  /** Period (min) and phase of a gentle pulsation of the cell's intensity. */
  pulseMin: number;
  pulsePhase: number;
}

/** A storm with a fixed track: a pure rain field `rainAt(lng, lat, t)`. */
export interface Rainstorm {
  readonly startMs: number;
  readonly endMs: number;
  /** Where the main cell starts and ends. */
  readonly track: { from: LngLat; to: LngLat };
  rainAt(lng: number, lat: number, timeMs: number): number;
}

function assertFinite(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number in [${min}, ${max}], got ${String(value)}`);
  }
}

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

/**
 * Where rainstorms cross a city: its own hint (`CityModel.storms`), else the point the map
 * centres on (or the middle of the bounding box) and, for scenario storms, the middle half of
 * the extent around it — so a storm crosses the built-up middle of any city, large or small.
 */
export function stormPlacement(city: Pick<CityModel, 'bbox' | 'center' | 'storms'>): StormHint {
  if (city.storms) return city.storms;
  const [w, s, e, n] = city.bbox;
  const inside = city.center && city.center[0] >= w && city.center[0] <= e && city.center[1] >= s && city.center[1] <= n;
  const centre: LngLat = inside && city.center ? [city.center[0], city.center[1]] : [(w + e) / 2, (s + n) / 2];
  const halfLng = (e - w) / 4;
  const halfLat = (n - s) / 4;
  return {
    centre,
    area: [
      Math.max(w, centre[0] - halfLng),
      Math.max(s, centre[1] - halfLat),
      Math.min(e, centre[0] + halfLng),
      Math.min(n, centre[1] + halfLat),
    ],
  };
}

/** The live rainstorm's options for a city: the default storm, its track through the city's storm centre. */
export function cityRainstorm(city: Pick<CityModel, 'bbox' | 'center' | 'storms'>): Partial<RainstormOptions> {
  return { centre: stormPlacement(city).centre };
}

/**
 * Build the rainstorm's rain field. The main cell moves along a straight track centred on
 * `centre`; satellite cells ride beside and behind it; everything ramps up over the first
 * 15% of the lifetime and dies away over the last 20%.
 */
export function createRainstorm(startMs: number, options: Partial<RainstormOptions> = {}, seed = 1): Rainstorm {
  const o: RainstormOptions = { ...DEFAULT_RAINSTORM, ...options };
  assertFinite('rainstorm startMs', startMs, -8.64e15, 8.64e15);
  assertFinite('rainstorm speedKmh', o.speedKmh, 1, 200);
  assertFinite('rainstorm durationMin', o.durationMin, 1, 24 * 60);
  assertFinite('rainstorm peakMmH', o.peakMmH, 0, 500);
  assertFinite('rainstorm radiusKm', o.radiusKm, 0.5, 200);
  assertFinite('rainstorm cells', o.cells, 1, 4);
  assertFinite('rainstorm stratiformMmH', o.stratiformMmH, 0, 100);

  const [cLng, cLat] = o.centre;
  const kmPerDegLng = KM_PER_DEG_LNG_EQUATOR * Math.cos((cLat * Math.PI) / 180);
  const bearing = (o.bearingDeg * Math.PI) / 180;
  // Unit vectors (east, north) along and across the track.
  const ux = Math.sin(bearing);
  const uy = Math.cos(bearing);
  const durationMs = o.durationMin * 60_000;
  const pathKm = (o.speedKmh * o.durationMin) / 60;
  const endMs = startMs + durationMs;

  const toLngLat = (xKm: number, yKm: number): LngLat => [cLng + xKm / kmPerDegLng, cLat + yKm / KM_PER_DEG_LAT];
  const track = {
    from: toLngLat((-pathKm / 2) * ux, (-pathKm / 2) * uy),
    to: toLngLat((pathKm / 2) * ux, (pathKm / 2) * uy),
  };

  const jitter = createRandom(seed).fork('rainstorm-cells');
  const sigma = o.radiusKm * SIGMA_PER_RADIUS;
  // Main cell, then satellites: one trailing on the left, one leading on the right, one far behind.
  const layout: Array<[along: number, across: number, peak: number, size: number]> = [
    [0, 0, 1, 1],
    [-0.5, 1.2, 0.5, 0.8],
    [0.6, -1.0, 0.4, 0.7],
    [-1.4, -0.3, 0.35, 0.9],
  ];
  const cells: RainCell[] = layout.slice(0, Math.round(o.cells)).map(([along, across, peak, size], i) => ({
    alongKm: i === 0 ? 0 : along * o.radiusKm * jitter.range(0.8, 1.2),
    acrossKm: i === 0 ? 0 : across * o.radiusKm * jitter.range(0.8, 1.2),
    peakMmH: o.peakMmH * peak * (i === 0 ? 1 : jitter.range(0.85, 1.15)),
    sigmaKm: sigma * size,
    pulseMin: jitter.range(14, 22),
    pulsePhase: jitter.range(0, 2 * Math.PI),
  }));
  const shieldSigmaAlong = sigma * 3;
  const shieldSigmaAcross = sigma * 2;
  const shieldLagKm = -o.radiusKm * 0.8;

  const rainAt = (lng: number, lat: number, timeMs: number): number => {
    if (!(timeMs > startMs && timeMs < endMs)) return 0;
    const f = (timeMs - startMs) / durationMs;
    const envelope = smoothstep(0, 0.15, f) * (1 - smoothstep(0.8, 1, f));
    if (envelope <= 0) return 0;
    // Position relative to the main cell, in km along / across the track.
    const mainAlong = (f - 0.5) * pathKm;
    const x = (lng - cLng) * kmPerDegLng;
    const y = (lat - cLat) * KM_PER_DEG_LAT;
    const along = x * ux + y * uy - mainAlong;
    const across = x * uy - y * ux;
    const minutes = (timeMs - startMs) / 60_000;
    let rain = 0;
    for (const cell of cells) {
      const da = along - cell.alongKm;
      const dc = across - cell.acrossKm;
      const r2 = (da * da + dc * dc) / (cell.sigmaKm * cell.sigmaKm);
      if (r2 > 25) continue;
      const pulse = 1 + 0.12 * Math.sin((2 * Math.PI * minutes) / cell.pulseMin + cell.pulsePhase);
      rain += cell.peakMmH * pulse * Math.exp(-0.5 * r2);
    }
    const sa = (along - shieldLagKm) / shieldSigmaAlong;
    const sc = across / shieldSigmaAcross;
    const s2 = sa * sa + sc * sc;
    if (s2 < 25) rain += o.stratiformMmH * Math.exp(-0.5 * s2);
    rain *= envelope;
    return rain < RAIN_FLOOR_MM_H ? 0 : rain;
  };

  return { startMs, endMs, track, rainAt };
}

/**
 * Integrate the water bucket of one place over a rain series sampled every `stepMs`.
 * Returns the depth (cm) at each step boundary (length = rain.length + 1, starting dry).
 * Semi-implicit in the recession term so that any step size stays stable.
 */
export function integratePonding(
  rainMmH: readonly number[],
  lowness: number,
  stepMs: number,
  options: Partial<PondingOptions> = {},
): Float64Array {
  const o: PondingOptions = { ...DEFAULT_PONDING, ...options };
  const low = Math.min(1, Math.max(0, lowness));
  const gain = o.gainMin + o.gainLow * low * low;
  const drain = o.drainCapacity * Math.max(0.15, 1.15 - low);
  const dtH = stepMs / 3_600_000;
  const depth = new Float64Array(rainMmH.length + 1);
  let h = 0;
  for (let i = 0; i < rainMmH.length; i++) {
    const inflow = ((rainMmH[i] ?? 0) / 10) * gain; // mm/h of rain -> cm/h of water here
    h = Math.max(0, (h + (inflow - drain) * dtH) / (1 + o.recessionPerHour * dtH));
    if (h > o.maxDepthCm) h = o.maxDepthCm;
    depth[i + 1] = h;
  }
  return depth;
}

/**
 * Create the weather field for a scenario. `'none'`: a dry day (no rain, no standing water).
 * `'rainstorm'`: the storm of {@link createRainstorm} starting at `startMs`, and the water it
 * leaves at low places.
 */
export function createWeather(options: CreateWeatherOptions): Weather {
  const meanTempC = options.meanTempC ?? 27;
  assertFinite('meanTempC', meanTempC, -40, 50);
  const timeZone = options.timeZone ?? 'UTC';
  // A bad zone fails here, once, with the zone quoted (not at the first sample).
  zoneOffsetMs(0, timeZone);
  if (options.scenario === 'none') {
    return { scenario: 'none', meanTempC, timeZone, rainAt: () => 0, pondingCmAt: () => 0 };
  }
  const storm = createRainstorm(options.startMs, options.rainstorm, options.seed ?? 1);
  const ponding = options.ponding ?? {};
  const assetLowness = new Map<string, number>();
  for (const site of options.sites ?? []) {
    if (site.assetId === undefined) continue;
    assetLowness.set(site.assetId, Math.max(assetLowness.get(site.assetId) ?? 0, site.lowness));
  }
  const gridStart = storm.startMs;
  const steps = Math.ceil((storm.endMs - storm.startMs + PONDING_TAIL_MS) / PONDING_STEP_MS);
  // Depth series per place; a deterministic memo, not state: the answer depends only on the
  // arguments.
  const series = new Map<string, Float64Array>();

  const depthSeries = (lng: number, lat: number, lowness: number): Float64Array => {
    const key = `${lng},${lat},${lowness}`;
    let depth = series.get(key);
    if (depth === undefined) {
      const rain = new Array<number>(steps);
      for (let i = 0; i < steps; i++) {
        // Mid-step rain approximates the step's mean intensity.
        rain[i] = storm.rainAt(lng, lat, gridStart + (i + 0.5) * PONDING_STEP_MS);
      }
      depth = integratePonding(rain, lowness, PONDING_STEP_MS, ponding);
      series.set(key, depth);
    }
    return depth;
  };

  return {
    scenario: 'rainstorm',
    meanTempC,
    timeZone,
    stormWindow: { startMs: storm.startMs, endMs: storm.endMs },
    rainAt: storm.rainAt,
    pondingCmAt(site, timeMs) {
      if (!(timeMs > gridStart)) return 0;
      const lowness = site.assetId !== undefined ? Math.max(site.lowness, assetLowness.get(site.assetId) ?? 0) : site.lowness;
      const depth = depthSeries(site.lng, site.lat, lowness);
      const x = (timeMs - gridStart) / PONDING_STEP_MS;
      const i = Math.floor(x);
      if (i >= depth.length - 1) return depth[depth.length - 1] ?? 0;
      const a = depth[i] ?? 0;
      const b = depth[i + 1] ?? 0;
      return a + (b - a) * (x - i);
    },
  };
}
