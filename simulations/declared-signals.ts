/**
 * Values for sensor kinds a city declares itself (a package's vocabulary.json: `noise_level`
 * with `noise_dba` in `dB` …). The simulator cannot know what a declared kind measures, but a
 * metric's SenML unit says what kind of quantity it is: a sound level, a temperature, a
 * humidity, a pressure, a concentration, a water depth, a rain rate, a share. A kind whose every
 * metric has a unit with a pattern here is simulated; any other kind is skipped (the simulator
 * says so in its log). Pure, like signal-patterns.ts: time, weather and randomness come in.
 */
import type { DeclaredSensorKind, DeclaredSensorSite } from '../twin-model/city/city-types.ts';
import { createRandom, hashString, type Random } from '../twin-model/random.ts';
import { localTime } from './local-time.ts';
import type { Weather } from './rainstorm.ts';
import { ambientTemperatureC } from './signal-patterns.ts';

/** What a metric of a declared kind reads at a place and time, in its unit. */
type UnitPattern = (site: DeclaredSensorSite, timeMs: number, weather: Weather, traits: Random, random: Random) => number;

interface UnitModel {
  pattern: UnitPattern;
  min: number;
  max: number;
  decimals: number;
}

/** A bump on the 24-hour circle: 1 at `centre`, Gaussian with `width` hours. */
function bump(hour: number, centre: number, width: number): number {
  let d = Math.abs(hour - centre) % 24;
  if (d > 12) d = 24 - d;
  return Math.exp(-0.5 * (d / width) ** 2);
}

/** Relative activity of a town over the day (traffic, people): ~0.15 at night, ~1 at the rush hours. */
function activity(timeMs: number, weather: Weather): number {
  const { hour, weekday } = localTime(timeMs, weather.timeZone);
  const weekend = weekday === 0 || weekday === 6;
  const day = 0.15 + 0.55 * bump(hour, 13, 4.5);
  return Math.min(1, day + (weekend ? 0.1 : 0.3) * (bump(hour, 8, 1) + bump(hour, 17.5, 1.2)));
}

/** Unit (SenML, RFC 8428 §12.1 / RFC 8798) → how a metric in it behaves in a town. */
const UNIT_MODELS: Readonly<Record<string, UnitModel>> = {
  // A street's sound level: ~40–48 dB at night, 55–65 dB by day, quieter in heavy rain (fewer people out).
  dB: {
    pattern: (site, t, weather, traits, random) =>
      traits.range(38, 46) +
      traits.range(14, 19) * activity(t, weather) +
      Math.min(4, weather.rainAt(site.lng, site.lat, t) / 10) +
      1.2 * random.normal(),
    min: 20,
    max: 120,
    decimals: 1,
  },
  Cel: {
    pattern: (site, t, weather, traits, random) =>
      ambientTemperatureC(site.lng, site.lat, t, weather) + traits.range(-0.8, 1.2) + 0.15 * random.normal(),
    min: -40,
    max: 60,
    decimals: 1,
  },
  '%RH': {
    pattern: (site, t, weather, traits, random) => {
      const { hour } = localTime(t, weather.timeZone);
      const dry = traits.range(55, 75) - 12 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
      return dry + (97 - dry) * Math.min(1, weather.rainAt(site.lng, site.lat, t) / 10) + random.normal();
    },
    min: 5,
    max: 100,
    decimals: 0,
  },
  hPa: { pattern: (site, t, weather, traits, random) => pressureHpa(site, t, weather, traits, random), min: 900, max: 1080, decimals: 1 },
  Pa: {
    pattern: (site, t, weather, traits, random) => 100 * pressureHpa(site, t, weather, traits, random),
    min: 90_000,
    max: 108_000,
    decimals: 0,
  },
  kPa: {
    pattern: (site, t, weather, traits, random) => pressureHpa(site, t, weather, traits, random) / 10,
    min: 90,
    max: 108,
    decimals: 2,
  },
  // Fine particles: a background with rush-hour traffic, washed out by rain.
  'ug/m3': {
    pattern: (site, t, weather, traits, random) =>
      (traits.range(8, 25) + traits.range(5, 15) * activity(t, weather)) / (1 + weather.rainAt(site.lng, site.lat, t) / 8) +
      random.normal(),
    min: 0,
    max: 1000,
    decimals: 0,
  },
  // CO2 outdoors: ~420 ppm, up to ~500 in traffic.
  ppm: {
    pattern: (_site, t, weather, traits, random) => 415 + traits.range(20, 80) * activity(t, weather) + 4 * random.normal(),
    min: 350,
    max: 5000,
    decimals: 0,
  },
  // Water standing on the ground: the rainstorm's bucket model at the site.
  cm: {
    pattern: (site, t, weather, _traits, random) => weather.pondingCmAt(site, t) + 0.4 * random.normal(),
    min: 0,
    max: 300,
    decimals: 1,
  },
  mm: {
    pattern: (site, t, weather, _traits, random) => 10 * weather.pondingCmAt(site, t) + 4 * random.normal(),
    min: 0,
    max: 3000,
    decimals: 0,
  },
  'mm/h': {
    pattern: (site, t, weather, _traits, random) => {
      const rain = weather.rainAt(site.lng, site.lat, t);
      return rain <= 0 ? 0 : rain * (1 + 0.05 * random.normal());
    },
    min: 0,
    max: 300,
    decimals: 1,
  },
  // A share of something busy (occupancy, load): follows the town's activity.
  '%': {
    pattern: (_site, t, weather, traits, random) => traits.range(20, 40) + traits.range(20, 40) * activity(t, weather) + random.normal(),
    min: 0,
    max: 100,
    decimals: 1,
  },
};

function pressureHpa(site: DeclaredSensorSite, t: number, weather: Weather, traits: Random, random: Random): number {
  // A slow synoptic wave, a small twice-daily tide, a dip under the storm.
  const slow = 6 * Math.sin((2 * Math.PI * t) / (4.3 * 86_400_000) + 1.1);
  const tide = 0.8 * Math.cos((4 * Math.PI * t) / 86_400_000);
  return 1013 + traits.range(-2, 2) + slow + tide - Math.min(4, weather.rainAt(site.lng, site.lat, t) / 20) + 0.1 * random.normal();
}

/** The units the simulator has patterns for. */
export const SIMULATED_UNITS: readonly string[] = Object.keys(UNIT_MODELS);

/** How the simulator treats a declared kind: its sampler, or why it is skipped. */
export type DeclaredKindPlan =
  | {
      kind: string;
      simulated: true;
      units: Readonly<Record<string, string>>;
      sample: (site: DeclaredSensorSite, timeMs: number, weather: Weather, random: Random) => Record<string, number>;
    }
  | { kind: string; simulated: false; reason: string };

function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const rounded = Math.round(value * f) / f;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** The sampler of a declared kind, or the reason it cannot be simulated (a unit without a pattern). */
export function planDeclaredKind(declared: DeclaredSensorKind): DeclaredKindPlan {
  const metrics = Object.entries(declared.metrics);
  const unknown = metrics.filter(([, unit]) => UNIT_MODELS[unit] === undefined);
  if (metrics.length === 0) return { kind: declared.kind, simulated: false, reason: 'it declares no metrics' };
  if (unknown.length > 0) {
    return {
      kind: declared.kind,
      simulated: false,
      reason: `no pattern for ${unknown.map(([m, u]) => `${m} in ${JSON.stringify(u)}`).join(', ')} (patterns exist for ${SIMULATED_UNITS.join(', ')})`,
    };
  }
  return {
    kind: declared.kind,
    simulated: true,
    units: { ...declared.metrics },
    sample(site, timeMs, weather, random) {
      const out: Record<string, number> = {};
      for (const [metric, unit] of metrics) {
        const model = UNIT_MODELS[unit]!;
        // The site's character per metric: a stream seeded by kind, metric and id only.
        const traits = createRandom(hashString(`${declared.kind}:${metric}:${site.id}`));
        const value = model.pattern(site, timeMs, weather, traits, random);
        if (!Number.isFinite(value)) throw new Error(`pattern for ${unit} gave ${String(value)} for ${metric} at site ${site.id}`);
        out[metric] = roundTo(Math.min(model.max, Math.max(model.min, value)), model.decimals);
      }
      return out;
    },
  };
}
