/**
 * What every scenario generator shares: a builder that collects sensor readings and discrete
 * reports the way the twin would receive them (sample time vs receive time, a few late
 * messages, a few dropouts), the ground truth and the distractors, plus small geometric and
 * random helpers. Pure: all randomness comes from the seeded stream handed in.
 */
import type { Asset, CityModel, LngLat, SensorSite } from '../../twin-model/city/city-types.ts';
import { districtAt, haversineM, isOnLand } from '../../twin-model/city/index.ts';
import { PolygonIndex } from '../../twin-model/city/geometry.ts';
import { cityProjection } from '../../twin-model/city/local-projection.ts';
import type { CityEvent } from '../../twin-model/messages/record-parsers.ts';
import type { Reading } from '../../twin-model/messages/payload-parser.ts';
import { DEFAULT_ALARM_RULES } from '../../twin-model/alarm-rules.ts';
import { createRandom, hashString, type Random } from '../../twin-model/random.ts';
import type { EventType, MetricName, SensorKind } from '../../twin-model/vocabulary.ts';
import { REPORT_INTERVAL_MS } from '../gateway-plan.ts';
import { cityTimeZone, localDateKey, zonedTime } from '../local-time.ts';
import { createWeather, type Weather } from '../rainstorm.ts';
import { METRIC_DECIMALS, METRIC_RANGES, sampleSignals, type MetricValues } from '../signal-patterns.ts';
import type { Distractor, ScenarioInput, ScenarioName, ScenarioOptions, ScenarioRun, TrueEvent } from './scenario-types.ts';

/** 2026-07-01 08:00 local time, a Wednesday morning in summer: the default scenario start in a city. */
export function defaultScenarioStart(city: Pick<CityModel, 'timezone'>): number {
  return zonedTime(2026, 7, 1, 8, cityTimeZone(city));
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Registered sources (twin-model/city/city-sources.ts) the reports come from. */
export const SOURCES = {
  hotline: 'hotline.12345-cases',
  video: 'dsj.video-algorithms',
  manual: 'yjj.alerts',
} as const;

/**
 * Default background sample per kind: enough that every kind is seen behaving normally,
 * few enough that a run stays well under {@link MAX_READINGS_PER_RUN} (~60k readings).
 */
export const STANDARD_BACKGROUND: Readonly<Record<SensorKind, number>> = {
  rain_gauge: 30,
  water_level: 40,
  river_level: 10,
  traffic_flow: 100,
  air_quality: 30,
  power_substation: 30,
  hospital_ed: 20,
  metro_station: 30,
  city_code: 30,
  service_hall: 20,
  temperature: 30,
};

/** Kinds whose warnings in the background are the weather's doing (rain, its water, its traffic). */
const WEATHER_DRIVEN: ReadonlySet<SensorKind> = new Set(['rain_gauge', 'water_level', 'traffic_flow', 'river_level']);

/** Upper bound of readings per run (so that evaluating every scenario × seeds stays fast). */
export const MAX_READINGS_PER_RUN = 200_000;

/** How a sensor's messages travel: delays, lateness and dropouts. */
export interface SeriesOptions {
  /** First sample not before this (default: run start). */
  from?: number;
  /** No sample at or after this (default: run end). */
  to?: number;
  /** Sampling interval (default: the kind's reporting interval). */
  intervalMs?: number;
  /** Share of messages that arrive 30–300 s late with their original timestamps. @default 0.01 */
  lateRate?: number;
  /** Share of samples never sent. @default 0.005 */
  dropoutRate?: number;
  /** Extra receive delay for samples taken in a window (a gateway that buffers). */
  lag?: { from: number; to: number; delayMs: number };
  /** Samples taken in this window are never sent (a sensor offline). */
  gap?: { from: number; to: number };
}

/** A discrete report to add; `ts` is when the citizen called or the camera detected. */
export interface ReportSpec {
  type: EventType;
  category: string;
  lng: number;
  lat: number;
  ts: number;
  severity?: number;
  text?: string;
  source?: string;
  /** Receive delay after `ts` (default: by type — hotline cases are typed in first). */
  delayMs?: number;
  /** A fixed id (for a duplicate); default: a fresh id in the source's own numbering. */
  id?: string;
}

/** A random stream whose `normal()` is always 0: the noise-free value of a signal pattern. */
export function noiseFree(random: Random): Random {
  return { ...random, normal: () => 0 };
}

/** Rounds and clamps every metric the way a sensor reports it. */
export function tidyValues(values: MetricValues): MetricValues {
  const out: MetricValues = {};
  for (const [metric, value] of Object.entries(values) as Array<[MetricName, number]>) {
    const [min, max] = METRIC_RANGES[metric];
    const f = 10 ** METRIC_DECIMALS[metric];
    const rounded = Math.round(Math.min(max, Math.max(min, value)) * f) / f;
    out[metric] = Object.is(rounded, -0) ? 0 : rounded;
  }
  return out;
}

const outlineIndexes = new WeakMap<object, PolygonIndex>();

/** Inside the city outline (bridges and river points included, unlike `isOnLand`). */
export function insideCity(city: CityModel, lng: number, lat: number): boolean {
  let index = outlineIndexes.get(city.outline);
  if (!index) {
    index = new PolygonIndex([city.outline]);
    outlineIndexes.set(city.outline, index);
  }
  return index.contains(lng, lat);
}

/** Distance in metres between two things with a position. */
export function distM(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  return haversineM(a, b);
}

/**
 * Collects one scenario run. Every sensor is emitted once (the scenario-specific sensors
 * first, then background ones), so a sensor never has two overlapping series.
 */
export class ScenarioBuilder {
  readonly city: CityModel;
  readonly seed: number;
  /** The city's time zone (local days of case numbers, daily patterns). */
  readonly timeZone: string;
  readonly startMs: number;
  readonly endMs: number;
  /** The scenario's own stream; forks keep sub-streams independent of each other's draw counts. */
  readonly random: Random;
  readonly groundTruth: TrueEvent[] = [];
  readonly distractors: Distractor[] = [];
  private readonly inputs: ScenarioInput[] = [];
  private readonly emitted = new Set<string>();
  private readonly eventIds = new Set<string>();
  private readonly sequences = new Map<string, number>();
  private readingCount = 0;

  constructor(
    readonly name: ScenarioName,
    options: ScenarioOptions,
    durationMs: number,
    /** The weather the background patterns see. */
    public weather: Weather,
  ) {
    this.city = options.city;
    this.seed = options.seed;
    this.timeZone = cityTimeZone(this.city);
    this.startMs = options.startMs ?? defaultScenarioStart(this.city);
    this.endMs = this.startMs + durationMs;
    this.random = createRandom(hashString(`scenario:${name}`) ^ Math.imul(options.seed >>> 0, 0x9e3779b1)).fork(name);
  }

  /** Readings emitted so far. */
  get readings(): number {
    return this.readingCount;
  }

  /** Whether a sensor already has its series. */
  hasSeries(siteId: string): boolean {
    return this.emitted.has(siteId);
  }

  /**
   * Emits one sensor's samples at its reporting interval (a seeded phase inside the interval),
   * each as one input received shortly after its sample time.
   */
  series(site: SensorSite, valueAt: (t: number, random: Random) => MetricValues, options: SeriesOptions = {}): void {
    if (this.emitted.has(site.id)) throw new Error(`sensor ${site.id} already has a series in this run`);
    this.emitted.add(site.id);
    const rnd = this.random.fork(`series:${site.id}`);
    const interval = options.intervalMs ?? REPORT_INTERVAL_MS[site.kind];
    const from = options.from ?? this.startMs;
    const to = options.to ?? this.endMs;
    const lateRate = options.lateRate ?? 0.01;
    const dropoutRate = options.dropoutRate ?? 0.005;
    for (let t = from + Math.floor(rnd.next() * interval); t < to; t += interval) {
      const values = tidyValues(valueAt(t, rnd));
      // Decide the transport after the values, so the values do not depend on the transport.
      const drop = rnd.next() < dropoutRate;
      const late = rnd.next() < lateRate;
      const delay = late ? rnd.range(30_000, 300_000) : rnd.range(150, 2_500);
      if (drop || (options.gap && t >= options.gap.from && t < options.gap.to)) continue;
      const lagged = options.lag && t >= options.lag.from && t < options.lag.to ? options.lag.delayMs : 0;
      const readings: Reading[] = [];
      for (const [metric, value] of Object.entries(values) as Array<[MetricName, number]>) {
        readings.push({ metric, ts: t, value });
      }
      this.readingCount += readings.length;
      this.inputs.push({ at: Math.round(t + delay + lagged), type: 'readings', sensorId: site.id, readings });
    }
  }

  /** The sensor's normal behaviour: the simulator's daily pattern under the run's weather. */
  normal(site: SensorSite, options: SeriesOptions = {}): void {
    this.series(site, (t, r) => sampleSignals(site, t, this.weather, r), options);
  }

  /**
   * Background: `count` random sensors of each kind that have no series yet behave normally.
   * `filter` narrows the pool (e.g. gauges near the storm's track).
   */
  background(counts: Partial<Record<SensorKind, number>>, filter: (site: SensorSite) => boolean = () => true): void {
    const rnd = this.random.fork('background');
    for (const [kind, count] of Object.entries(counts) as Array<[SensorKind, number]>) {
      const pool = this.city.sensorSites.filter((s) => s.kind === kind && !this.emitted.has(s.id) && filter(s));
      // Oversample, then drop sensors whose normal pattern alone crosses a warning: those
      // would be unrecorded "events" nobody planted (scenarios add such peaks deliberately).
      const picked = sample(rnd, pool, Math.min(pool.length, count * 2)).filter((s) => WEATHER_DRIVEN.has(kind) || !this.normallyWarns(s));
      for (const site of picked.slice(0, count)) this.normal(site);
    }
  }

  /** Whether the sensor's noise-free normal pattern reaches a warning threshold during the run. */
  normallyWarns(site: SensorSite): boolean {
    const rules = DEFAULT_ALARM_RULES[site.kind].metrics;
    const calm = noiseFree(this.random.fork('calm-check'));
    for (let t = this.startMs; t < this.endMs; t += 10 * MINUTE_MS) {
      const v = sampleSignals(site, t, this.weather, calm);
      for (const rule of rules) {
        const x = v[rule.metric];
        if (x === undefined) continue;
        if (rule.direction === 'above' ? x >= rule.warning.enter : x <= rule.warning.enter) return true;
      }
    }
    return false;
  }

  /** A fresh report id in a source's own numbering (`12345-20260701-004512`, `va-…`). */
  private nextId(type: EventType, ts: number): string {
    const prefix = type === 'citizen_report' ? '12345' : type === 'video_detection' ? 'va' : 'mr';
    let seq = this.sequences.get(prefix);
    if (seq === undefined) seq = 1000 + this.random.fork(`ids:${prefix}`).int(8000);
    // Case numbers are not contiguous: other cases are registered city-wide in between.
    seq += 1 + this.random.int(prefix === '12345' ? 40 : 5);
    this.sequences.set(prefix, seq);
    const day = localDateKey(ts, this.timeZone);
    return `${prefix}-${day}-${String(seq).padStart(6, '0')}`;
  }

  /** Adds a discrete report; returns the event as sent. */
  report(spec: ReportSpec): CityEvent {
    const ts = Math.round(spec.ts);
    const id = spec.id ?? this.nextId(spec.type, ts);
    if (spec.id === undefined) this.eventIds.add(id);
    const event: CityEvent = {
      source:
        spec.source ??
        (spec.type === 'citizen_report' ? SOURCES.hotline : spec.type === 'video_detection' ? SOURCES.video : SOURCES.manual),
      id,
      ts,
      type: spec.type,
      lng: round6(spec.lng),
      lat: round6(spec.lat),
      category: spec.category,
      severity: spec.severity ?? null,
      text: spec.text ?? null,
    };
    // Hotline cases reach the hub after the operator has typed them; camera alerts within seconds.
    const delay =
      spec.delayMs ??
      (spec.type === 'citizen_report'
        ? this.random.range(40_000, 240_000)
        : spec.type === 'video_detection'
          ? this.random.range(1_000, 8_000)
          : this.random.range(20_000, 120_000));
    this.inputs.push({ at: Math.round(ts + delay), type: 'event', event });
    return event;
  }

  /** A hotline case from a caller near a place (position jittered up to `jitterM`). */
  hotline(place: { lng: number; lat: number }, ts: number, category: string, text: string, jitterM = 300, severity = 2): CityEvent {
    const [lng, lat] = this.jitter(place, jitterM);
    return this.report({ type: 'citizen_report', category, lng, lat, ts, text, severity });
  }

  /** A video-algorithm detection at a camera's position. */
  video(camera: { lng: number; lat: number }, ts: number, category: string, text: string, severity = 3): CityEvent {
    return this.report({ type: 'video_detection', category, lng: camera.lng, lat: camera.lat, ts, text, severity });
  }

  /** A point up to `maxM` from `p`, inside the city (on land when `p` is on land). */
  jitter(p: { lng: number; lat: number }, maxM: number): LngLat {
    const onLand = isOnLand(this.city, p.lng, p.lat);
    // Metres of the city's own latitude, so the disc is round wherever the city is.
    const proj = cityProjection(this.city);
    for (let attempt = 0; attempt < 20; attempt++) {
      const a = this.random.range(0, 2 * Math.PI);
      // sqrt: uniform over the disc rather than clustered at the centre.
      const r = maxM * Math.sqrt(this.random.next());
      const q = proj.offsetM([p.lng, p.lat], r * Math.cos(a), r * Math.sin(a));
      if (onLand ? isOnLand(this.city, q[0], q[1]) : insideCity(this.city, q[0], q[1])) return q;
    }
    return [p.lng, p.lat];
  }

  /** A random point on land in the built-up core (for unrelated calls). */
  randomLandPoint(): LngLat {
    const rnd = this.random;
    const sites = this.city.sensorSites;
    // Near a random sensor site: sites cluster where people live, so calls do too.
    for (let attempt = 0; attempt < 50; attempt++) {
      const site = rnd.pick(sites);
      const q = this.jitter(site, 800);
      if (isOnLand(this.city, q[0], q[1])) return q;
    }
    const site = rnd.pick(sites);
    return [site.lng, site.lat];
  }

  /** Records a real event (the ground truth); its district is looked up when not given. */
  truth(event: Omit<TrueEvent, 'id' | 'district'> & { district?: string }): TrueEvent {
    const id = `gt-${this.name}-${String(this.groundTruth.length + 1).padStart(2, '0')}`;
    const district = event.district ?? districtAt(this.city, event.lng, event.lat)?.code;
    const t: TrueEvent = { id, ...event, lng: round6(event.lng), lat: round6(event.lat) };
    if (district !== undefined) t.district = district;
    this.groundTruth.push(t);
    return t;
  }

  distract(kind: Distractor['kind'], detail: string): void {
    this.distractors.push({ kind, detail });
  }

  /**
   * Unrelated hotline calls (noise, other, and optionally categories of the scenario's type
   * about something unrelated) spread over the run.
   */
  unrelatedCalls(count: number, extra: Array<{ category: string; text: string }> = []): void {
    const topics = [
      { category: 'noise', text: '夜间施工噪音扰民 Construction noise next to the housing estate' },
      { category: 'noise', text: '广场舞音响声音过大 Loud music from square dancing' },
      { category: 'other', text: '路灯不亮 Street lights out along the block' },
      { category: 'other', text: '井盖松动 A loose manhole cover on the pavement' },
      { category: 'other', text: '共享单车乱停放 Shared bikes blocking the pavement' },
      ...extra,
    ];
    for (let i = 0; i < count; i++) {
      const topic = this.random.pick(topics);
      const [lng, lat] = this.randomLandPoint();
      const ts = this.random.range(this.startMs, this.endMs - 5 * MINUTE_MS);
      const e = this.report({ type: 'citizen_report', category: topic.category, lng, lat, ts, text: topic.text, severity: 1 });
      this.distract('unrelated_report', `hotline ${e.id} (${topic.category}) at ${fmtPos(e)} is unrelated to any real event`);
    }
  }

  /**
   * A water-level sensor stuck high all along (a float jammed by debris), far from any
   * real flood: the classic false alarm that a water-level alarm alone must not open.
   */
  stuckWaterLevel(eligible: (site: SensorSite) => boolean, preferNear?: { lng: number; lat: number }): SensorSite | null {
    const pool = this.city.sensorSites.filter((s) => s.kind === 'water_level' && !this.emitted.has(s.id) && eligible(s));
    if (pool.length === 0) return null;
    const site = preferNear ? nearest(pool, preferNear) : this.random.fork('stuck').pick(pool);
    if (!site) return null;
    const level = this.random.range(32, 45);
    this.series(site, (_t, r) => ({ water_level_cm: level + 0.15 * r.normal() }));
    this.distract('stuck_sensor', `water level ${site.id} stuck at ~${level.toFixed(0)} cm all run; no water there`);
    return site;
  }

  /**
   * A sensor that behaves normally but crosses its alarm threshold for one or two samples
   * (a glitch, a bird on the gauge, a counting error).
   */
  noisySensor(site: SensorSite, spike: MetricValues, atMs: number, samples = 2): void {
    const interval = REPORT_INTERVAL_MS[site.kind];
    const until = atMs + samples * interval;
    this.series(site, (t, r) => {
      const base = sampleSignals(site, t, this.weather, r);
      return t >= atMs && t < until ? { ...base, ...spike } : base;
    });
    const metrics = Object.entries(spike)
      .map(([m, v]) => `${m}=${(v ?? 0).toFixed(1)}`)
      .join(', ');
    this.distract(
      'noisy_sensor',
      `${site.id} glitches to ${metrics} for ${samples} sample(s) from ${fmtTime(atMs, this.startMs)}; nothing happened`,
    );
  }

  /**
   * The hotline system re-sends a case it already sent (same id, same payload, later): the
   * twin must count it once.
   */
  duplicateSomeHotlineCases(count: number): void {
    const calls = this.inputs.filter(
      (i): i is Extract<ScenarioInput, { type: 'event' }> => i.type === 'event' && i.event.source === SOURCES.hotline,
    );
    for (const original of sample(this.random.fork('duplicates'), calls, count)) {
      const at = original.at + this.random.range(60_000, 20 * MINUTE_MS);
      this.inputs.push({ at: Math.round(at), type: 'event', event: { ...original.event } });
      this.distract('duplicate_report', `hotline case ${original.event.id} sent twice (again ${fmtTime(at, this.startMs)})`);
    }
  }

  /**
   * A video algorithm fires at a camera far (> `minDistM`) from every real event: steam taken
   * for smoke, glare taken for water, a parked tow truck taken for a crash.
   */
  falseDetection(category: string, text: string, why: string, avoid: ReadonlyArray<{ lng: number; lat: number }>, minDistM = 3_000): void {
    const cameras = this.city.assets.filter((a) => a.kind === 'camera' && avoid.every((p) => distM(a, p) > minDistM));
    if (cameras.length === 0) return;
    const camera = this.random.fork('false-detection').pick(cameras);
    const ts = this.random.range(this.startMs + 10 * MINUTE_MS, this.endMs - 10 * MINUTE_MS);
    const e = this.video(camera, ts, category, text, 2);
    this.distract(
      'false_detection',
      `${e.id}: camera ${camera.id} flags ${category} at ${fmtTime(ts, this.startMs)} (${why}); nothing there`,
    );
  }

  /** Normal background sensors of every kind, `overrides` replacing the default counts. */
  standardBackground(overrides: Partial<Record<SensorKind, number>> = {}): void {
    this.background({ ...STANDARD_BACKGROUND, ...overrides });
  }

  /** The finished run: inputs sorted by receive time (stable, so ties keep their order). */
  finish(): ScenarioRun {
    if (this.readingCount > MAX_READINGS_PER_RUN) {
      throw new Error(`scenario ${this.name} produced ${this.readingCount} readings (limit ${MAX_READINGS_PER_RUN})`);
    }
    const inputs = this.inputs.slice().sort((a, b) => a.at - b.at);
    return {
      name: this.name,
      seed: this.seed,
      startMs: this.startMs,
      endMs: this.endMs,
      inputs,
      groundTruth: this.groundTruth.slice().sort((a, b) => a.start - b.start),
      distractors: this.distractors.slice(),
    };
  }
}

/** A builder for a scenario that happens in dry, ordinary weather (the city's own time zone). */
export function dryWeatherScenario(name: ScenarioName, options: ScenarioOptions, durationMs: number): ScenarioBuilder {
  return new ScenarioBuilder(name, options, durationMs, createWeather({ scenario: 'none', timeZone: cityTimeZone(options.city) }));
}

/** `count` distinct items of `items` in random order (all of them when fewer). */
export function sample<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = items.slice();
  const n = Math.min(count, pool.length);
  // Partial Fisher–Yates.
  for (let i = 0; i < n; i++) {
    const j = i + random.int(pool.length - i);
    const tmp = pool[i] as T;
    pool[i] = pool[j] as T;
    pool[j] = tmp;
  }
  return pool.slice(0, n);
}

/** The nearest of `items` to `p`, or undefined when empty. */
export function nearest<T extends { lng: number; lat: number }>(items: readonly T[], p: { lng: number; lat: number }): T | undefined {
  let best: T | undefined;
  let bestD = Infinity;
  for (const item of items) {
    const d = distM(item, p);
    if (d < bestD) {
      bestD = d;
      best = item;
    }
  }
  return best;
}

/** Items within `radiusM` of `p`, nearest first. */
export function within<T extends { lng: number; lat: number }>(items: readonly T[], p: { lng: number; lat: number }, radiusM: number): T[] {
  return items
    .map((item) => ({ item, d: distM(item, p) }))
    .filter((x) => x.d <= radiusM)
    .sort((a, b) => a.d - b.d)
    .map((x) => x.item);
}

export function sitesOfKind(city: CityModel, kind: SensorKind): SensorSite[] {
  return city.sensorSites.filter((s) => s.kind === kind);
}

export function assetsOfKind(city: CityModel, kind: Asset['kind']): Asset[] {
  return city.assets.filter((a) => a.kind === kind);
}

/** Smooth 0→1 between `a` and `b`. */
export function smoothstep(a: number, b: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
}

/** A trapezoid envelope in time: 0 before `start`, ramps to 1, holds, ramps back to 0 at `end`. */
export function envelope(t: number, start: number, rampUpMs: number, end: number, rampDownMs: number): number {
  return smoothstep(start, start + rampUpMs, t) * (1 - smoothstep(end - rampDownMs, end, t));
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** `+23 min` relative to the run start, for distractor details. */
export function fmtTime(t: number, startMs: number): string {
  return `+${Math.round((t - startMs) / MINUTE_MS)} min`;
}

export function fmtPos(p: { lng: number; lat: number }): string {
  return `${p.lng.toFixed(4)},${p.lat.toFixed(4)}`;
}
