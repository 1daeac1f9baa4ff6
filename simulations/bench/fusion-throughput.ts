/**
 * Bench run 5: does incident fusion keep up with the ingest? The twin and the correlator (the
 * FusionEngine, the same code as live) take readings that flip sensors in and out of alarm on
 * every sample — far more alarm transitions than any real city produces — and then a flood of
 * hotline reports; both rates are printed beside the ingest's (runs 1 and 2).
 */
import { districtAt, generateCity, isInCity } from '../../twin-model/city/index.ts';
import { createIncidentState, createRandom, createTwinState, FusionEngine, type Reading } from '../../twin-model/index.ts';

export interface FusionFigures {
  readingsPerSec: number;
  alarmTransitions: number;
  transitionsPerSec: number;
  eventsPerSec: number;
  events: number;
  incidentsFromFlood: number;
}

export function measureFusion(scale = 1): FusionFigures {
  const city = generateCity();
  const twin = createTwinState({
    sites: new Map(city.sensorSites.map((s) => [s.id, s])),
    districtAt: (lng, lat) => districtAt(city, lng, lat)?.code ?? null,
  });
  const engine = new FusionEngine(twin, createIncidentState(), {
    inCity: (lng, lat) => isInCity(city, lng, lat),
    districtAt: (lng, lat) => districtAt(city, lng, lat)?.code ?? null,
  });
  let now = Date.UTC(2026, 6, 1, 0);
  const ctx = { now: () => now };
  for (const s of city.sensorSites)
    engine.meta(s.id, { kind: s.kind, lng: s.lng, lat: s.lat, district: s.district, source: s.sourceId }, ctx);

  // Water-level gauges alternate 5 cm / 35 cm: every reading is an alarm transition.
  const gauges = city.sensorSites.filter((s) => s.kind === 'water_level');
  const rounds = Math.max(10, Math.round(200 * scale));
  const t0 = performance.now();
  let readings = 0;
  const before = engine.counters.alarmsRaised + engine.counters.alarmsCleared;
  for (let r = 0; r < rounds; r++) {
    now += 30_000;
    for (const g of gauges) {
      const batch: Reading[] = [{ metric: 'water_level_cm', ts: now, value: r % 2 ? 35 : 5 }];
      engine.readings(g.id, batch, ctx);
      readings++;
    }
    if (r % 2 === 0) engine.tick(ctx);
  }
  const readSecs = (performance.now() - t0) / 1000;
  const transitions = engine.counters.alarmsRaised + engine.counters.alarmsCleared - before;

  // A flood of hotline reports all over the city (thousands a minute in a real storm).
  const random = createRandom(5);
  const [w, s, e, n] = city.bbox;
  const events = Math.round(50_000 * scale);
  const incidentsBefore = engine.incidents.incidents.size;
  const t1 = performance.now();
  for (let i = 0; i < events; i++) {
    now += 50;
    engine.event(
      {
        source: 'hotline',
        id: `flood-${i}`,
        ts: now,
        type: 'citizen_report',
        lng: random.range(w, e),
        lat: random.range(s, n),
        category: random.pick(['waterlogging', 'traffic', 'noise', 'other']),
        severity: null,
        text: null,
      },
      ctx,
    );
  }
  const eventSecs = (performance.now() - t1) / 1000;
  return {
    readingsPerSec: readings / readSecs,
    alarmTransitions: transitions,
    transitionsPerSec: transitions / readSecs,
    eventsPerSec: events / eventSecs,
    events,
    incidentsFromFlood: engine.incidents.incidents.size - incidentsBefore,
  };
}
