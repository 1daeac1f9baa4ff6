/**
 * Bench run 5, alarm storm: the correlator alone (applyIncidentInput, the live code) under the
 * storm of the console's frame-rate run (16): 100,000 water gauges, every 20th going into alarm at
 * the start of even minutes (5,000 raises within one second) and clearing in odd minutes, a tick
 * every second. Prints the correlator's time for one minute's 5,000 raises and for its 5,000
 * clears (the event loop is blocked that long), median and worst over the run, in CPU time (the
 * same on a busy machine; wall time on a free core is about the same). Takes the
 * correlator as a parameter so another build of it can be measured the same way.
 */
import { districtAt, generateCity } from '../../twin-model/city/index.ts';
import { applyIncidentInput, createIncidentState, type IncidentState } from '../../twin-model/index.ts';
import { createRandom } from '../../twin-model/index.ts';

export interface AlarmStormFigures {
  /** Alarm raises (or clears) per burst. */
  perBurst: number;
  raiseMsMedian: number;
  raiseMsMax: number;
  clearMsMedian: number;
  clearMsMax: number;
  /** Incidents held at the end (open and ended within the day). */
  incidents: number;
  opened: number;
}

export interface Correlator {
  create: () => IncidentState;
  apply: typeof applyIncidentInput;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export function measureAlarmStorm(
  minutes = 20,
  correlator: Correlator = { create: createIncidentState, apply: applyIncidentInput },
): AlarmStormFigures {
  const city = generateCity();
  const random = createRandom(16);
  const [w, s, e, n] = city.bbox;
  const gauges = Array.from({ length: 100_000 }, (_, i) => {
    const lng = random.range(w, e);
    const lat = random.range(s, n);
    return { id: `wl-storm-${i}`, lng, lat, district: districtAt(city, lng, lat)?.code };
  }).filter((_, i) => i % 20 === 0);
  const state = correlator.create();
  let now = Date.UTC(2026, 6, 1, 8);
  const ctx = { now: () => now };
  const raises: number[] = [];
  const clears: number[] = [];
  for (let m = 0; m < minutes; m++) {
    const start = now;
    const t0 = process.cpuUsage();
    for (let i = 0; i < gauges.length; i++) {
      const g = gauges[i]!;
      now = start + Math.floor((i * 1000) / gauges.length);
      if (m % 2 === 0)
        correlator.apply(
          state,
          {
            type: 'alarm',
            evidence: {
              id: `alarm:${g.id}`,
              kind: 'sensor_alarm',
              ts: now,
              lng: g.lng,
              lat: g.lat,
              sensorKind: 'water_level',
              sensorId: g.id,
              level: 'alarm',
              metric: 'water_level_cm',
              value: 35,
              ...(g.district ? { district: g.district } : {}),
            },
          },
          ctx,
        );
      else correlator.apply(state, { type: 'alarm_cleared', sensorId: g.id, ts: now }, ctx);
    }
    const used = process.cpuUsage(t0);
    (m % 2 === 0 ? raises : clears).push((used.user + used.system) / 1000);
    // The rest of the minute: a tick a second.
    for (let t = 1; t <= 60; t++) {
      now = start + t * 1000;
      correlator.apply(state, { type: 'tick' }, ctx);
    }
  }
  return {
    perBurst: gauges.length,
    raiseMsMedian: median(raises),
    raiseMsMax: Math.max(...raises),
    clearMsMedian: median(clears),
    clearMsMax: Math.max(...clears),
    incidents: state.incidents.size,
    opened: state.counters.opened,
  };
}
