/**
 * Replays a scenario through the twin and the correlator — the same code as live — faster
 * than real time: every sensor of the city is registered as its retained meta would register
 * it, inputs are applied at their receive times, and the clock ticks every second between them.
 */
import { districtAt, isInCity } from '../../twin-model/city/index.ts';
import {
  createIncidentState,
  createTwinState,
  FusionEngine,
  type CityModel,
  type Incident,
  type IncidentChange,
  type IncidentRule,
  type IncidentType,
} from '../../twin-model/index.ts';
import type { ScenarioRun } from '../scenarios/scenario-types.ts';

export interface ReplayResult {
  incidents: Incident[];
  changes: IncidentChange[];
  engine: FusionEngine;
  /** Wall time spent in the twin and correlator (ms). */
  computeMs: number;
}

/** Optional hooks into a replay (the what-if simulation's dispatcher acts through them). */
export interface ReplayHooks {
  /**
   * Called after each input and each one-second tick, at scenario time `now`, with the
   * incident changes it made (often none). Changes it returns (e.g. an operator's
   * acknowledgement applied to `engine.incidents`) are added to the result.
   */
  onStep?: (now: number, changes: readonly IncidentChange[], engine: FusionEngine) => IncidentChange[] | undefined;
}

export function replayScenario(
  city: CityModel,
  run: ScenarioRun,
  rules?: ReadonlyMap<IncidentType, IncidentRule>,
  hooks?: ReplayHooks,
): ReplayResult {
  const twin = createTwinState({
    sites: new Map(city.sensorSites.map((s) => [s.id, s])),
    districtAt: (lng, lat) => districtAt(city, lng, lat)?.code ?? null,
  });
  const engine = new FusionEngine(twin, rules ? createIncidentState(rules) : createIncidentState(), {
    inCity: (lng, lat) => isInCity(city, lng, lat),
    districtAt: (lng, lat) => districtAt(city, lng, lat)?.code ?? null,
  });
  let now = run.startMs;
  const ctx = { now: () => now };
  const started = performance.now();
  const sourceClass = new Map(city.sources.map((s) => [s.id, s.classification]));
  for (const site of city.sensorSites) {
    engine.meta(
      site.id,
      {
        kind: site.kind,
        lng: site.lng,
        lat: site.lat,
        district: site.district,
        source: site.sourceId,
        ...(sourceClass.get(site.sourceId) ? { classification: sourceClass.get(site.sourceId)! } : {}),
      },
      ctx,
    );
  }
  const changes: IncidentChange[] = [];
  let nextTick = run.startMs + 1000;
  const tickUntil = (t: number) => {
    while (nextTick <= t) {
      now = nextTick;
      const step = engine.tick(ctx);
      changes.push(...step);
      if (hooks?.onStep) changes.push(...(hooks.onStep(now, step, engine) ?? []));
      nextTick += 1000;
    }
  };
  for (const input of run.inputs) {
    tickUntil(input.at);
    now = input.at;
    const step = input.type === 'readings' ? engine.readings(input.sensorId, input.readings, ctx) : engine.event(input.event, ctx);
    changes.push(...step);
    if (hooks?.onStep) changes.push(...(hooks.onStep(now, step, engine) ?? []));
  }
  tickUntil(run.endMs);
  return { incidents: [...engine.incidents.incidents.values()], changes, engine, computeMs: performance.now() - started };
}
