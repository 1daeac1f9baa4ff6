/**
 * A substation outage: one transformer overloads and trips, the surviving transformers carry
 * its load in overload until the feeders are restored; trains stop on the area's metro line
 * (passengers pour out at the nearest stations), the nearest emergency department fills, and
 * residents call about the power cut. Sometimes a smaller second trip at another substation.
 */
import type { Asset, SensorSite } from '../../twin-model/city/city-types.ts';
import { sampleSignals } from '../signal-patterns.ts';
import {
  HOUR_MS,
  MINUTE_MS,
  type ScenarioBuilder,
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

/** Knobs of the substation-outage scenario. */
export interface SubstationOutageKnobs {
  durationMs: number;
  secondOutageChance: number;
  /** Metro stations within this distance of the substation are affected. */
  metroRadiusM: number;
  /** The nearest hospital within this distance takes diverted patients. */
  hospitalRadiusM: number;
}

export const SUBSTATION_OUTAGE_KNOBS: Readonly<SubstationOutageKnobs> = {
  durationMs: 2 * HOUR_MS,
  secondOutageChance: 0.5,
  metroRadiusM: 3_000,
  hospitalRadiusM: 4_000,
};

const CALLS = [
  '小区突然停电了 Our compound suddenly lost power',
  '整条街都停电了，红绿灯也不亮 The whole street is dark, traffic lights out too',
  '停电了电梯困人 Power cut, people stuck in the lift',
  '家里停电，什么时候恢复 No power at home, when will it be back',
];

/**
 * One substation's outage: its transformer sensors (the first overloads then goes silent when
 * it trips, the others overload) and the calls around it.
 */
function outageAt(b: ScenarioBuilder, substation: Asset, overloadAt: number, trip: number, restore: number, calls: number): void {
  const rnd = b.random.fork(`outage:${substation.id}`);
  const sensors = b.city.sensorSites.filter((s) => s.kind === 'power_substation' && s.assetId === substation.id);
  sensors.forEach((site, i) => {
    const peak = rnd.range(97, 106);
    if (i === 0) {
      // Climbs into overload, then the protection trips it: its RTU loses power and falls silent.
      b.series(
        site,
        (t, r) => {
          const base = sampleSignals(site, t, b.weather, r);
          const w = envelope(t, overloadAt, trip - overloadAt, trip + HOUR_MS, MINUTE_MS);
          const load = (base.load_pct ?? 0) + (peak - (base.load_pct ?? 0)) * w + 0.8 * r.normal();
          return { load_pct: load, voltage_kv: (base.voltage_kv ?? 110) * (1 - 0.04 * w) };
        },
        { gap: { from: trip, to: restore } },
      );
    } else {
      // The survivors pick up the tripped transformer's feeders and run overloaded until restoration.
      const carry = rnd.range(96, 110);
      b.series(site, (t, r) => {
        const base = sampleSignals(site, t, b.weather, r);
        const w = envelope(t, trip, 2 * MINUTE_MS, restore + 5 * MINUTE_MS, 5 * MINUTE_MS);
        const load = (base.load_pct ?? 0) + (carry - (base.load_pct ?? 0)) * w + r.normal();
        return { load_pct: load, voltage_kv: (base.voltage_kv ?? 110) * (1 - 0.06 * w) };
      });
    }
  });
  for (let i = 0; i < calls; i++) b.hotline(substation, trip + rnd.range(1, 12) * MINUTE_MS, 'power', rnd.pick(CALLS), 1_500, 3);
}

/** Generates the substation-outage run. */
export function generateSubstationOutage(options: ScenarioOptions, knobs: Partial<SubstationOutageKnobs> = {}): ScenarioRun {
  const k: SubstationOutageKnobs = { ...SUBSTATION_OUTAGE_KNOBS, ...knobs };
  const b = dryWeatherScenario('substation_outage', options, k.durationMs);
  const city = b.city;
  const rnd = b.random.fork('outage');
  const metro = sitesOfKind(city, 'metro_station');
  const hospitals = sitesOfKind(city, 'hospital_ed');
  const loadSites = sitesOfKind(city, 'power_substation');
  const monitored = assetsOfKind(city, 'substation').filter((a) => loadSites.some((s) => s.assetId === a.id));
  // An urban substation: metro and a hospital around it, so the knock-on effects exist.
  const urban = monitored.filter((a) => within(metro, a, k.metroRadiusM).length > 0 && within(hospitals, a, k.hospitalRadiusM).length > 0);
  const substation = rnd.pick(urban.length > 0 ? urban : monitored);

  const overloadAt = b.startMs + rnd.range(15, 35) * MINUTE_MS;
  const trip = overloadAt + rnd.range(5, 10) * MINUTE_MS;
  const restore = trip + rnd.range(40, 70) * MINUTE_MS;
  const calls = 4 + rnd.int(5);
  outageAt(b, substation, overloadAt, trip, restore, calls);

  // Metro: trains held, passengers flood out through the gates of the nearest stations.
  const stations = new Map<string, SensorSite[]>();
  for (const s of within(metro, substation, k.metroRadiusM)) {
    const key = s.assetId ?? s.id;
    stations.set(key, [...(stations.get(key) ?? []), s]);
  }
  const [first, second] = [...stations.values()];
  for (const site of first ?? []) {
    const surge = rnd.range(650, 950);
    const from = trip + rnd.range(3, 8) * MINUTE_MS;
    const until = from + rnd.range(15, 30) * MINUTE_MS;
    b.series(site, (t, r) => {
      const base = sampleSignals(site, t, b.weather, r).passengers_per_min ?? 0;
      return {
        passengers_per_min: base + (surge - base) * envelope(t, from, 3 * MINUTE_MS, until, 8 * MINUTE_MS) * (1 + 0.05 * r.normal()),
      };
    });
  }
  // The second station lost power too: its gate counters go dark (evidence that is missing).
  for (const site of second ?? []) b.normal(site, { gap: { from: trip, to: restore } });
  if (second && second.length > 0) {
    b.distract(
      'missing_evidence',
      `metro gate counters ${second.map((s) => s.id).join(', ')} lose power with the substation: no data ${fmtTime(trip, b.startMs)}–${fmtTime(restore, b.startMs)}`,
    );
  }

  // The nearest ED takes patients from home oxygen and lifts; its feed is the 5-min one, and lags.
  const ed = within(hospitals, substation, k.hospitalRadiusM)[0];
  let edNote = 'no ED nearby';
  if (ed) {
    const rise = rnd.range(14, 22);
    const lag = Math.round(rnd.range(10, 20) * MINUTE_MS);
    b.series(
      ed,
      (t, r) => {
        const base = sampleSignals(ed, t, b.weather, r);
        const w = envelope(t, trip + 10 * MINUTE_MS, 25 * MINUTE_MS, restore + 30 * MINUTE_MS, 30 * MINUTE_MS);
        return { occupancy_pct: (base.occupancy_pct ?? 0) + rise * w, waiting: (base.waiting ?? 0) + Math.round(12 * w) };
      },
      { lag: { from: trip, to: restore, delayMs: lag } },
    );
    b.distract(
      'lagging_evidence',
      `ED ${ed.id} reports in 5-min batches that arrive ${Math.round(lag / MINUTE_MS)} min late during the outage`,
    );
    edNote = `ED ${ed.id} +${rise.toFixed(0)}%`;
  }
  b.truth({
    type: 'power_outage',
    lng: substation.lng,
    lat: substation.lat,
    assetId: substation.id,
    start: trip,
    end: restore,
    notes: `overload from ${fmtTime(overloadAt, b.startMs)}, trip, ${calls} call(s); metro ${first?.length ?? 0} gate(s); ${edNote}`,
  });

  // A second, smaller trip at a substation across town: its load alarm and late calls.
  if (rnd.next() < k.secondOutageChance) {
    const pool = monitored.filter((a) => distM(a, substation) > 8_000);
    const [other] = sample(rnd, pool, 1);
    if (other) {
      const o2 = b.startMs + rnd.range(45, 70) * MINUTE_MS;
      const t2 = o2 + rnd.range(4, 8) * MINUTE_MS;
      const r2 = t2 + rnd.range(20, 35) * MINUTE_MS;
      const n = 1 + rnd.int(2);
      outageAt(b, other, o2, t2, r2, n);
      b.truth({
        type: 'power_outage',
        lng: other.lng,
        lat: other.lat,
        assetId: other.id,
        start: t2,
        end: r2,
        notes: `small trip; ${n} call(s); no metro or ED effect`,
      });
    }
  }

  // Distractors.
  const truthPlaces = b.groundTruth.map((t) => ({ lng: t.lng, lat: t.lat }));
  const far = (s: SensorSite): boolean => truthPlaces.every((p) => distM(p, s) > 5_000);
  b.stuckWaterLevel(far);
  const [glitch] = sample(
    rnd,
    loadSites.filter((s) => !b.hasSeries(s.id) && far(s)),
    1,
  );
  if (glitch) b.noisySensor(glitch, { load_pct: rnd.range(96, 101) }, b.startMs + rnd.range(10, 100) * MINUTE_MS, 1);
  const [busy] = sample(
    rnd,
    metro.filter((s) => !b.hasSeries(s.id) && far(s)),
    1,
  );
  if (busy) b.noisySensor(busy, { passengers_per_min: rnd.range(620, 700) }, b.startMs + rnd.range(10, 100) * MINUTE_MS, 2);
  b.falseDetection('smoke', '烟火识别 smoke detected', 'dust from a demolition site', truthPlaces);
  b.unrelatedCalls(4 + rnd.int(3), [{ category: 'power', text: '我家跳闸了，邻居都有电 My flat tripped, the neighbours have power' }]);
  b.standardBackground({ power_substation: 70, metro_station: 50, hospital_ed: 30 });
  b.duplicateSomeHotlineCases(1 + rnd.int(2));
  return b.finish();
}
